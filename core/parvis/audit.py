"""The audit log: who did which admin action or vote-relevant change, and when.

Every action is declared (``parvis_audit_actions``) with a translatable sentence, so the log reads
"Camille moved “Budget 2027” from phase Vote to Results" rather than ``module.phase module:12``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parvis.contrib import AuditAction
from parvis.i18n import gettext
from parvis.models import AuditEntry, Module, Space, User


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


@dataclass
class Names:
    """What the log's targets stand for: "module:12" is “Budget 2027”, its phases' labels."""

    targets: dict[str, str] = field(default_factory=dict)
    phases: dict[str, dict[str, str]] = field(default_factory=dict)


def names_of(session: Session, town_id: int, entries: Iterable[AuditEntry], types: Any) -> Names:
    """Names of the modules, spaces and people the entries name, in one query per kind (so the
    log costs the same for 10 or 200 entries). ``types`` maps a module type to its ModuleType."""
    wanted: dict[str, set[int]] = {"module": set(), "space": set(), "user": set()}
    for entry in entries:
        kind, _sep, number = (entry.target or "").partition(":")
        # ASCII digits that fit an id ("²" passes ``isdigit`` but not ``int``).
        if kind in wanted and number.isascii() and number.isdigit() and len(number) <= 9:
            wanted[kind].add(int(number))
    names = Names()
    if wanted["module"]:
        for mid, title, mtype in session.execute(
            select(Module.id, Module.title, Module.type)
            .join(Space, Space.id == Module.space_id)
            .where(Module.id.in_(wanted["module"]), Space.town_id == town_id)
        ):
            names.targets[f"module:{mid}"] = gettext("“%(title)s”", title=title)
            known = types.get(mtype)
            if known is not None:
                names.phases[f"module:{mid}"] = {p.key: str(p.label) for p in known.phases}
    if wanted["space"]:
        for sid, title in session.execute(
            select(Space.id, Space.title).where(
                Space.id.in_(wanted["space"]), Space.town_id == town_id
            )
        ):
            names.targets[f"space:{sid}"] = gettext("“%(title)s”", title=title)
    if wanted["user"]:
        for uid, name in session.execute(
            select(User.id, User.display_name).where(
                User.id.in_(wanted["user"]), User.town_id == town_id
            )
        ):
            names.targets[f"user:{uid}"] = name
    return names


# Details that hold a phase key, shown with the phase's label.
PHASE_DETAILS = ("old", "new", "phase")


def sentence(
    declared: Mapping[str, AuditAction],
    entry: AuditEntry,
    actor: str,
    names: Names | None = None,
) -> str:
    """The entry as a sentence in the current language (the action's name if undeclared, e.g.
    an entry older than its declaration), with its target named when ``names`` knows it."""
    names = names or Names()
    target = names.targets.get(entry.target or "", entry.target or "—")
    audited = declared.get(entry.action)
    if audited is None:
        return f"{actor}: {entry.action} {target}".strip()
    values = _Values({k: _plain(v) for k, v in (entry.details or {}).items()})
    labels = names.phases.get(entry.target or "", {})
    for key in PHASE_DETAILS:
        if key in values and str(values[key]) in labels:
            values[key] = labels[str(values[key])]
    values.update(actor=actor, target=target)
    return str(audited.sentence) % values


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "—"
    return "—" if value is None or value == "" else value
