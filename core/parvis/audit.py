"""The audit log: who did which admin action or vote-relevant change, and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from parvis.models import AuditEntry


def record(
    session: Session,
    town_id: int,
    actor_id: int | None,
    action: str,
    target: str = "",
    **details: Any,
) -> None:
    session.add(
        AuditEntry(
            town_id=town_id, actor_id=actor_id, action=action, target=target, details=details
        )
    )
