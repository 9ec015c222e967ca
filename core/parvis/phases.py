"""What residents read about a module's phases: the deadline line and the timeline.

Pure functions of a module's phases and dates (no database), so a card, a space page and a
module page all say the same thing, "Vote until 14 March (12 days left)".
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from babel import dates

from parvis.contrib import Phase
from parvis.i18n import date_locale, get_time_zone, ngettext
from parvis.i18n import gettext as _

# Fewer days left than this and the deadline is shown as urgent.
SOON_DAYS = 3


@dataclass(slots=True)
class Deadline:
    """Read-only by contract, not frozen: a frozen dataclass takes five times as long to build,
    and card lists build one per card."""

    text: str
    ends_at: dt.datetime
    days_left: int
    soon: bool


@dataclass(frozen=True)
class TimelineStep:
    key: str
    label: str
    dates: str
    state: str  # "done", "current" or "upcoming"


def short_date(value: dt.datetime, now: dt.datetime | None = None) -> str:
    """The day and month in the reader's language ("14 March"), with the year only when it is
    not this year's (English: day before month, see ``i18n.date_locale``)."""
    zone = ZoneInfo(get_time_zone())
    return _local_date(value.astimezone(zone), (now or dt.datetime.now(dt.UTC)).astimezone(zone))


def _local_date(local: dt.datetime, today: dt.datetime) -> str:
    # ``short_date`` of a time already on the town's clock, ``today`` too.
    return _day_month(local.date(), local.year != today.year, date_locale())


_ONE_MICROSECOND = dt.timedelta(microseconds=1)


@functools.lru_cache(maxsize=1024)
def _day_month(day: dt.date, with_year: bool, locale: str) -> str:
    # Card lists print a deadline per card; Babel's skeleton matching takes ~100 µs each.
    skeleton = "dMMMMy" if with_year else "dMMMM"
    return dates.format_skeleton(skeleton, day, locale=locale)


def last_day(ends_at: dt.datetime) -> dt.datetime:
    """The last instant of a phase ending at ``ends_at``: a phase ending at midnight ends on the
    day before ("until 14 March" for an end at 15 March, 00:00)."""
    return ends_at - _ONE_MICROSECOND


def phase_deadline(
    phase_label: str, ends_at: dt.datetime | None, now: dt.datetime | None = None
) -> Deadline | None:
    """The deadline line of a phase that ends at ``ends_at`` (None when undated or past)."""
    if ends_at is None:
        return None
    now = now or dt.datetime.now(dt.UTC)
    if ends_at <= now:
        return None
    # Each time put on the town's clock once (card lists write a deadline per card).
    zone = ZoneInfo(get_time_zone())
    last = last_day(ends_at).astimezone(zone)
    today = now.astimezone(zone)
    days = (last.date() - today.date()).days
    date = _local_date(last, today)
    # "Vote until 14 March", "Open until 14 March": reads well whatever the phase's name.
    if days <= 0:
        text = _("%(phase)s until %(date)s (last day)", phase=phase_label, date=date)
    else:
        text = ngettext(
            "%(phase)s until %(date)s (%(num)s day left)",
            "%(phase)s until %(date)s (%(num)s days left)",
            days,
            phase=phase_label,
            date=date,
        )
    return Deadline(text, ends_at, days, days < SOON_DAYS)


def phase_timeline(
    phases: Sequence[Phase],
    current: str,
    schedule: Mapping[str, tuple[dt.datetime | None, dt.datetime | None]] | None = None,
    now: dt.datetime | None = None,
) -> list[TimelineStep]:
    """Every phase in order, marked done, current or upcoming, with its dates when set."""
    keys = [p.key for p in phases]
    position = keys.index(current) if current in keys else -1
    schedule = schedule or {}
    steps = []
    for index, phase in enumerate(phases):
        start, end = schedule.get(phase.key, (None, None))
        if start and end:
            when = _(
                "%(start)s to %(end)s",
                start=short_date(start, now),
                end=short_date(last_day(end), now),
            )
        elif end:
            when = _("until %(date)s", date=short_date(last_day(end), now))
        elif start:
            when = _("from %(date)s", date=short_date(start, now))
        else:
            when = ""
        state = "done" if index < position else "current" if index == position else "upcoming"
        steps.append(TimelineStep(phase.key, str(phase.label), when, state))
    return steps
