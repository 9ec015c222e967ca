"""Units of work on PostgreSQL keep their connection checked out for the next one
(``Database._take``/``_park``): nothing of one unit of work reaches the next, a connection the
server dropped while parked is replaced, and the pool keeps connections for other work."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select, text

from parvis import db as db_module
from parvis.models import Town


@pytest.fixture
def database(town):
    database = town.parvis.db
    if database.dialect == "sqlite":
        pytest.skip("SQLite units of work check out a connection each")
    return database


def _checkouts(database) -> list[object]:
    seen: list[object] = []
    event.listen(database.engine, "checkout", lambda *args: seen.append(args[0]))
    return seen


def test_the_next_unit_of_work_takes_the_parked_connection(database, town) -> None:
    with database.session() as session:
        first = session.connection().connection.dbapi_connection
    seen = _checkouts(database)
    with database.session(write=False) as session:
        assert session.scalar(select(Town.name).where(Town.id == town.town_id))
        assert session.connection().connection.dbapi_connection is first
    assert seen == []


def test_nothing_of_a_failed_unit_of_work_reaches_the_next(database, town) -> None:
    with pytest.raises(RuntimeError), database.session() as session:
        session.execute(text("UPDATE towns SET name = 'Lost' WHERE id = :id"), {"id": town.town_id})
        raise RuntimeError("the view failed")
    with database.session() as session:
        assert session.scalar(select(Town.name).where(Town.id == town.town_id)) != "Lost"
        assert session.scalar(text("SELECT count(*) FROM pg_stat_activity")) >= 1
    parked = database._parked
    assert parked and all(not c.in_transaction() for c, _since in parked)


def test_a_connection_dropped_while_parked_is_replaced(database, town, monkeypatch) -> None:
    with database.session() as session:
        pid = session.scalar(text("SELECT pg_backend_pid()"))
    with database.engine.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        other.commit()
    monkeypatch.setattr(db_module, "PING_AFTER_SECONDS", 0.0)
    with database.session() as session:
        assert session.scalar(text("SELECT pg_backend_pid()")) != pid
        assert session.scalar(select(Town.id).where(Town.id == town.town_id)) == town.town_id


def test_at_most_half_the_pool_is_parked(database) -> None:
    from contextlib import ExitStack

    with ExitStack() as stack:
        for _ in range(database._park_at_most + 3):
            stack.enter_context(database.session()).connection()
    assert len(database._parked) == database._park_at_most
    with database.engine.connect() as other:  # the pool still has connections for others
        assert other.scalar(text("SELECT 1")) == 1
