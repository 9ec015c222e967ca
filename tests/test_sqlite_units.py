"""Units of work on a SQLite file (``db.py``, ``autocommit.py``): a reading one reads outside a
transaction (no ``BEGIN``, no ``COMMIT``) until its first write, which opens the transaction
(so a failure after it loses all of it); a writing one holds the write lock from its start;
connections are parked between units of work, and what one unit of work set on its connection
(how it begins) never reaches the next; a learned ``driver_rows`` read leaves the session's
transaction unbegun (both databases). PostgreSQL's own: ``test_autocommit_units.py``,
``test_db_parking.py``."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import bindparam, column, event, func, select, table, text

from parvis.db import PING_AFTER_SECONDS, Database
from parvis.driver import driver_rows
from parvis.models import Town

_NAME = select(Town.name).where(Town.id == bindparam("id"))


@pytest.fixture
def database(town):
    database = town.parvis.db
    if database.dialect != "sqlite":
        pytest.skip("SQLite's units of work")
    return database


def _in_transaction(session) -> bool:
    return session.connection().connection.driver_connection.in_transaction


def _name(database, town_id: int) -> str:
    with database.engine.connect() as other:  # another connection: sees only what committed
        return other.scalar(select(Town.name).where(Town.id == town_id))


def test_a_reading_unit_of_work_reads_outside_a_transaction(database, town) -> None:
    with database.count_queries() as counter, database.session(write=False, autocommit=True) as s:
        assert s.scalar(select(Town.name).where(Town.id == town.town_id)) == "Testville"
        assert not _in_transaction(s)
    assert counter.count == 1  # no BEGIN


def test_its_first_write_opens_the_transaction_and_commits_whole(database, town) -> None:
    with database.session(write=False, autocommit=True) as session:
        session.get(Town, town.town_id).name = "Renamed"
        session.flush()
        assert _in_transaction(session)
        assert _name(database, town.town_id) == "Testville"  # not committed yet
    assert _name(database, town.town_id) == "Renamed"
    with pytest.raises(RuntimeError), database.session(write=False, autocommit=True) as session:
        session.get(Town, town.town_id).name = "Lost"
        session.flush()
        session.execute(text("UPDATE towns SET slug = 'lost' WHERE id = :id"), {"id": 0})
        raise RuntimeError("the view failed")
    assert _name(database, town.town_id) == "Renamed"


def test_a_writing_unit_of_work_holds_the_write_lock_from_its_start(database, town) -> None:
    sent: list[str] = []
    event.listen(database.engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
    with database.session(write=False, autocommit=True) as session:
        session.scalar(select(func.count()).select_from(Town))
    with database.session(write=True, autocommit=True) as session:  # same parked connection
        session.scalar(select(func.count()).select_from(Town))
        assert _in_transaction(session)
    with database.session(write=False) as session:  # no autocommit: a transaction, deferred
        session.scalar(select(func.count()).select_from(Town))
        assert _in_transaction(session)
    with database.session(write=False, autocommit=True) as session:
        session.scalar(select(func.count()).select_from(Town))
        assert not _in_transaction(session)
    assert [s for s in sent if s.startswith("BEGIN")] == ["BEGIN IMMEDIATE", "BEGIN"]


def test_units_of_work_take_the_parked_connection(database, town) -> None:
    with database.session() as session:
        first = session.connection().connection.dbapi_connection
    seen: list[object] = []
    event.listen(database.engine, "checkout", lambda *args: seen.append(args[0]))
    with database.session(write=False, autocommit=True) as session:
        assert session.scalar(select(Town.name).where(Town.id == town.town_id))
        assert session.connection().connection.dbapi_connection is first
    assert seen == []
    parked = database._parked
    assert parked and not any(c.in_transaction() for c, _since in parked)
    assert not any(c.connection.driver_connection.in_transaction for c, _since in parked)


def test_a_reading_page_sends_no_begin(database, town) -> None:
    with town.client() as client, database.count_queries() as counter:
        assert client.get("/accessibility").status_code == 200
    assert not [s for s in counter.statements if s.startswith("BEGIN")]


def test_a_learned_read_leaves_a_reading_unit_of_work_unbegun(town) -> None:
    """``driver_rows`` of a statement already learned, in a reading unit of work that has not
    used its connection: through the parked connection's driver, the session's transaction
    never begun (either database); a write after it still opens it and commits."""
    database = town.parvis.db
    with database.session(write=False, autocommit=True) as session:
        assert [tuple(r) for r in driver_rows(session, _NAME, {"id": town.town_id})] == [
            ("Testville",)
        ]
    with database.session(write=False, autocommit=True) as session:
        assert [tuple(r) for r in driver_rows(session, _NAME, {"id": town.town_id})] == [
            ("Testville",)
        ]
        assert not session.in_transaction()
        session.get(Town, town.town_id).name = "After"
    assert _name(database, town.town_id) == "After"


@pytest.mark.parametrize("ending", ["commit", "rollback"])
def test_writes_after_a_commit_or_rollback_in_the_unit_of_work_stay_one_transaction(
    town, ending
) -> None:
    """After the unit of work's own commit (or rollback), its next writes are again one
    transaction: a failure loses them all (either database), instead of each write having
    committed on its own (SQLite)."""
    database = town.parvis.db
    rename = text("UPDATE towns SET name = :name WHERE id = :id")
    with pytest.raises(RuntimeError), database.session(write=False, autocommit=True) as session:
        session.execute(rename, {"name": "First", "id": town.town_id})
        getattr(session, ending)()
        session.execute(rename, {"name": "Second", "id": town.town_id})
        raise RuntimeError("the view failed")
    assert _name(database, town.town_id) == ("First" if ending == "commit" else "Testville")
    with database.session(write=False, autocommit=True) as session:  # the parked connection
        assert session.scalar(select(Town.name).where(Town.id == town.town_id))
        if database.dialect == "sqlite":
            assert not _in_transaction(session)  # its reads outside a transaction again


def test_a_savepoint_first_keeps_the_unit_of_work_one_transaction(town) -> None:
    """``begin_nested`` before any write in a reading unit of work: the savepoint's release
    commits nothing on its own (SQLite's outermost ``RELEASE`` would), and PostgreSQL does not
    refuse it; a failure after it loses all of it."""
    database = town.parvis.db
    with pytest.raises(RuntimeError), database.session(write=False, autocommit=True) as session:
        assert session.scalar(select(Town.name).where(Town.id == town.town_id)) == "Testville"
        with session.begin_nested():
            session.get(Town, town.town_id).name = "Saved"
        assert _name(database, town.town_id) == "Testville"  # not committed yet
        raise RuntimeError("the view failed")
    assert _name(database, town.town_id) == "Testville"
    with database.session(write=False, autocommit=True) as session, session.begin_nested():
        session.get(Town, town.town_id).name = "Saved"
    assert _name(database, town.town_id) == "Saved"


def test_a_failed_unit_of_work_leaves_no_old_snapshot_to_the_next(database, town) -> None:
    """A view that fails while reading rows (the traceback still holds them when its unit of
    work ends) does not hand its connection on pinned to what it read: the next unit of work
    sees what another process committed since (a content version, a phase)."""
    other = Database(database.url)  # another process on the same file
    try:

        def failing_view(session) -> None:
            rows = session.execute(select(column("name")).select_from(table("sqlite_master")))
            rows.fetchone()
            raise RuntimeError("the view failed")

        # pytest.raises keeps the traceback (with the rows), as a logger or an error page may.
        with (
            pytest.raises(RuntimeError) as failure,
            database.session(write=False, autocommit=True) as session,
        ):
            failing_view(session)
        with other.session() as session:
            session.get(Town, town.town_id).name = "Written elsewhere"
        with database.session(write=False, autocommit=True) as session:
            assert session.scalar(select(Town.name).where(Town.id == town.town_id)) == (
                "Written elsewhere"
            )
        with database.session(write=False, autocommit=True) as session:  # and can write
            session.get(Town, town.town_id).name = "Then here"
        assert _name(database, town.town_id) == "Then here"
        assert failure.value is not None
    finally:
        other.dispose()


def test_a_connection_parked_a_while_is_taken_again(database, town, monkeypatch) -> None:
    """A SQLite file's parked connection is not replaced after sitting idle (the idle test is
    PostgreSQL's): a quiet site's next request reuses it, with its settings."""
    with database.session(write=False, autocommit=True) as session:
        first = session.connection().connection.dbapi_connection
    later = time.monotonic() + PING_AFTER_SECONDS + 1
    monkeypatch.setattr(time, "monotonic", lambda: later)
    with database.session(write=False, autocommit=True) as session:
        assert session.connection().connection.dbapi_connection is first
        assert session.scalar(select(Town.name).where(Town.id == town.town_id)) == "Testville"
