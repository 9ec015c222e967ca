"""The town's clock: slots are written, listed and reminded on the town's local time (its
time zone setting, ``town_time_zone`` in parvis.api)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from parvis.api import Town, town_time_zone, utcnow


def town_zone(session: Session, town_id: int) -> ZoneInfo:
    """The town's time zone (the town row is usually in the session already: no query)."""
    town = session.get(Town, town_id)
    assert town is not None
    return town_time_zone(town)


def local_now(zone: ZoneInfo) -> dt.datetime:
    return utcnow().astimezone(zone)


def today(zone: ZoneInfo) -> dt.date:
    return local_now(zone).date()


def town_today(session: Session, town_id: int) -> dt.date:
    """Today in the town: slots of an earlier day are over."""
    return today(town_zone(session, town_id))


def part_of_day(start: dt.time) -> int:
    """0 morning (before noon), 1 afternoon (before 18:00), 2 evening."""
    return 0 if start.hour < 12 else 1 if start.hour < 18 else 2


def slot_hours(start: dt.time | None, end: dt.time | None) -> float:
    if start is None or end is None:
        return 0.0
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return round(max(minutes, 0) / 60, 1)
