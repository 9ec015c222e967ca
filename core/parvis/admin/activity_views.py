"""Administration: the staff dashboard's activity figures (accounts, participations per module
per week). Town staff only: the figures cover the whole town, so a space-only administrator is
refused (403) rather than shown a partial town."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select
from starlette.requests import Request
from starlette.responses import Response

from parvis.activity import WEEKS, local_midnight, module_activity, recent_weeks
from parvis.admin.guards import town_admin
from parvis.context import Context
from parvis.db import utcnow
from parvis.i18n import format_date
from parvis.models import Module, Space, User, Verification
from parvis.rendering import render
from parvis.verification.records import live_condition
from parvis.web import view

# The chart's drawing box (SVG units); the page scales it to its width, never below 1:1 at 375 px.
WIDTH, TOP, BASELINE = 320, 22, 118
SLOT = (WIDTH - 16) / WEEKS


@dataclass(frozen=True)
class Bar:
    week: str
    count: int
    x: float
    y: float
    height: float


@dataclass(frozen=True)
class ModuleChart:
    module_id: int
    title: str
    space: str
    kind: str
    total: int
    peak: int
    bars: list[Bar]


def account_figures(ctx: Context, now: dt.datetime) -> dict[str, int]:
    """Accounts of the town: two queries whatever the size of the town."""
    users = User.town_id == ctx.town.id
    row = ctx.session.execute(
        select(
            func.count(),
            func.count(User.confirmed_at),
            func.coalesce(func.sum(case((User.created_at >= now - dt.timedelta(days=7), 1))), 0),
            func.coalesce(func.sum(case((User.created_at >= now - dt.timedelta(days=30), 1))), 0),
        ).where(users)
    ).one()
    verified = ctx.session.scalar(
        select(func.count(func.distinct(Verification.user_id))).where(
            Verification.town_id == ctx.town.id,
            Verification.user_id.is_not(None),
            live_condition(now),
        )
    )
    total, confirmed, week, month = row
    return {
        "total": total,
        "confirmed": confirmed,
        "verified": verified or 0,
        "new_7": int(week),
        "new_30": int(month),
    }


def _chart(
    module: Module, space: str, kind: str, weeks: list[dt.date], counts: dict
) -> ModuleChart:
    values = [counts.get(w, 0) for w in weeks]
    peak = max(values)
    bars = []
    for n, (week, count) in enumerate(zip(weeks, values, strict=True)):
        height = (BASELINE - TOP) * count / peak if peak else 0
        bars.append(
            Bar(
                week=format_date(week, "d MMM"),
                count=count,
                x=round(8 + n * SLOT + 3, 1),
                y=round(BASELINE - height, 1),
                height=round(height, 1),
            )
        )
    return ModuleChart(module.id, module.title, space, kind, sum(values), peak, bars)


@view
def activity(request: Request) -> Response:
    ctx = town_admin(request)
    now = utcnow()
    weeks = recent_weeks(ctx.time_zone, now)
    types = ctx.parvis.registry.module_types
    rows = ctx.session.execute(
        select(Module, Space.title)
        .join(Space, Space.id == Module.space_id)
        .where(Space.town_id == ctx.town.id)
        .order_by(Space.title, Module.position, Module.id)
    ).all()
    counted = [
        (m, title) for m, title in rows if m.type in types and types[m.type].activity is not None
    ]
    figures = module_activity(
        ctx, [m for m, _t in counted], local_midnight(weeks[0], ctx.time_zone)
    )
    charts = [
        _chart(m, title, str(types[m.type].label), weeks, dict(figures.get(m.id, {})))
        for m, title in counted
    ]
    return render(
        request,
        "admin/activity.html",
        {
            "accounts": account_figures(ctx, now),
            "charts": charts,
            "weeks": WEEKS,
            "first_week": weeks[0],
            "chart": {"width": WIDTH, "top": TOP, "baseline": BASELINE, "bar": round(SLOT - 6, 1)},
        },
    )
