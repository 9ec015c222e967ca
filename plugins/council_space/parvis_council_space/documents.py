"""Documents of a council (meeting minutes): PDF files kept in the database."""

from __future__ import annotations

from sqlalchemy.orm import Session

from parvis.api import Space, Town, slugify

from .common import ServiceError
from .i18n import _
from .models import Document


def store_pdf(
    session: Session, town: Town, space: Space, data: bytes, filename: str, max_bytes: int
) -> Document:
    if len(data) > max_bytes:
        raise ServiceError(
            _("This file is too large (%(max)s MB at most).", max=max_bytes // (1024 * 1024)),
            "minutes",
        )
    if not data.startswith(b"%PDF-"):
        raise ServiceError(_("This file is not a PDF document."), "minutes")
    stem = slugify(filename.rsplit(".", 1)[0], max_length=80) or "document"
    doc = Document(
        town_id=town.id, space_id=space.id, filename=f"{stem}.pdf", size=len(data), data=data
    )
    session.add(doc)
    session.flush()
    return doc
