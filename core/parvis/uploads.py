"""What an upload belongs to, who may see it, and removing uploads nothing uses.

Uploads are referenced by foreign keys (``Space.image_id``, a plugin's ``image_id`` or
``minutes_id``...). They are found in the shared metadata, so a plugin's new reference is
covered without registering anything: the referencing row leads to its space through its
``space_id`` or ``module_id`` column (or is the space itself).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Column, delete, select, union
from sqlalchemy.orm import Session

from parvis.db import Base, utcnow
from parvis.models import Module, Space, Town, Upload

# An upload is stored before the page that uses it is saved; younger orphans may still be
# on their way to being referenced.
ORPHAN_AGE = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Owner:
    """The space (and module) of a row that references an upload; ``town_wide`` for the
    town's own images (logo, favicon), shown on every page."""

    space: Space | None
    module: Module | None
    town_wide: bool = False


def town_images(session: Session) -> dict[int, int]:
    """{upload id: town id} of the towns' branding images (kept in ``Town.settings``)."""
    found = {}
    for town_id, settings in session.execute(select(Town.id, Town.settings)):
        brand = (settings or {}).get("_brand") or {}
        for key in ("logo", "favicon"):
            if isinstance(brand.get(key), int):
                found[brand[key]] = town_id
    return found


def references() -> list[Column]:  # type: ignore[type-arg]
    """Every column of every table (core and plugins) that references ``uploads.id``."""
    found = []
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == Upload.__tablename__:
                found.append(fk.parent)
    return found


def owners(session: Session, upload_id: int) -> list[Owner]:
    result = [Owner(None, None, town_wide=True)] if upload_id in town_images(session) else []
    for column in references():
        for row in session.execute(select(column.table).where(column == upload_id)).mappings():
            module = session.get(Module, row["module_id"]) if "module_id" in row else None
            if column.table.name == Space.__tablename__:
                space = session.get(Space, row["id"])
            elif module is not None:
                space = session.get(Space, module.space_id)
            else:
                space = session.get(Space, row["space_id"]) if "space_id" in row else None
            result.append(Owner(space, module))
    return result


def is_public(owner: Owner) -> bool:
    return owner.town_wide or bool(
        owner.space is not None
        and owner.space.published
        and (owner.module is None or owner.module.published)
    )


def purge_orphans(session: Session, now: dt.datetime | None = None) -> int:
    """Delete the uploads nothing references any more (older than ``ORPHAN_AGE``)."""
    cutoff = (now or utcnow()) - ORPHAN_AGE
    used = [select(c).where(c.is_not(None)) for c in references()]
    query = delete(Upload).where(Upload.created_at < cutoff)
    if used:
        query = query.where(Upload.id.not_in(union(*used).scalar_subquery()))
    branding = list(town_images(session))
    if branding:
        query = query.where(Upload.id.not_in(branding))
    return session.execute(query).rowcount or 0
