"""The eligible electorate of each constituency, frozen when online voting closes.

Turnout is measured against it, so it must not move after the vote: a resident verified, moved
or deleted afterwards changes nothing. Verifications keep their history (a move or a new
verification ends the old row), so the electorate is counted *as of* the close, whenever the
count runs: live verifications at that moment, in the neighbourhood, old enough on election day.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import distinct, func, or_, select, update
from sqlalchemy.orm import Session

from parvis.api import Module, Town, Verification, town_time_zone, utcnow

from .config import ElectionConfig
from .models import Constituency
from .services import today


def birth_cutoff(day: dt.date, min_age: int) -> dt.date:
    """Born on or before this date = at least ``min_age`` on ``day`` (born 29 February: the
    birthday counts on 1 March in other years)."""
    try:
        return day.replace(year=day.year - min_age)
    except ValueError:  # 29 February of a leap election day, non-leap birth year
        return day.replace(year=day.year - min_age, day=28)


def electorate_at(
    session: Session, town_id: int, area_id: int, min_age: int, day: dt.date, at: dt.datetime
) -> int:
    """People with a verification live at ``at`` in the area, at least ``min_age`` on ``day``."""
    query = select(func.count(distinct(Verification.person_key))).where(
        Verification.town_id == town_id,
        Verification.area_id == area_id,
        Verification.verified_at <= at,
        or_(Verification.ended_at.is_(None), Verification.ended_at > at),
        or_(Verification.expires_at.is_(None), Verification.expires_at > at),
    )
    if min_age:
        query = query.where(Verification.birth_date <= birth_cutoff(day, min_age))
    return session.scalar(query) or 0


def voting_closed_at(config: ElectionConfig, town: Town, now: dt.datetime) -> dt.datetime:
    """When online voting closed: the end of its last day if that came first, else now (the
    moment the phase left voting)."""
    end = config.schedule(town_time_zone(town))["voting"][1]
    return min(end, now) if end is not None else now


def freeze(session: Session, module: Module, config: ElectionConfig, town: Town) -> int:
    """Count and keep the electorate of every constituency not frozen yet; returns how many."""
    at = voting_closed_at(config, town, utcnow())
    day = config.age_day(today(town))
    rows = session.execute(
        select(Constituency.id, Constituency.area_id).where(
            Constituency.module_id == module.id, Constituency.electorate.is_(None)
        )
    ).all()
    for cid, area_id in rows:
        session.execute(
            update(Constituency)
            .where(Constituency.id == cid)
            .values(
                electorate=electorate_at(session, town.id, area_id, config.min_age, day, at),
                electorate_at=at,
            )
        )
    return len(rows)


def thaw(session: Session, module: Module) -> None:
    """Voting reopened: the snapshot is taken again when it closes."""
    session.execute(
        update(Constituency)
        .where(Constituency.module_id == module.id)
        .values(electorate=None, electorate_at=None)
    )


def frozen(session: Session, module: Module) -> dict[int, tuple[int, dt.datetime]]:
    """Constituency id → (electorate, counted as of), for the frozen ones."""
    rows = session.execute(
        select(Constituency.id, Constituency.electorate, Constituency.electorate_at).where(
            Constituency.module_id == module.id, Constituency.electorate.is_not(None)
        )
    )
    return {cid: (count, at) for cid, count, at in rows}
