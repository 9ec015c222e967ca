"""Missions: creation and editing (slots or a recurring schedule), closing, and the public list
with its filters, all done in SQL (one query per page plus one count)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from parvis.api import App, Area, User, utcnow

from . import clock, notify
from .i18n import _
from .models import (
    CANCELLED,
    CLOSED,
    LIVE,
    PUBLISHED,
    VALIDATED,
    Application,
    Association,
    Mission,
    MissionSkill,
    MissionTime,
    Slot,
)

PAGE_SIZE = 20


@dataclass
class SlotData:
    date: dt.date
    start: dt.time
    end: dt.time
    places: int


@dataclass
class MissionData:
    title: str
    description: str
    cause: str
    skills: list[str]
    area_id: int | None
    address: str
    remote: bool
    kind: str  # "slots" or "recurring"
    min_age: int
    accessibility: str
    slots: list[SlotData] = field(default_factory=list)
    times: list[tuple[int, int]] = field(default_factory=list)  # recurring: (weekday, part)
    weeks: int | None = None
    hours_per_session: float | None = None
    places: int = 1  # recurring: volunteers wanted


def save(session: Session, mission: Mission, data: MissionData) -> None:
    """Create or update a mission. Existing slots are kept (their places can grow, or shrink
    down to what is taken); new ones are added."""
    for name in ("title", "description", "address", "accessibility"):
        setattr(mission, name, getattr(data, name).strip())
    mission.cause = data.cause
    mission.area_id = data.area_id
    mission.remote = data.remote
    mission.min_age = data.min_age
    if mission.id is None:
        mission.kind = data.kind
        session.add(mission)
        session.flush()
    session.execute(delete(MissionSkill).where(MissionSkill.mission_id == mission.id))
    session.add_all(
        MissionSkill(mission_id=mission.id, skill=s) for s in dict.fromkeys(data.skills)
    )
    if mission.kind == "recurring":
        mission.weeks = data.weeks
        mission.hours_per_session = data.hours_per_session
        slot = session.scalar(select(Slot).where(Slot.mission_id == mission.id))
        if slot is None:
            session.add(Slot(mission_id=mission.id, places=data.places))
        else:
            slot.places = max(data.places, slot.taken)
        times = set(data.times)
    else:
        existing = {
            (s.date, s.start, s.end): s
            for s in session.scalars(select(Slot).where(Slot.mission_id == mission.id))
        }
        for new in data.slots:
            old = existing.get((new.date, new.start, new.end))
            if old is None:
                session.add(
                    Slot(
                        mission_id=mission.id,
                        date=new.date,
                        start=new.start,
                        end=new.end,
                        places=new.places,
                    )
                )
            else:
                old.places = max(new.places, old.taken)
        session.flush()
        times = {
            (d.weekday(), clock.part_of_day(start))
            for d, start in session.execute(
                select(Slot.date, Slot.start).where(Slot.mission_id == mission.id)
            )
            if d is not None and start is not None
        }
    session.execute(delete(MissionTime).where(MissionTime.mission_id == mission.id))
    session.add_all(MissionTime(mission_id=mission.id, weekday=w, part=p) for w, p in sorted(times))
    session.flush()


def get(session: Session, town_id: int, mission_id: int) -> Mission | None:
    return session.scalar(
        select(Mission).where(Mission.id == mission_id, Mission.town_id == town_id)
    )


def slots(session: Session, mission_id: int, *, since: dt.date | None = None) -> list[Slot]:
    """The mission's slots; with ``since``, the undated ones and those from that day on."""
    query = select(Slot).where(Slot.mission_id == mission_id)
    if since is not None:
        query = query.where(or_(Slot.date.is_(None), Slot.date >= since))
    return list(session.scalars(query.order_by(Slot.date, Slot.start, Slot.id)))


def skills_of(session: Session, mission_id: int) -> list[str]:
    return list(
        session.scalars(
            select(MissionSkill.skill)
            .where(MissionSkill.mission_id == mission_id)
            .order_by(MissionSkill.skill)
        )
    )


def times_of(session: Session, mission_id: int) -> list[tuple[int, int]]:
    return [
        (w, p)
        for w, p in session.execute(
            select(MissionTime.weekday, MissionTime.part)
            .where(MissionTime.mission_id == mission_id)
            .order_by(MissionTime.weekday, MissionTime.part)
        )
    ]


def close(
    app: App, session: Session, mission_id: int, base_url: str, *, suspended: bool = False
) -> int:
    """Close a mission: live applications on slots still to come are cancelled (their places
    freed) and their volunteers told. Returns how many volunteers were told."""
    mission = session.get(Mission, mission_id)
    if mission is None or mission.status == CLOSED:
        return 0
    mission.status = CLOSED
    upcoming = select(Slot.id).where(
        Slot.mission_id == mission_id,
        or_(Slot.date.is_(None), Slot.date >= clock.town_today(session, mission.town_id)),
    )
    users = list(
        session.scalars(
            select(User)
            .join(Application, Application.user_id == User.id)
            .where(Application.slot_id.in_(upcoming), Application.status.in_(LIVE))
        )
    )
    session.execute(
        update(Application)
        .where(Application.slot_id.in_(upcoming), Application.status.in_(LIVE))
        .values(status=CANCELLED, updated_at=utcnow())
    )
    session.execute(update(Slot).where(Slot.id.in_(upcoming)).values(taken=0))
    title, link = mission.title, f"{base_url}/p/volunteering/me"

    def write() -> tuple[str, str]:
        why = (
            _("Town staff suspended the association that offered it.")
            if suspended
            else _("The association closed it.")
        )
        return (
            _("Mission cancelled: %(title)s", title=title),
            _('The mission "%(title)s" is cancelled.', title=title) + " " + why + "\n\n" + link,
        )

    return notify.mail_users(app, session, mission.town_id, users, write)


# --- the public list ---------------------------------------------------------------------------


@dataclass
class Filters:
    cause: str = ""
    skill: str = ""
    area_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    remote: str = ""  # "", "yes" (remote only), "no" (on site only)
    places_left: bool = False
    page: int = 1
    association_id: int | None = None


@dataclass
class ListedMission:
    mission: Mission
    association_name: str
    area_name: str | None
    next_date: dt.date | None
    places_left: int

    @property
    def full(self) -> bool:
        return self.places_left <= 0


def upcoming_slot(today: dt.date) -> Any:
    """A slot still to come (recurring missions' undated slot always is)."""
    return or_(Slot.date.is_(None), Slot.date >= today)


def visible(town_id: int) -> Any:
    """Published missions of validated associations of the town."""
    return and_(
        Mission.town_id == town_id,
        Mission.status == PUBLISHED,
        Association.status == VALIDATED,
    )


def listed_columns(today: dt.date) -> tuple[Any, Any]:
    """Next date and places left of the outer query's mission, as correlated subqueries."""
    next_date = (
        select(func.min(Slot.date))
        .where(Slot.mission_id == Mission.id, Slot.date >= today)
        .scalar_subquery()
    )
    places_left = (
        select(func.coalesce(func.sum(Slot.places - Slot.taken), 0))
        .where(Slot.mission_id == Mission.id, upcoming_slot(today))
        .scalar_subquery()
    )
    return next_date, places_left


def search(session: Session, town_id: int, filters: Filters) -> tuple[list[ListedMission], int]:
    """One page of the public list and the number of missions matching the filters."""
    today = clock.town_today(session, town_id)
    conditions = [visible(town_id)]
    slot_conditions = [Slot.mission_id == Mission.id, upcoming_slot(today)]
    if filters.cause:
        conditions.append(Mission.cause == filters.cause)
    if filters.skill:
        conditions.append(
            exists().where(
                MissionSkill.mission_id == Mission.id, MissionSkill.skill == filters.skill
            )
        )
    if filters.area_id:
        conditions.append(Mission.area_id == filters.area_id)
    if filters.association_id:
        conditions.append(Mission.association_id == filters.association_id)
    if filters.remote == "yes":
        conditions.append(Mission.remote.is_(True))
    elif filters.remote == "no":
        conditions.append(Mission.remote.is_(False))
    # Recurring missions happen every week: any date range includes them.
    if filters.date_from:
        slot_conditions.append(or_(Slot.date.is_(None), Slot.date >= filters.date_from))
    if filters.date_to:
        slot_conditions.append(or_(Slot.date.is_(None), Slot.date <= filters.date_to))
    if filters.places_left:
        slot_conditions.append(Slot.taken < Slot.places)
    conditions.append(exists().where(*slot_conditions))
    where = and_(*conditions)
    total = (
        session.scalar(
            select(func.count())
            .select_from(Mission)
            .join(Association, Association.id == Mission.association_id)
            .where(where)
        )
        or 0
    )
    next_date, places_left = listed_columns(today)
    rows = session.execute(
        select(Mission, Association.name, Area.name, next_date, places_left)
        .join(Association, Association.id == Mission.association_id)
        .outerjoin(Area, Area.id == Mission.area_id)
        .where(where)
        .order_by(next_date.is_(None), next_date, Mission.id.desc())
        .limit(PAGE_SIZE)
        .offset((max(filters.page, 1) - 1) * PAGE_SIZE)
    )
    return [ListedMission(m, a, area, d, int(p or 0)) for m, a, area, d, p in rows], total
