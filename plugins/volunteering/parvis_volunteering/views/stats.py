"""Statistics for town staff, with accessible SVG charts, and their CSV export."""

from __future__ import annotations

import csv
import io

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis.api import render, view

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


def _cell(value: object) -> object:
    # A label starting with = + - @ would run as a formula in a spreadsheet.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@view
def export(request: Request) -> Response:
    ctx = context(request)
    ctx.require(STAFF)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "dimension",
            "label",
            "missions",
            "places",
            "applications",
            "accepted",
            "fill_rate",
            "hours_to_first_answer",
        ]
    )
    for dimension in stats.DIMENSIONS:
        for row in stats.table(ctx.session, ctx.town.id, dimension):
            writer.writerow(
                [
                    dimension,
                    _cell(row.label),
                    row.missions,
                    row.places,
                    row.applications,
                    row.accepted,
                    f"{row.fill_rate:.3f}",
                    "" if row.answer_hours is None else row.answer_hours,
                ]
            )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="volunteering-statistics.csv"'},
    )


routes = [
    Route("/staff/stats", page, name="stats"),
    Route("/staff/stats.csv", export, name="stats_csv"),
]
