"""Dated phases: when each phase of a module starts and ends, and moving a module on once a date
has passed.

There is no scheduler: a module is moved on when it is read (its pages, its space's page, the home
page). The move is a compare-and-set on the module's phase, so when several requests see the same
date pass at once, exactly one moves the module, records it in the audit log and tells the
space's followers; the others find it already moved. Every plugin's module types get this from core.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from parvis import audit
from parvis.contrib import Action, Event, ModuleRow, ModuleType, Phase
from parvis.db import utcnow
from parvis.driver import driver_rows
from parvis.events import emit
from parvis.i18n import gettext as _
from parvis.models import Module, PhaseDates, Space
from parvis.permissions import ANONYMOUS, RESIDENT, VERIFIED
from parvis.phases import Deadline, TimelineStep, phase_deadline, phase_timeline
from parvis.stored import stored_datetime, stored_json, utc_datetime
from parvis.versions import TOWN_KEY

if TYPE_CHECKING:
    from parvis.app import Parvis

# phase key -> (starts_at, ends_at), either may be None.
Schedule = dict[str, tuple[dt.datetime | None, dt.datetime | None]]


# ``Module``'s columns in ``ModuleRow``'s order.
# ``settings`` and ``created_at`` as stored (no JSON or date decoding per row: ``ModuleRow``
# decodes them when read, and listing pages seldom read them).
ROW_COLUMNS = (
    *(getattr(Module, f.name) for f in fields(ModuleRow)[:-2]),
    stored_json(Module.settings),
    stored_datetime(Module.created_at),
)

# Roles of residents: a phase is open to residents when one of its actions is theirs by default.
RESIDENT_ROLES = frozenset({ANONYMOUS, RESIDENT, VERIFIED})


@dataclass(frozen=True)
class PhaseInfo:
    """What residents read about a module's phase: the deadline line and the timeline, and
    whether residents can act in it (a visitor is then invited to create an account)."""

    deadline: Deadline | None
    timeline: list[TimelineStep]
    open_to_residents: bool = False


def resident_phase(actions: Mapping[str, Action], mtype: ModuleType, phase_key: str) -> bool:
    """Whether residents can act in this phase: one of its actions is theirs by default."""
    phase = mtype.phase(phase_key)
    if phase is None:
        return False
    return any(
        a in actions and RESIDENT_ROLES & set(actions[a].default_roles) for a in phase.actions
    )


def load_schedules(session: Session, module_ids: Sequence[int]) -> dict[int, Schedule]:
    """The dated phases of these modules, in one query."""
    if not module_ids:
        return {}
    rows = session.execute(
        select(PhaseDates.module_id, PhaseDates.phase, PhaseDates.starts_at, PhaseDates.ends_at)
        .where(PhaseDates.module_id.in_(list(module_ids)))
        .order_by(PhaseDates.module_id)
    )
    schedules: dict[int, Schedule] = {}
    for module_id, phase, starts_at, ends_at in rows:
        if starts_at is not None or ends_at is not None:
            schedules.setdefault(module_id, {})[phase] = (starts_at, ends_at)
    return schedules


def rows_query(*where: Any) -> Select[Any]:
    """Modules (``ModuleRow`` columns) with their dated phases (an outer join: one row per dated
    phase), in their space's order, for ``modules_with_schedules``. Build it once, with bound
    parameters: building a statement costs about as much as running it. The dates as stored
    (``stored_datetime``): most modules have none, and their ``NULL``s are not processed."""
    return (
        select(
            *ROW_COLUMNS,
            PhaseDates.phase,
            stored_datetime(PhaseDates.starts_at),
            stored_datetime(PhaseDates.ends_at),
        )
        .outerjoin(PhaseDates, PhaseDates.module_id == Module.id)
        .where(*where)
        .order_by(Module.position, Module.id)
    )


def modules_with_schedules(
    session: Session, query: Select[Any], params: Mapping[str, Any] | None = None
) -> tuple[list[ModuleRow], dict[int, Schedule]]:
    """The modules a ``rows_query`` statement selects, in its order, as ``ModuleRow``s, with
    their dated phases read in the same statement, for pages that list many modules."""
    width = len(ROW_COLUMNS)
    modules: dict[int, ModuleRow] = {}
    schedules: dict[int, Schedule] = {}
    for row in driver_rows(session, query, dict(params or {})):
        module_id = row[0]
        if module_id not in modules:
            modules[module_id] = ModuleRow(*row[:width])
        phase, starts_at, ends_at = row[width:]
        if starts_at is not None or ends_at is not None:
            dates = (utc_datetime(starts_at), utc_datetime(ends_at))
            schedules.setdefault(module_id, {})[phase] = dates
    return list(modules.values()), schedules


def set_phase_dates(
    session: Session,
    module: Module,
    phase: str,
    *,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
) -> None:
    """Give ``phase`` of ``module`` these dates (``None`` clears one), as staff do in the
    administration; the module moves on by itself once they pass. For demo data and imports."""
    row = session.scalar(
        select(PhaseDates).where(PhaseDates.module_id == module.id, PhaseDates.phase == phase)
    )
    if row is None:
        row = PhaseDates(module_id=module.id, phase=phase)
        session.add(row)
    row.starts_at, row.ends_at = starts_at, ends_at
    session.flush()


def due_phase(phases: Sequence[Phase], current: str, schedule: Schedule, now: dt.datetime) -> str:
    """The phase the dates say the module is in now. Dates only ever move a module forward:
    a later phase whose start has passed, or the next one once the current phase has ended."""
    keys = [p.key for p in phases]
    if current not in keys or not schedule:
        return current
    index = keys.index(current)
    while True:
        started = [
            i
            for i in range(index + 1, len(keys))
            if (start := schedule.get(keys[i], (None, None))[0]) is not None and start <= now
        ]
        end = schedule.get(keys[index], (None, None))[1]
        if started:
            index = max(started)
        elif end is not None and end <= now and index + 1 < len(keys):
            index += 1
        else:
            return keys[index]


def phase_end(phases: Sequence[Phase], current: str, schedule: Schedule) -> dt.datetime | None:
    """When the current phase ends: its own end, or the earliest start of a later phase."""
    keys = [p.key for p in phases]
    if current not in keys:
        return None
    ends = [schedule.get(current, (None, None))[1]]
    ends += [schedule.get(k, (None, None))[0] for k in keys[keys.index(current) + 1 :]]
    dated = [e for e in ends if e is not None]
    return min(dated) if dated else None


def phase_info(
    phases: Sequence[Phase], current: str, schedule: Schedule, now: dt.datetime | None = None
) -> PhaseInfo:
    """The deadline of the current phase and the timeline of every phase, with their dates."""
    phase = next((p for p in phases if p.key == current), None)
    deadline = None
    if phase is not None:
        deadline = phase_deadline(str(phase.label), phase_end(phases, current, schedule), now)
    return PhaseInfo(deadline, phase_timeline(phases, current, schedule, now))


def move_phase(
    session: Session,
    parvis: Parvis,
    module: Module,
    new: str,
    *,
    expected: str,
    actor_id: int | None,
    automatic: bool,
) -> bool:
    """Move ``module`` from phase ``expected`` to ``new`` if it is still in ``expected``
    (compare-and-set); then record it, emit ``module.phase_changed`` and tell the followers.
    Returns whether this call moved it."""
    moved = session.execute(
        update(Module)
        .where(Module.id == module.id, Module.phase == expected)
        .values(phase=new)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        return False
    set_committed_value(module, "phase", new)
    space = session.get(Space, module.space_id)
    assert space is not None
    audit.record(
        session,
        space.town_id,
        actor_id,
        "module.phase_auto" if automatic else "module.phase",
        f"module:{module.id}",
        old=expected,
        new=new,
        title=module.title,
    )
    emit(
        session,
        Event(
            "module.phase_changed",
            space.town_id,
            actor_id,
            space.id,
            {"module_id": module.id, "old": expected, "new": new, "automatic": automatic},
        ),
    )
    if module.published and space.published:
        _tell_followers(session, parvis, module, space, new)
    return True


def _tell_followers(
    session: Session, parvis: Parvis, module: Module, space: Space, new: str
) -> None:
    from parvis.context import site_url
    from parvis.notify import notify_followers

    mtype = parvis.registry.module_types.get(module.type)
    phase = mtype.phase(new) if mtype else None
    link = f"{site_url(parvis, session, space.town_id)}/s/{space.slug}/{module.type}/{module.id}/"

    def compose(_follower: object) -> tuple[str, str]:
        label = str(phase.label) if phase else new
        subject = _("“%(title)s”: %(phase)s", title=module.title, phase=label)
        body = _(
            "“%(title)s” (%(space)s) is now in the “%(phase)s” phase.\n\nSee it: %(link)s",
            title=module.title,
            space=space.title,
            phase=label,
            link=link,
        )
        return subject, body

    notify_followers(parvis, session, space, compose)


def advance(
    parvis: Parvis,
    session: Session,
    modules: Sequence[Module | ModuleRow],
    now: dt.datetime | None = None,
    *,
    commit: bool = False,
    schedules: dict[int, Schedule] | None = None,
) -> dict[int, Schedule]:
    """Move on the ``modules`` whose dates have passed; return their schedules (read here
    unless given, as ``modules_with_schedules`` returns them).

    In a writing unit of work the move happens in it, committed at once with ``commit`` (the
    request gate does so before the view runs: a vote refused after the end must not undo the
    move); a read-only one (a GET page) moves in a short unit of work of its own, committed at
    once, so the next reader sees the new phase.
    """
    if schedules is None:
        schedules = load_schedules(session, [m.id for m in modules])
    now = now or utcnow()
    due: list[tuple[Module | ModuleRow, str]] = []
    types = parvis.registry.module_types
    for module in modules:
        # Most listed modules have no dates: skip them before any look-up (pages list hundreds).
        if module.id not in schedules:
            continue
        schedule = schedules[module.id]
        mtype = types.get(module.type)
        if mtype is None or not schedule:
            continue
        new = due_phase(mtype.phases, module.phase, schedule, now)
        if new != module.phase:
            due.append((module, new))
    if not due:
        return schedules
    if session.info.get("parvis_write"):
        for module, new in due:
            mine = module if isinstance(module, Module) else session.get(Module, module.id)
            if mine is None:
                continue
            move_phase(
                session, parvis, mine, new, expected=module.phase, actor_id=None, automatic=True
            )
            if mine is not module:
                module.phase = mine.phase
        if commit:
            session.commit()
        return schedules
    with parvis.db.session(write=True) as writer:
        # The move bumps only the reading request's town's content version (``versions.py``).
        if TOWN_KEY in session.info:
            writer.info[TOWN_KEY] = session.info[TOWN_KEY]
        found = {}
        for module, new in due:
            mine = writer.get(Module, module.id)
            if mine is None:
                continue
            move_phase(
                writer, parvis, mine, new, expected=module.phase, actor_id=None, automatic=True
            )
            found[module.id] = writer.scalar(select(Module.phase).where(Module.id == module.id))
    for module, _new in due:
        if module.id in found:
            # The reader's snapshot may predate the move: show what is now committed.
            if isinstance(module, Module):
                set_committed_value(module, "phase", found[module.id])
            else:
                module.phase = found[module.id]
    return schedules


def clear_passed_dates(
    session: Session, module: Module, phases: Sequence[Phase], now: dt.datetime | None = None
) -> list[str]:
    """After staff move a module by hand, remove the dates that would move it on at once (the
    end of its new phase, the start of a later one, when already passed), so a hand move sticks.
    Returns the labels of the phases whose dates were removed."""
    now = now or utcnow()
    keys = [p.key for p in phases]
    if module.phase not in keys:
        return []
    later = set(keys[keys.index(module.phase) + 1 :])
    cleared = []
    rows = session.scalars(select(PhaseDates).where(PhaseDates.module_id == module.id))
    for row in rows:
        changed = False
        if row.phase == module.phase and row.ends_at is not None and row.ends_at <= now:
            row.ends_at, changed = None, True
        if row.phase in later and row.starts_at is not None and row.starts_at <= now:
            row.starts_at, changed = None, True
        if changed:
            cleared.append(row.phase)
    labels = {p.key: str(p.label) for p in phases}
    return [labels[k] for k in keys if k in cleared]
