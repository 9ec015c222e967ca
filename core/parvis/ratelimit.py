"""Rate limits kept in the database, so every app process counts the same attempts."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from parvis.db import utcnow
from parvis.models import RateLimitHit


def hit(session: Session, key: str, limit: int, window_seconds: int) -> bool:
    """Record an attempt for ``key``; False when ``limit`` attempts are already in the window."""
    now = utcnow()
    since = now - dt.timedelta(seconds=window_seconds)
    session.execute(delete(RateLimitHit).where(RateLimitHit.key == key, RateLimitHit.at < since))
    count = session.scalar(
        select(func.count())
        .select_from(RateLimitHit)
        .where(RateLimitHit.key == key, RateLimitHit.at >= since)
    )
    if (count or 0) >= limit:
        return False
    session.add(RateLimitHit(key=key, at=now))
    session.flush()
    return True
