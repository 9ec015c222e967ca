"""Causes and skills: built-in lists a town renames, retires or extends (table ``Term``).

Missions and profiles store a term's key; free tags are refused because every key is checked
against the town's list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .i18n import _l
from .models import Term

CAUSE, SKILL = "cause", "skill"

DEFAULTS: dict[str, dict[str, Any]] = {
    CAUSE: {
        "solidarity": _l("Solidarity and fighting isolation"),
        "environment": _l("Environment and nature"),
        "education": _l("Education and homework help"),
        "culture": _l("Culture and heritage"),
        "sport": _l("Sport"),
        "health": _l("Health and care"),
        "emergency": _l("Emergencies and civil protection"),
    },
    SKILL: {
        "listening": _l("Listening and company"),
        "driving": _l("Driving (licence)"),
        "cooking": _l("Cooking"),
        "diy": _l("DIY and repairs"),
        "gardening": _l("Gardening"),
        "teaching": _l("Teaching and tutoring"),
        "digital": _l("Computers and the internet"),
        "languages": _l("Foreign languages"),
        "handling": _l("Carrying and handling"),
        "admin": _l("Accounts and paperwork"),
    },
}


@dataclass(frozen=True)
class TermChoice:
    key: str
    label: str
    retired: bool
    builtin: bool


def _town_terms(session: Session, town_id: int) -> list[Term]:
    """The town's term rows, read once per unit of work (a page shows both lists and labels)."""
    cache = session.info.setdefault("volunteering_terms", {})
    if town_id not in cache:
        cache[town_id] = list(session.scalars(select(Term).where(Term.town_id == town_id)))
    return list(cache[town_id])


def choices(
    session: Session, town_id: int, kind: str, *, with_retired: bool = False
) -> list[TermChoice]:
    """The town's terms of ``kind`` in display order: built-in ones first, then the town's."""
    rows = {t.key: t for t in _town_terms(session, town_id) if t.kind == kind}
    found: list[TermChoice] = []
    for key, label in DEFAULTS[kind].items():
        row = rows.pop(key, None)
        found.append(
            TermChoice(
                key,
                (row.label if row and row.label else str(label)),
                bool(row and row.retired),
                True,
            )
        )
    for row in sorted(rows.values(), key=lambda r: r.label.lower()):
        found.append(TermChoice(row.key, row.label, row.retired, False))
    return [t for t in found if with_retired or not t.retired]


def labels(session: Session, town_id: int, kind: str) -> dict[str, str]:
    """Every key the town ever used (retired ones too) to its label, to show stored values."""
    return {t.key: t.label for t in choices(session, town_id, kind, with_retired=True)}
