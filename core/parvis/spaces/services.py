"""Queries and changes on spaces, modules, areas and follows."""

from __future__ import annotations

import io
import re
import threading
import unicodedata
from typing import NamedTuple

from PIL import Image, UnidentifiedImageError
from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session, joinedload

from parvis.contrib import ModuleType
from parvis.models import Follow, Module, Space, Town, Upload, User

MAX_IMAGE_SIDE = 1600
# Decoding costs memory in proportion to the canvas (3-4 bytes a pixel, plus copies). A
# resident's phone photo has 12 megapixels; staff may upload a large poster scan.
MAX_IMAGE_PIXELS = 40_000_000
RESIDENT_MAX_IMAGE_PIXELS = 16_000_000
# Decodes at once in one process, whatever the number of requests: the memory they take
# stays bounded (the others wait their turn in the thread pool, off the event loop).
_decoding = threading.BoundedSemaphore(2)


def slugify(text: str, max_length: int = 70) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-") or "space"


def unique_space_slug(
    session: Session, town: Town, title: str, exclude_id: int | None = None
) -> str:
    base = slugify(title)
    taken = set(
        session.scalars(
            select(Space.slug).where(
                Space.town_id == town.id,
                Space.slug.like(f"{base}%"),
                Space.id != (exclude_id or -1),
            )
        )
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def list_spaces(
    session: Session,
    town: Town,
    *,
    visible,
    area_id: int | None = None,
    kind: str | None = None,
    include_unpublished: bool = False,
) -> list[Space]:
    query = (
        select(Space)
        .options(joinedload(Space.area))
        .where(Space.town_id == town.id)
        .order_by(Space.position, Space.title)
    )
    if not include_unpublished:
        query = query.where(Space.published.is_(True))
    query = query.where(visible)
    if area_id is not None:
        query = query.where(Space.area_id == area_id)
    if kind:
        query = query.where(Space.kind == kind)
    return list(session.scalars(query))


def space_modules(session: Session, space: Space, *, include_unpublished: bool) -> list[Module]:
    return list(
        session.scalars(space_modules_query(space, include_unpublished=include_unpublished))
    )


def space_modules_query(space: Space, *, include_unpublished: bool) -> Select[tuple[Module]]:
    query = select(Module).where(Module.space_id == space.id).order_by(Module.position, Module.id)
    if not include_unpublished:
        query = query.where(Module.published.is_(True))
    return query


def add_module(session: Session, space: Space, mtype: ModuleType, title: str) -> Module:
    position = session.scalar(
        select(func.coalesce(func.max(Module.position), 0)).where(Module.space_id == space.id)
    )
    base = slugify(title)
    taken = set(session.scalars(select(Module.slug).where(Module.space_id == space.id)))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    module = Module(
        space_id=space.id,
        type=mtype.key,
        slug=slug,
        title=title,
        phase=mtype.phases[0].key,
        position=(position or 0) + 1,
    )
    session.add(module)
    session.flush()
    return module


def is_following(session: Session, user_id: int, space: Space) -> bool:
    return (
        session.scalar(
            select(Follow.id).where(Follow.user_id == user_id, Follow.space_id == space.id)
        )
        is not None
    )


def set_following(session: Session, user_id: int, space: Space, follow: bool) -> None:
    if follow:
        if not is_following(session, user_id, space):
            session.add(Follow(user_id=user_id, space_id=space.id))
    else:
        session.execute(
            delete(Follow).where(Follow.user_id == user_id, Follow.space_id == space.id)
        )


class Follower(NamedTuple):
    user_id: int
    email: str
    locale: str | None


def followers(session: Session, space: Space) -> list[Follower]:
    """Confirmed followers of ``space`` who still want its news by e-mail."""
    rows = session.execute(
        select(User.id, User.email, User.locale)
        .join(Follow, Follow.user_id == User.id)
        .where(
            Follow.space_id == space.id,
            User.confirmed_at.is_not(None),
            User.notify_followed.is_(True),
        )
        .order_by(User.id)
    )
    return [Follower(*row) for row in rows]


class InvalidImage(ValueError):
    pass


def reencode_image(
    data: bytes, max_side: int = MAX_IMAGE_SIDE, max_pixels: int = RESIDENT_MAX_IMAGE_PIXELS
) -> bytes:
    """An uploaded image re-encoded as JPEG, at most ``max_side`` pixels wide or high: drops
    metadata and anything hidden in the file; refuses what is not an image or too large."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
        with _decoding, Image.open(io.BytesIO(data)) as img:
            # A tiny file can declare a huge canvas; refuse it before decoding a single pixel.
            if img.width * img.height > max_pixels:
                raise InvalidImage(f"{img.width}x{img.height} pixels is too large")
            img.draft("RGB", (max_side, max_side))  # JPEG: decode scaled down
            img.thumbnail((max_side, max_side))
            img = img.convert("RGB")
            out = io.BytesIO()
            img.save(out, format="JPEG", quality=85, optimize=True)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise InvalidImage(str(exc)) from exc
    return out.getvalue()


def store_image(
    session: Session,
    town: Town,
    data: bytes,
    filename: str,
    *,
    max_pixels: int = RESIDENT_MAX_IMAGE_PIXELS,
) -> Upload:
    """Re-encode an uploaded image (drops metadata and anything hidden in the file).

    Call it only once the rest of the form is valid: a rejected form must not leave an image
    behind (``parvis.uploads.purge_orphans`` removes any that slip through)."""
    encoded = reencode_image(data, max_pixels=max_pixels)
    upload = Upload(
        town_id=town.id,
        content_type="image/jpeg",
        filename=slugify(filename.rsplit(".", 1)[0]) + ".jpg",
        data=encoded,
    )
    session.add(upload)
    session.flush()
    return upload
