"""Events are queued on the session and delivered to ``parvis_event`` only after commit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from parvis.contrib import Event

# ``Session.info`` key of the events waiting for the commit.
PENDING_KEY = "parvis_events"


def emit(session: Session, fired: Event) -> None:
    """Deliver ``fired`` to every ``parvis_event`` hook once ``session`` commits (never on
    rollback)."""
    session.info.setdefault(PENDING_KEY, []).append(fired)


def install(sessionmaker: Any, deliver: Any) -> None:
    """Wire a session factory so committed events reach ``deliver(list_of_events)``."""

    @event.listens_for(sessionmaker, "after_commit")
    def _after_commit(session: Session) -> None:
        events = session.info.pop(PENDING_KEY, [])
        if events:
            deliver(events)

    @event.listens_for(sessionmaker, "after_rollback")
    def _after_rollback(session: Session) -> None:
        session.info.pop(PENDING_KEY, None)
