"""The town's clock: slots are written and reminded in local time (Europe/Paris)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from parvis.api import utcnow

TOWN_TZ = ZoneInfo("Europe/Paris")


def local_now() -> dt.datetime:
    return utcnow().astimezone(TOWN_TZ)


def today() -> dt.date:
    return local_now().date()


def part_of_day(start: dt.time) -> int:
    """0 morning (before noon), 1 afternoon (before 18:00), 2 evening."""
    return 0 if start.hour < 12 else 1 if start.hour < 18 else 2


def slot_hours(start: dt.time | None, end: dt.time | None) -> float:
    if start is None or end is None:
        return 0.0
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return round(max(minutes, 0) / 60, 1)
