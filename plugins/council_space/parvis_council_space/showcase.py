"""What a council space shows of its council: members (by role), news and meetings, newest
first; its pages and the ``space.top``/``space.main`` slots read them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from parvis.api import Space

from .models import CouncilMember, Meeting, NewsItem

ROLE_ORDER = {"president": 0, "secretary": 1, "member": 2}


def members(session: Session, space: Space) -> list[CouncilMember]:
    found = list(session.scalars(select(CouncilMember).where(CouncilMember.space_id == space.id)))
    return sorted(found, key=lambda m: (ROLE_ORDER.get(m.council_role, 9), m.position, m.name))


def news(session: Session, space: Space, limit: int | None = None) -> list[NewsItem]:
    query = (
        select(NewsItem)
        .where(NewsItem.space_id == space.id)
        .order_by(NewsItem.published_at.desc(), NewsItem.id.desc())
    )
    return list(session.scalars(query.limit(limit) if limit else query))


def meetings(session: Session, space: Space) -> list[Meeting]:
    return list(
        session.scalars(
            select(Meeting)
            .where(Meeting.space_id == space.id)
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        )
    )
