"""``driver_rows``: a SELECT built once, run through the driver's cursor after a first run through
SQLAlchemy, on SQLite and PostgreSQL alike: the same rows as SQLAlchemy's way (its type
processing, its constant parameters, keys in one parameter), and SQLAlchemy's way while
statements are counted."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    func,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from parvis.api import in_keys
from parvis.driver import _CURSOR, _DRIVER, driver_rows
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


def test_statements_share_the_connection_s_cursor_and_a_failed_one_is_replaced(town):
    """One cursor kept with each pooled connection for every statement run through it (a new
    psycopg cursor a statement cost a third of a small statement's client work); the cursor of
    a statement that failed is closed and replaced, and the next statement runs as usual."""
    sqlite = town.parvis.db.engine.dialect.name == "sqlite"
    # A statement that fails for some values only, once learnt: SQLite's division by zero
    # gives NULL, its json() refuses what is not JSON.
    failing = select(func.json(bindparam("j", type_=String))) if sqlite else _RATIO
    good, bad = ({"j": "[1]"}, {"j": "{"}) if sqlite else ({"n": 3}, {"n": 0})
    with town.session() as session:
        for n in (1, 2, 3):  # learnt, then through the cursor
            assert [tuple(r) for r in driver_rows(session, _RATIO, {"n": n})] == [(12 // n,)]
        proxied = session.connection().connection
        kept = proxied.info[_CURSOR]
        driver_rows(session, failing, good)  # learnt
        assert driver_rows(session, failing, good)
        assert proxied.info[_CURSOR] is kept  # one cursor for both statements
        with pytest.raises(DBAPIError):
            driver_rows(session, failing, bad)
        assert _CURSOR not in proxied.info
        with pytest.raises(Exception, match=r"(?i)closed"):
            kept.execute("SELECT 1")  # closed: its statement ended
        session.rollback()  # PostgreSQL ended the transaction
        assert [tuple(r) for r in driver_rows(session, _RATIO, {"n": 4})] == [(3,)]
        assert session.connection().connection.info[_CURSOR] is not kept


_NUMBERS = Table("numbers", MetaData(), Column("n", Integer))
_ABOVE = select(_NUMBERS.c.n).where(_NUMBERS.c.n > bindparam("m"))
BUSY = 1.0  # seconds the reader waits for a lock; the test allows 1.6 (twice: 2 or more)


def _timed_lock_error(session: Session) -> float:
    started = time.monotonic()
    with pytest.raises(OperationalError, match=r"locked|lock timeout"):
        driver_rows(session, _ABOVE, {"m": 1})
    return time.monotonic() - started


def test_a_locked_sqlite_database_is_waited_for_once(tmp_path):
    """A "database is locked" through the cursor is raised (wrapped as SQLAlchemy wraps it), not
    run again SQLAlchemy's way, which waited the busy timeout a second time before the caller
    heard of it."""
    url = f"sqlite:///{tmp_path / 'locked.db'}"
    engine = create_engine(url, connect_args={"timeout": BUSY}, poolclass=NullPool)
    holder = sqlite3.connect(tmp_path / "locked.db", isolation_level=None)
    try:
        holder.execute("CREATE TABLE numbers (n INTEGER)")
        holder.execute("INSERT INTO numbers VALUES (1), (2), (3)")
        with Session(engine) as session:
            for m in (0, 1):  # learnt, then through the cursor
                assert [tuple(r) for r in driver_rows(session, _ABOVE, {"m": m})][-1] == (3,)
            session.rollback()
            # The rollback journal (not WAL): a writer's exclusive lock keeps readers out.
            holder.execute("BEGIN EXCLUSIVE")
            elapsed = _timed_lock_error(session)
            holder.execute("ROLLBACK")
        assert BUSY * 0.9 < elapsed < BUSY * 1.6
    finally:
        holder.close()
        engine.dispose()


@pytest.mark.postgres_only
def test_a_lock_timeout_outside_a_transaction_is_waited_for_once(town):
    """The same on PostgreSQL, reading outside a transaction (a reading view's unit of work):
    the lock timeout's error did not end a transaction, and was run again."""
    base = town.parvis.db.engine
    with base.begin() as connection:
        connection.execute(text("CREATE TABLE numbers (n INTEGER)"))
        connection.execute(text("INSERT INTO numbers VALUES (1), (2), (3)"))
    reader = create_engine(base.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with Session(reader) as session, base.connect() as holder:
            session.execute(text(f"SET lock_timeout = {int(BUSY * 1000)}"))
            for m in (0, 1):
                assert [tuple(r) for r in driver_rows(session, _ABOVE, {"m": m})][-1] == (3,)
            holder.execute(text("LOCK TABLE numbers IN ACCESS EXCLUSIVE MODE"))
            elapsed = _timed_lock_error(session)
            holder.rollback()
        assert BUSY * 0.9 < elapsed < BUSY * 1.6
    finally:
        reader.dispose()
        with base.begin() as connection:
            connection.execute(text("DROP TABLE numbers"))
