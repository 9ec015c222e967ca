"""Participations per module per week, for the staff dashboard.

A module type reports its own figures (``ModuleType.activity``), all its modules at once, usually
with ``count_by_week``: one ``GROUP BY`` on the module and the UTC hour, folded here into the
town's weeks (Monday to Sunday on its clock), so daylight saving and the week boundary are right
on SQLite and PostgreSQL alike without time-zone functions in SQL. Counts only, never who.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.types import String

if TYPE_CHECKING:
    from parvis.context import Context

WEEKS = 12

ActivityFn = Callable[[Any, Sequence[Any], dt.datetime], Mapping[int, Mapping[dt.date, int]]]


class _utc_hour(ColumnElement[str]):
    """A timestamp cut to its UTC hour, as text ("2026-11-30 09")."""

    inherit_cache = True
    type = String()

    def __init__(self, column: Any) -> None:
        self.column = column


@compiles(_utc_hour)
def _utc_hour_default(element: _utc_hour, compiler: Any, **kw: Any) -> str:
    # Literal formats (not bound parameters): PostgreSQL must see the grouped expression and the
    # selected one as the same text.
    return f"strftime('%Y-%m-%d %H', {compiler.process(element.column, **kw)})"


@compiles(_utc_hour, "postgresql")
def _utc_hour_postgresql(element: _utc_hour, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.column, **kw)
    return f"to_char(timezone('UTC', {column}), 'YYYY-MM-DD HH24')"


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def recent_weeks(tz: ZoneInfo, now: dt.datetime, weeks: int = WEEKS) -> list[dt.date]:
    """The Mondays of the last ``weeks`` weeks on the town's clock, oldest first, this one last."""
    this_week = week_start(now.astimezone(tz).date())
    return [this_week - dt.timedelta(weeks=n) for n in range(weeks - 1, -1, -1)]


def local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """Midnight starting ``day`` on the town's clock, as the aware instant."""
    return dt.datetime.combine(day, dt.time(), tzinfo=tz)


def count_by_week(
    session: Any,
    column: Any,
    time_column: Any,
    keys: Sequence[Any],
    since: dt.datetime,
    *where: Any,
) -> dict[Any, dict[dt.date, int]]:
    """How many rows share each of ``keys`` in ``column``, per week on the clock of ``since``
    (an aware datetime, usually a Monday's midnight in the town's time zone), from ``since`` on;
    one ``GROUP BY`` query on the module and the UTC hour, folded into weeks here."""
    if not keys:
        return {}
    tz = since.tzinfo
    assert tz is not None, "since must be time-zone aware"
    hour = _utc_hour(time_column)
    rows = session.execute(
        select(column, hour, func.count())
        .where(column.in_(list(keys)), time_column >= since, *where)
        .group_by(column, hour)
    )
    found: dict[Any, dict[dt.date, int]] = {}
    for key, stamp, count in rows.all():
        instant = dt.datetime.strptime(stamp, "%Y-%m-%d %H").replace(tzinfo=dt.UTC)
        week = week_start(instant.astimezone(tz).date())
        weeks = found.setdefault(key, {})
        weeks[week] = weeks.get(week, 0) + count
    return found


def module_activity(
    ctx: Context, modules: Sequence[Any], since: dt.datetime
) -> dict[int, Mapping[dt.date, int]]:
    """Each module's participations per week, one call per ``activity`` function for all its
    modules (types sharing one function, like surveys and polls, share the call)."""
    types = ctx.parvis.registry.module_types
    by_function: dict[ActivityFn, list[Any]] = {}
    for module in modules:
        mtype = types.get(module.type)
        if mtype is not None and mtype.activity is not None:
            by_function.setdefault(mtype.activity, []).append(module)
    found: dict[int, Mapping[dt.date, int]] = {}
    for activity, group in by_function.items():
        found.update(activity(ctx, group, since))
    return found
