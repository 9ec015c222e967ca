"""Matching volunteers and missions, ranked in SQL.

A mission's score for a volunteer profile (the same formula both ways: « Missions for you » and
the managers' « volunteers who may fit »):

- 3 points per skill the mission wants and the volunteer has;
- 2 points when the mission's cause is one the volunteer cares about;
- 2 points when the mission happens at a time the volunteer is available (weekday x part of
  day, from the slots' dates and start times or the recurring schedule);
- 2 points when the mission is in the volunteer's neighbourhood, 1 point when it is remote.

A mission is suggested only when at least one skill, the cause or a time matches (never for
its place alone), and only when it is published, of a validated association, with
a place left on a slot to come, not already applied to, and open to the volunteer's age when
their birth date is known. Ties go to the soonest mission, then the newest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, and_, case, exists, func, literal, select
from sqlalchemy.orm import Session

from parvis.api import Area, User

from . import clock, missions
from .forms import PART_LABELS, WEEKDAYS
from .i18n import _, ngettext
from .models import (
    LIVE,
    Application,
    Association,
    Invitation,
    Mission,
    MissionSkill,
    MissionTime,
    Profile,
    ProfileCause,
    ProfileSkill,
    ProfileTime,
    Slot,
)

SKILL_POINTS, CAUSE_POINTS, TIME_POINTS, AREA_POINTS, REMOTE_POINTS = 3, 2, 2, 2, 1


@dataclass
class Match:
    skills: int
    cause: bool
    time_code: int | None  # weekday * 3 + part of the first common time
    same_area: bool
    remote: bool
    score: int

    def reason(self) -> str:
        """The reason in words: « 2 of your skills, Saturday morning, your neighbourhood »."""
        parts = []
        if self.skills:
            parts.append(ngettext("%(num)d of your skills", "%(num)d of your skills", self.skills))
        if self.cause:
            parts.append(_("a cause you care about"))
        if self.time_code is not None:
            parts.append(f"{WEEKDAYS[self.time_code // 3]} {PART_LABELS[self.time_code % 3]}")
        if self.same_area:
            parts.append(_("your neighbourhood"))
        elif self.remote:
            parts.append(_("from home"))
        return ", ".join(str(p) for p in parts)


def _score(skills: Any, cause: Any, time_code: Any, same_area: Any, remote: Any) -> tuple[Any, Any]:
    """The score, and the « interest » part (skills, cause, time) that must be above 0: a
    mission is never suggested for its place alone."""
    interest = (
        skills * SKILL_POINTS
        + cause * CAUSE_POINTS
        + case((time_code.is_not(None), TIME_POINTS), else_=0)
    )
    place = same_area * AREA_POINTS + case((same_area == 0, remote * REMOTE_POINTS), else_=0)
    return interest + place, interest


def _score_columns(profile_id: Any, profile_area: int | None) -> tuple[Any, ...]:
    """Correlated subqueries scoring the outer query's ``Mission`` against one profile."""
    skills = (
        select(func.count())
        .select_from(MissionSkill)
        .join(
            ProfileSkill,
            and_(ProfileSkill.skill == MissionSkill.skill, ProfileSkill.profile_id == profile_id),
        )
        .where(MissionSkill.mission_id == Mission.id)
        .scalar_subquery()
    )
    cause = case(
        (
            exists().where(
                ProfileCause.profile_id == profile_id, ProfileCause.cause == Mission.cause
            ),
            1,
        ),
        else_=0,
    )
    time_code = (
        select(func.min(MissionTime.weekday * 3 + MissionTime.part))
        .join(
            ProfileTime,
            and_(
                ProfileTime.profile_id == profile_id,
                ProfileTime.weekday == MissionTime.weekday,
                ProfileTime.part == MissionTime.part,
            ),
        )
        .where(MissionTime.mission_id == Mission.id)
        .scalar_subquery()
    )
    same_area = (
        case((Mission.area_id == profile_area, 1), else_=0)
        if profile_area is not None
        else literal(0, Integer)
    )
    remote = case((Mission.remote.is_(True), 1), else_=0)
    return (
        skills,
        cause,
        time_code,
        same_area,
        remote,
        *_score(skills, cause, time_code, same_area, remote),
    )


def _match(row: Any) -> Match:
    skills, cause, time_code, same_area, remote, score = row
    return Match(
        int(skills or 0), bool(cause), time_code, bool(same_area), bool(remote), int(score or 0)
    )


def years_ago(day: dt.date, years: int) -> dt.date:
    """The latest birth date of someone ``years`` old on ``day`` (29 February counts as
    28 February in other years)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return dt.date(day.year - years, 2, 28)


def missions_for(
    session: Session, profile: Profile, user: User, limit: int = 20
) -> list[tuple[missions.ListedMission, Match]]:
    """« Missions for you », best first, in one query."""
    today = clock.town_today(session, profile.town_id)
    columns = _score_columns(literal(profile.id, Integer), profile.area_id)
    score, interest = columns[-2], columns[-1]
    next_date, places_left = missions.listed_columns(today)
    applied = exists().where(
        Application.mission_id == Mission.id,
        Application.user_id == user.id,
        Application.status.in_(LIVE),
    )
    open_slot = exists().where(
        Slot.mission_id == Mission.id, missions.upcoming_slot(today), Slot.taken < Slot.places
    )
    query = (
        select(Mission, Association.name, Area.name, next_date, places_left, *columns[:-1])
        .join(Association, Association.id == Mission.association_id)
        .outerjoin(Area, Area.id == Mission.area_id)
        .where(missions.visible(profile.town_id), open_slot, ~applied, interest > 0)
        .order_by(score.desc(), next_date.is_(None), next_date, Mission.id.desc())
        .limit(limit)
    )
    if user.birth_date is not None:
        from .applications import age_on

        query = query.where(Mission.min_age <= age_on(user.birth_date, today))
    return [
        (missions.ListedMission(m, a, area, d, int(p or 0)), _match(rest))
        for m, a, area, d, p, *rest in session.execute(query)
    ]


@dataclass
class Candidate:
    profile: Profile
    name: str
    area_name: str | None
    match: Match
    invited: bool


def volunteers_for(session: Session, mission: Mission, limit: int = 20) -> list[Candidate]:
    """« Volunteers who may fit » a mission: opted-in profiles only, best first, in one query.
    Nothing here is a contact detail; those come when the volunteer answers."""
    # The same scoring, correlated the other way: the mission is fixed, profiles vary.
    skills = (
        select(func.count())
        .select_from(MissionSkill)
        .join(ProfileSkill, ProfileSkill.skill == MissionSkill.skill)
        .where(MissionSkill.mission_id == mission.id, ProfileSkill.profile_id == Profile.id)
        .scalar_subquery()
    )
    cause = case(
        (
            exists().where(
                ProfileCause.profile_id == Profile.id, ProfileCause.cause == mission.cause
            ),
            1,
        ),
        else_=0,
    )
    time_code = (
        select(func.min(MissionTime.weekday * 3 + MissionTime.part))
        .join(
            ProfileTime,
            and_(ProfileTime.weekday == MissionTime.weekday, ProfileTime.part == MissionTime.part),
        )
        .where(MissionTime.mission_id == mission.id, ProfileTime.profile_id == Profile.id)
        .scalar_subquery()
    )
    same_area = (
        case((Profile.area_id == mission.area_id, 1), else_=0)
        if mission.area_id is not None
        else literal(0, Integer)
    )
    remote = literal(1 if mission.remote else 0, Integer)
    score, interest = _score(skills, cause, time_code, same_area, remote)
    applied = exists().where(
        Application.mission_id == mission.id,
        Application.user_id == Profile.user_id,
        Application.status.in_(LIVE),
    )
    invited = exists().where(
        Invitation.mission_id == mission.id, Invitation.user_id == Profile.user_id
    )
    query = (
        select(
            Profile,
            User.display_name,
            Area.name,
            skills,
            cause,
            time_code,
            same_area,
            remote,
            score,
            invited,
        )
        .join(User, User.id == Profile.user_id)
        .outerjoin(Area, Area.id == Profile.area_id)
        .where(
            Profile.town_id == mission.town_id,
            Profile.contactable.is_(True),
            User.confirmed_at.is_not(None),
            ~applied,
            interest > 0,
        )
        .order_by(score.desc(), Profile.id)
        .limit(limit)
    )
    if mission.min_age:
        latest = years_ago(clock.town_today(session, mission.town_id), mission.min_age)
        query = query.where(User.birth_date.is_(None) | (User.birth_date <= latest))
    return [
        Candidate(p, name, area, _match(rest[:6]), bool(rest[6]))
        for p, name, area, *rest in session.execute(query)
    ]
