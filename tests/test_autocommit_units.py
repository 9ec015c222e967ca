"""Units of work that read outside a transaction until they write (``Database.session(
autocommit=True)``, ``@view(autocommit=True)``, ``autocommit.py``): reads open no transaction,
a lone ``write_unseen`` commits on its own, every other write opens the transaction first, so a
failure after it loses all of it, and the connection is given its transactions back. Every
reading view's unit of work is one (``web._run_view``)."""

from __future__ import annotations

import datetime as dt
import types

import pytest
from psycopg import pq
from sqlalchemy import bindparam, func, insert, select, text, update
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from parvis.api import get_context, hookimpl, view, write_unseen
from parvis.csrf import CSRF_COOKIE, new_form_token
from parvis.models import RateLimitHit, Town

pytestmark = pytest.mark.postgres_only

_HIT = insert(RateLimitHit.__table__).values(key=bindparam("key"), at=bindparam("at"))
IDLE, INTRANS = pq.TransactionStatus.IDLE, pq.TransactionStatus.INTRANS


def _status(session) -> pq.TransactionStatus:
    return session.connection().connection.driver_connection.info.transaction_status


def _hits(database, key: str) -> int:
    with database.engine.connect() as other:  # another connection: sees only what committed
        return other.scalar(select(func.count()).where(RateLimitHit.key == key))


def _name(database, town_id: int) -> str:
    with database.engine.connect() as other:
        return other.scalar(select(Town.name).where(Town.id == town_id))


def test_reads_open_no_transaction_and_a_lone_unseen_write_commits_at_once(town) -> None:
    database = town.parvis.db
    with database.session(autocommit=True) as session:
        assert session.scalar(select(Town.name).where(Town.id == town.town_id))
        assert _status(session) == IDLE
        write_unseen(session, _HIT, {"key": "alone", "at": dt.datetime.now(dt.UTC)})
        assert _hits(database, "alone") == 1  # committed before the unit of work ends
    with database.session() as session:  # the connection, parked, is transactional again
        session.scalar(select(Town.id))
        assert _status(session) == INTRANS


def test_a_unit_of_work_without_autocommit_keeps_its_transaction(town) -> None:
    database = town.parvis.db
    with database.session() as session:
        session.scalar(select(Town.id))
        assert _status(session) == INTRANS
        write_unseen(session, _HIT, {"key": "held", "at": dt.datetime.now(dt.UTC)})
        assert _hits(database, "held") == 0


def test_an_orm_write_opens_the_transaction_and_fails_whole(town) -> None:
    database = town.parvis.db
    before = _name(database, town.town_id)
    with pytest.raises(RuntimeError), database.session(autocommit=True) as session:
        session.get(Town, town.town_id).name = "Lost"
        session.flush()
        assert _status(session) == INTRANS
        # After the first write, a write_unseen belongs to the transaction too.
        write_unseen(session, _HIT, {"key": "after", "at": dt.datetime.now(dt.UTC)})
        raise RuntimeError("the view failed")
    assert _name(database, town.town_id) == before
    assert _hits(database, "after") == 0


@pytest.mark.parametrize(
    "statement",
    [
        update(Town).where(Town.id == bindparam("town")).values(name="Lost"),
        text("UPDATE towns SET name = 'Lost' WHERE id = :town"),
    ],
    ids=["update", "text"],
)
def test_a_statement_that_writes_opens_the_transaction(town, statement) -> None:
    database = town.parvis.db
    before = _name(database, town.town_id)
    with pytest.raises(RuntimeError), database.session(autocommit=True) as session:
        session.execute(statement, {"town": town.town_id})
        raise RuntimeError("the view failed")
    assert _name(database, town.town_id) == before


def test_a_locking_read_keeps_its_lock_until_the_end(town) -> None:
    with town.parvis.db.session(autocommit=True) as session:
        session.scalar(select(Town.id).where(Town.id == town.town_id).with_for_update())
        assert _status(session) == INTRANS
        session.scalar(select(Town.name))  # still in it
        assert _status(session) == INTRANS


def test_a_change_left_unflushed_is_still_committed(town) -> None:
    """Nothing is skipped at the end when the ORM holds a change: the commit flushes it, in the
    transaction its flush opens."""
    database = town.parvis.db
    with database.session(autocommit=True) as session:
        session.get(Town, town.town_id).name = "Renamed at the end"
    assert _name(database, town.town_id) == "Renamed at the end"


def test_an_event_without_a_write_is_still_delivered(town) -> None:
    from parvis.api import Event, emit, hookimpl

    delivered: list[str] = []

    class Listener:
        @hookimpl
        def parvis_event(self, event, app) -> None:
            delivered.append(event.name)

    listener = Listener()
    town.parvis.pm.register(listener)
    try:
        with town.parvis.db.session(autocommit=True) as session:
            session.scalar(select(Town.id))
            emit(session, Event(name="test.read_only", town_id=town.town_id))
    finally:
        town.parvis.pm.unregister(listener)
    assert delivered == ["test.read_only"]


def test_a_select_whose_cte_writes_opens_the_transaction(town) -> None:
    """``INSERT ... RETURNING`` in a ``WITH`` is a write though the statement is a SELECT: run
    alone it would commit at once, and skip the content version's bump at the end."""
    database = town.parvis.db
    before = _name(database, town.town_id)
    renamed = (
        update(Town)
        .where(Town.id == bindparam("town"))
        .values(name="Lost")
        .returning(Town.id)
        .cte("renamed")
    )
    with pytest.raises(RuntimeError), database.session(autocommit=True) as session:
        session.execute(select(renamed.c.id), {"town": town.town_id})
        assert _status(session) == INTRANS
        raise RuntimeError("the view failed")
    assert _name(database, town.town_id) == before


def test_a_read_in_chunks_opens_the_transaction(town) -> None:
    """Rows read in chunks come from a server-side cursor, which lives in a transaction."""
    with town.parvis.db.session(autocommit=True) as session:
        chunked = select(Town.id).execution_options(yield_per=10)
        assert town.town_id in [row[0] for row in session.execute(chunked)]
        assert _status(session) == INTRANS


# --- Every reading view's unit of work (``web._run_view``) ------------------------------------

SEEN: list[pq.TransactionStatus] = []


@view
def _read(request):
    session = get_context(request).session
    session.scalar(select(Town.name))
    SEEN.append(_status(session))
    return PlainTextResponse("read")


@view
def _read_then_rename(request):
    ctx = get_context(request)
    ctx.session.get(Town, ctx.town.id).name = request.query_params["name"]
    ctx.session.flush()
    SEEN.append(_status(ctx.session))
    if request.query_params.get("fail"):
        raise RuntimeError("the view failed")
    return PlainTextResponse("renamed")


@view
def _write(request):
    session = get_context(request).session
    session.scalar(select(Town.name))
    SEEN.append(_status(session))
    return PlainTextResponse("written")


@hookimpl
def _routes() -> list[Route]:
    return [
        Route("/read", _read),
        Route("/rename", _read_then_rename),
        Route("/write", _write, methods=["POST"]),
    ]


@pytest.fixture
def views_town(make_town):
    plugin = types.ModuleType("parvis_units.plugin")
    plugin.__file__ = __file__
    plugin.parvis_routes = _routes  # type: ignore[attr-defined]
    SEEN.clear()
    return make_town(extra_plugins={"units": plugin})


def test_a_reading_view_reads_outside_a_transaction_a_writing_one_inside(views_town) -> None:
    with views_town.client() as client:
        assert client.get("/p/units/read").text == "read"
        token = new_form_token(views_town.parvis.config.secret_key)
        client.cookies.set(CSRF_COOKIE, token)
        assert client.post("/p/units/write", headers={"x-csrf-token": token}).text == "written"
    assert SEEN == [IDLE, INTRANS]


def test_a_reading_view_that_writes_commits_or_loses_it_whole(views_town) -> None:
    database = views_town.parvis.db
    with views_town.client() as client:
        assert client.get("/p/units/rename?name=Renamed").text == "renamed"
        assert _name(database, views_town.town_id) == "Renamed"
        with pytest.raises(RuntimeError):
            client.get("/p/units/rename?name=Lost&fail=1")
    assert SEEN == [INTRANS, INTRANS]  # its write opened the transaction
    assert _name(database, views_town.town_id) == "Renamed"
