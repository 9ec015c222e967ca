"""Rate limits kept in the database, so every app process counts the same attempts.

Counting and recording must be one atomic step, or simultaneous requests all read the same
count and all pass. Each key is locked for the rest of the unit of work first: on PostgreSQL
by a transaction-level advisory lock, on SQLite by the write lock every writing unit of work
takes at ``BEGIN IMMEDIATE`` (see ``parvis.db``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from parvis.db import utcnow
from parvis.models import RateLimitHit


def lock(session: Session, *keys: str) -> None:
    """Hold ``keys`` until the unit of work ends (sorted, so two callers never deadlock)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key})


def used(session: Session, key: str, window_seconds: int) -> int:
    """How many attempts ``key`` made in the window (forgetting older ones)."""
    since = utcnow() - dt.timedelta(seconds=window_seconds)
    session.execute(delete(RateLimitHit).where(RateLimitHit.key == key, RateLimitHit.at < since))
    count = session.scalar(
        select(func.count())
        .select_from(RateLimitHit)
        .where(RateLimitHit.key == key, RateLimitHit.at >= since)
    )
    return count or 0


def record(session: Session, key: str) -> None:
    session.add(RateLimitHit(key=key, at=utcnow()))
    session.flush()


def hit(session: Session, key: str, limit: int, window_seconds: int) -> bool:
    """Record an attempt for ``key``; False when ``limit`` attempts are already in the window."""
    lock(session, key)
    if used(session, key, window_seconds) >= limit:
        return False
    record(session, key)
    return True
