"""The statistics CSV (``/p/volunteering/staff/stats.csv``) streams: the server's memory does not
grow with the number of associations; staff only; the same lines, in the same order, as the
tables the statistics page shows."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import insert
from volunteering_helpers import association, mission, user

from parvis.api import using_locale, utcnow
from parvis.testing import asgi_get, signed_in
from parvis_volunteering import stats
from parvis_volunteering.models import VALIDATED, Application, Association

PATH = "/p/volunteering/staff/stats.csv"


def _associations(town: Any, start: int, count: int) -> None:
    with town.session() as session:
        session.execute(
            insert(Association),
            [
                {
                    "town_id": town.town_id,
                    "name": f"Association {n}",
                    "area_ids": [],
                    "causes": [],
                    "status": VALIDATED,
                    "created_at": utcnow(),
                }
                for n in range(start, start + count)
            ],
        )


def test_the_statistics_csv_streams_with_flat_memory(town):
    staff = signed_in(town, town.admin_email)
    _associations(town, 0, 2_000)
    asgi_get(town.app, PATH, staff, keep_body=False)  # the first request fills the caches
    small = asgi_get(town.app, PATH, staff, trace_memory=True)
    _associations(town, 2_000, 14_000)
    large = asgi_get(town.app, PATH, staff, trace_memory=True)
    assert small.status == large.status == 200
    assert large.headers["content-disposition"] == (
        'attachment; filename="volunteering-statistics.csv"'
    )
    assert large.size > 7.5 * small.size  # eight times the associations...
    assert large.peak_memory < 1.5 * small.peak_memory  # ...in about the same memory
    assert asgi_get(town.app, PATH, staff).body.count(b"\nassociation,") == 16_000


def _expected(town: Any) -> str:
    """The CSV as it was built in memory, from the page's tables."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(stats.CSV_HEADER)
    with town.session() as session, using_locale(town.parvis, "en"):
        for dimension in stats.DIMENSIONS:
            for row in stats.table(session, town.town_id, dimension):
                hours = "" if row.answer_hours is None else row.answer_hours
                counts = [row.missions, row.places, row.applications, row.accepted]
                writer.writerow([dimension, row.label, *counts, f"{row.fill_rate:.3f}", hours])
    return out.getvalue()


def test_the_statistics_csv_has_the_pages_lines_in_their_order(town):
    owner = user(town, "owner@example.org")
    volunteers = [user(town, f"v{n}@example.org") for n in range(3)]
    names = ["émile", "Émile", "Zoé", "amis", "Amis", "Ölmez", "œuvre", "Œuvre", "Bob"]
    ids = [association(town, owner, name=name) for name in names]
    for n, association_id in enumerate(ids[:4]):  # applications: 3, 2, 1, 0
        mission_id, slot_id = mission(town, association_id, places=3)
        placed = {"town_id": town.town_id, "mission_id": mission_id, "slot_id": slot_id}
        with town.session() as session:
            session.add_all(
                Application(**placed, user_id=vol, status="accepted") for vol in volunteers[: 3 - n]
            )
    assert asgi_get(town.app, PATH).status == 303  # log in first
    got = asgi_get(town.app, PATH, signed_in(town, town.admin_email))
    assert got.status == 200 and got.headers["content-type"] == "text/csv; charset=utf-8"
    assert got.body.decode() == _expected(town)
    labels = [line[1] for line in csv.reader(io.StringIO(got.body.decode()))][1:10]
    assert labels == ["émile", "Émile", "Zoé", "amis", "Amis", "Bob", "Ölmez", "œuvre", "Œuvre"]
