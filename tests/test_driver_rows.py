"""``driver_rows``: a SELECT built once, run through the driver's cursor after a first run through
SQLAlchemy, on SQLite and PostgreSQL alike: the same rows as SQLAlchemy's way (its type
processing, its constant parameters, keys in one parameter), and SQLAlchemy's way while
statements are counted."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from sqlalchemy import Integer, bindparam, create_engine, literal_column, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from parvis.api import in_keys
from parvis.driver import _DRIVER, driver_rows
from parvis.models import Module, PhaseDates
from parvis.schedule import set_phase_dates
from parvis.stored import stored_datetime, utc_datetime
from parvis.testing.spaces import make_space_with_module

_ROWS = (
    select(
        Module.id,
        Module.published,
        Module.title,
        PhaseDates.ends_at,
        stored_datetime(PhaseDates.ends_at),
    )
    .outerjoin(PhaseDates, PhaseDates.module_id == Module.id)
    .where(in_keys(Module.id, "ids"), Module.phase == "open", Module.type != bindparam("not"))
    .order_by(Module.id)
)


def test_the_driver_s_rows_are_sqlalchemy_s(town):
    built = [make_space_with_module(town, kind, phase="open") for kind in ("survey", "poll")]
    ids = [b.module_id for b in built]
    ends = dt.datetime(2031, 5, 4, 3, 2, 1, 123456, tzinfo=dt.UTC)
    with town.session() as session:
        set_phase_dates(session, session.get(Module, ids[0]), "open", ends_at=ends)
    with town.session() as session:
        expected = [tuple(r) for r in session.connection().execute(_ROWS, {"ids": ids, "not": ""})]
        assert [r[1:4] for r in expected] == [
            (True, expected[0][2], ends),
            (True, expected[1][2], None),
        ]
        for _ in range(3):  # the first run learns, the next ones go through the cursor
            rows = driver_rows(session, _ROWS, {"ids": ids, "not": ""})
            assert [tuple(r) for r in rows] == expected
            assert [utc_datetime(r[4]) for r in rows] == [ends, None]
        assert _DRIVER[id(_ROWS)] is not None  # learnt: the cursor's way from the second run
        assert [tuple(r) for r in driver_rows(session, _ROWS, {"ids": ids, "not": "poll"})] == [
            expected[0]
        ]
        assert driver_rows(session, _ROWS, {"ids": [], "not": ""}) == []


def test_counted_statements_take_sqlalchemy_s_way(town):
    module_id = make_space_with_module(town, "survey", phase="open").module_id
    with town.session() as session:
        for _ in range(2):
            driver_rows(session, _ROWS, {"ids": [module_id], "not": ""})
        with town.parvis.db.count_queries() as counter:
            rows = driver_rows(session, _ROWS, {"ids": [module_id], "not": ""})
        assert [r[0] for r in rows] == [module_id]
        assert counter.count == 1


def test_driver_rows_refuses_a_write(town):
    with town.session() as session, pytest.raises(TypeError):
        driver_rows(session, update(Module).values(title="x"), {})


_RENDERED = select(Module.id).where(
    Module.id == bindparam("id", literal_execute=True), Module.phase == bindparam("phase")
)


def test_a_parameter_written_into_the_sql_is_never_kept_from_the_first_run(town):
    """A bound value SQLAlchemy renders into the SQL at each execution (``literal_execute``)
    is not a slot of the driver's parameters: the first run's SQL would keep its value (the
    second call's rows were the first call's on PostgreSQL). Such statements, and any whose
    given parameter has no place in what the first run sent, take SQLAlchemy's way."""
    ids = [make_space_with_module(town, "survey", phase="open").module_id for _ in range(2)]
    with town.session() as session:
        for module_id in (*ids, *ids):
            rows = driver_rows(session, _RENDERED, {"id": module_id, "phase": "open"})
            assert [r[0] for r in rows] == [module_id]


_ADD_ONE = select(bindparam("n", type_=Integer) + 1)


@pytest.mark.skipif(
    not os.environ.get("PARVIS_TEST_DATABASE_URL"), reason="needs a PostgreSQL server too"
)
def test_a_statement_learnt_on_one_database_runs_right_on_another(caplog):
    """Two apps of one process on SQLite and PostgreSQL: the SQL and parameters learnt on one
    are not sent to the other's driver (every call failed there, was logged, and ran again)."""
    for url in ("sqlite://", os.environ["PARVIS_TEST_DATABASE_URL"]):
        engine = create_engine(url)
        try:
            with Session(engine) as session:
                for n in (1, 2, 3):
                    assert [tuple(r) for r in driver_rows(session, _ADD_ONE, {"n": n})] == [
                        (n + 1,)
                    ]
        finally:
            engine.dispose()
    assert "driver's cursor failed" not in caplog.text


_RATIO = select(literal_column("12") / bindparam("n", type_=Integer))


@pytest.mark.postgres_only
def test_an_error_on_the_cursor_in_a_transaction_is_the_one_raised(town):
    """On PostgreSQL an error through the cursor ends the transaction: run again SQLAlchemy's
    way, the statement could only fail with "current transaction is aborted", which named the
    wrong cause. The driver's error is raised, as SQLAlchemy raises it."""
    with town.session() as session:
        for n in (1, 2):  # learnt, then through the cursor
            assert [tuple(r) for r in driver_rows(session, _RATIO, {"n": n})] == [(12 // n,)]
    with pytest.raises(DBAPIError, match="division by zero"), town.session() as session:
        session.connection().execute(select(1))  # a unit of work's transaction
        driver_rows(session, _RATIO, {"n": 0})
