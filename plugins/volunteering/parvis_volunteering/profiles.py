"""The opt-in volunteer profile and the history built from managers' attendance records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from parvis.api import User

from .models import Application, Mission, Profile, ProfileCause, ProfileSkill, ProfileTime


@dataclass
class ProfileData:
    skills: list[str]
    causes: list[str]
    times: list[tuple[int, int]]
    area_id: int | None
    phone: str
    suggest: bool
    contactable: bool


def of(session: Session, user: User) -> Profile | None:
    return session.scalar(select(Profile).where(Profile.user_id == user.id))


def values(
    session: Session, profile: Profile
) -> tuple[list[str], list[str], list[tuple[int, int]]]:
    skills = list(
        session.scalars(select(ProfileSkill.skill).where(ProfileSkill.profile_id == profile.id))
    )
    causes = list(
        session.scalars(select(ProfileCause.cause).where(ProfileCause.profile_id == profile.id))
    )
    times = [
        (w, p)
        for w, p in session.execute(
            select(ProfileTime.weekday, ProfileTime.part)
            .where(ProfileTime.profile_id == profile.id)
            .order_by(ProfileTime.weekday, ProfileTime.part)
        )
    ]
    return skills, causes, times


def save(session: Session, town_id: int, user: User, data: ProfileData) -> Profile:
    profile = of(session, user)
    if profile is None:
        profile = Profile(town_id=town_id, user_id=user.id)
        session.add(profile)
    profile.area_id = data.area_id
    profile.phone = data.phone.strip()
    profile.suggest = data.suggest
    profile.contactable = data.contactable
    session.flush()
    for table in (ProfileSkill, ProfileCause, ProfileTime):
        session.execute(delete(table).where(table.profile_id == profile.id))
    session.add_all(
        ProfileSkill(profile_id=profile.id, skill=s) for s in dict.fromkeys(data.skills)
    )
    session.add_all(
        ProfileCause(profile_id=profile.id, cause=c) for c in dict.fromkeys(data.causes)
    )
    session.add_all(
        ProfileTime(profile_id=profile.id, weekday=w, part=p) for w, p in sorted(set(data.times))
    )
    session.flush()
    return profile


@dataclass
class History:
    hours: float
    missions: int
    rows: list[tuple[str, Any, float]]  # mission title, slot date, hours


def history(session: Session, user: User) -> History:
    """What the managers confirmed: the missions this volunteer came to and the hours given."""
    from .models import Slot

    rows = [
        (title, date, float(hours or 0))
        for title, date, hours in session.execute(
            select(Mission.title, Slot.date, Application.hours)
            .join(Mission, Mission.id == Application.mission_id)
            .join(Slot, Slot.id == Application.slot_id)
            .where(Application.user_id == user.id, Application.attended.is_(True))
            .order_by(Slot.date.desc())
        )
    ]
    missions = session.scalar(
        select(func.count(func.distinct(Application.mission_id))).where(
            Application.user_id == user.id, Application.attended.is_(True)
        )
    )
    return History(round(sum(h for _t, _d, h in rows), 1), int(missions or 0), rows)


def record_attendance(session: Session, slot_id: int, came: dict[int, float | None]) -> int:
    """Managers confirm who came to a slot: ``came`` maps application ids to hours given
    (None: did not come). Only accepted applications of the slot change; returns how many."""
    from .models import ACCEPTED

    changed = 0
    for application in session.scalars(
        select(Application).where(Application.slot_id == slot_id, Application.status == ACCEPTED)
    ):
        hours = came.get(application.id)
        application.attended = hours is not None
        application.hours = hours if hours is not None else None
        changed += 1
    return changed
