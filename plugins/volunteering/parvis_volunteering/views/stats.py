"""Statistics for town staff, with accessible SVG charts, and their CSV export."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis.api import export_response, render, view

from .. import stats
from ..i18n import _
from .common import STAFF, context

TITLES = {
    "association": lambda: _("By association"),
    "cause": lambda: _("By cause"),
    "area": lambda: _("By neighbourhood"),
}
CHART_ROWS = 12


@view
def page(request: Request) -> Response:
    ctx = context(request)
    ctx.require(STAFF)
    tables = [(d, TITLES[d](), stats.table(ctx.session, ctx.town.id, d)) for d in stats.DIMENSIONS]
    return render(
        request,
        "volunteering/stats.html",
        {"tables": tables, "chart_rows": CHART_ROWS, "total": stats.totals(tables[0][2])},
    )


@view(export=True)
def export(request: Request) -> Response:
    ctx = context(request)
    ctx.require(STAFF)
    town_id = ctx.town.id
    labels = {d: stats.value_labels(ctx.session, town_id, d) for d in ("cause", "area")}
    return export_response(
        request,
        lambda session: stats.csv_chunks(session, town_id, labels),
        filename="volunteering-statistics.csv",
    )


routes = [
    Route("/staff/stats", page, name="stats"),
    Route("/staff/stats.csv", export, name="stats_csv"),
]
