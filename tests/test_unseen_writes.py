"""``parvis.api.write_unseen``: writes to tables no visitor sees (ballots), run past the ORM and,
on PostgreSQL, straight through the driver once a first run showed it sends the same values."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import bindparam, func, insert, select

from parvis.api import Town, write_unseen
from parvis.models import RateLimitHit
from parvis.unseen_writes import _DRIVER
from parvis.versions import set_town

HITS = RateLimitHit.__table__
# Module constants, as the helper wants them: one with every column given, one that leaves
# ``at`` to its Python-side default (SQLAlchemy adds a value the driver's way would not send).
HIT = insert(HITS).values(key=bindparam("key"), at=bindparam("at")).returning(HITS.c.id, HITS.c.at)
HIT_DEFAULT_AT = insert(HITS).values(key=bindparam("key")).returning(HITS.c.key)
TOWN_RENAMED = Town.__table__.update().values(name=bindparam("name"))
AT = dt.datetime(2026, 12, 2, 8, 30, tzinfo=dt.UTC)


def _keys(town, prefix: str) -> list[str]:
    with town.session() as session:
        query = select(RateLimitHit.key).where(RateLimitHit.key.startswith(prefix))
        return sorted(session.scalars(query))


def test_rows_come_back_and_commit_with_the_unit_of_work(town):
    postgres = town.parvis.db.dialect == "postgresql"
    for n in range(3):  # the first run teaches the driver's way, the next ones take it
        with town.session() as session:
            ((hit_id, at),) = write_unseen(session, HIT, {"key": f"uw-{n}", "at": AT})
            assert isinstance(hit_id, int) and at == AT and at.tzinfo is not None
    assert _keys(town, "uw-") == ["uw-0", "uw-1", "uw-2"]
    kept = _DRIVER.get(id(HIT), False)
    assert (kept is not False and kept is not None) == postgres


def test_a_failed_unit_of_work_takes_the_write_back(town):
    for _ in range(2):
        with pytest.raises(RuntimeError), town.session() as session:
            write_unseen(session, HIT, {"key": "uw-rolled-back", "at": AT})
            raise RuntimeError("after the write")
    assert _keys(town, "uw-rolled-back") == []


def test_a_python_side_default_keeps_sqlalchemys_way(town):
    for n in range(2):
        with town.session() as session:
            assert write_unseen(session, HIT_DEFAULT_AT, {"key": f"uw-default-{n}"}) == [
                (f"uw-default-{n}",)
            ]
    assert _keys(town, "uw-default-") == ["uw-default-0", "uw-default-1"]
    assert _DRIVER.get(id(HIT_DEFAULT_AT)) is None  # never through the driver
    with town.session() as session:
        at = session.scalar(
            select(func.max(RateLimitHit.at)).where(RateLimitHit.key == "uw-default-1")
        )
    assert at is not None  # the default was applied


def test_a_table_visitors_see_is_refused_before_anything_runs(town):
    with town.session() as session:
        with pytest.raises(TypeError, match="parvis_unseen"):
            write_unseen(session, TOWN_RENAMED, {"name": "Ailleurs"})
        assert session.get(Town, town.town_id).name != "Ailleurs"


def test_a_listener_on_statements_counts_them(town):
    for n in range(3):
        with town.parvis.db.count_queries() as counter, town.session() as session:
            write_unseen(session, HIT, {"key": f"uw-counted-{n}", "at": AT})
        assert sum("rate_limit_hits" in s for s in counter.statements) == 1


def _content_version(town) -> int:
    with town.session() as session:
        return session.get(Town, town.town_id).content_version


def test_the_content_version_moves_only_when_something_visible_is_written_too(town):
    """Alone, unseen writes bump nothing; with a visible change in the same unit of work
    (pending when the unseen write runs, or made after it), the commit bumps the version."""
    before = _content_version(town)
    for n in range(3):  # the SQLAlchemy way, then the driver's on PostgreSQL
        with town.session() as session:
            set_town(session, town.town_id)
            write_unseen(session, HIT, {"key": f"uw-alone-{n}", "at": AT})
    assert _content_version(town) == before
    for n, visible_first in enumerate((True, False, True, False)):
        with town.session() as session:
            set_town(session, town.town_id)
            town_row = session.get(Town, town.town_id)
            if visible_first:
                town_row.name = f"Mixed {n}"
            write_unseen(session, HIT, {"key": f"uw-mixed-{n}", "at": AT})
            if not visible_first:
                town_row.name = f"Mixed {n}"
        now = _content_version(town)
        assert now == before + 1, n
        before = now
    assert _keys(town, "uw-mixed-") == [f"uw-mixed-{n}" for n in range(4)]
