"""The audit log: who did which admin action or vote-relevant change, and when.

Every action is declared (``parvis_audit_actions``) with a translatable sentence, so the log reads
"Camille changed the phase of module:12 from open to vote" rather than ``module.phase``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from parvis.contrib import AuditAction
from parvis.models import AuditEntry


class UndeclaredAuditAction(ValueError):
    """``ctx.audit`` was given an action no plugin declared."""


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


def check_declared(declared: Mapping[str, AuditAction], action: str) -> None:
    if action not in declared:
        raise UndeclaredAuditAction(
            f"Audit action '{action}' is not declared: return AuditAction('{action}', "
            '_l("<sentence>")) from your plugin\'s parvis_audit_actions hook.'
        )


class _Values(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "—"


def sentence(declared: Mapping[str, AuditAction], entry: AuditEntry, actor: str) -> str:
    """The entry as a sentence in the current language (the action's name if undeclared, e.g.
    an entry older than its declaration)."""
    audited = declared.get(entry.action)
    if audited is None:
        return f"{actor}: {entry.action} {entry.target}".strip()
    values = _Values({k: _plain(v) for k, v in (entry.details or {}).items()})
    values.update(actor=actor, target=entry.target or "—")
    return str(audited.sentence) % values


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "—"
    return "—" if value is None or value == "" else value
