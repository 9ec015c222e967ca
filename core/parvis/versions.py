"""Each town's content version: a counter in the ``towns`` row that every write bumps at commit.

ETags, the page cache and the per-process caches (``caches.py``) are keyed on it, and since it
lives in the database, every process and every worker agrees on what is current. A unit of work
that wrote anything (ORM flush or ``insert``/``update``/``delete`` statement) bumps its town's
``content_version`` in the same transaction, just before the commit; a write to what every
request reads (the town, its hosts, its permission rules, its neighbourhoods) also bumps
``setup_version``. Work
outside a request (commands, the mail worker) knows no town and bumps every town.

A few core tables change nothing a visitor sees (log-in sessions, rate limits, the outbox, jobs, the
audit log): writing only to them bumps nothing, so logging in does not empty every cache. A
plugin marks such a table with ``info={"parvis_unseen": True}`` in its ``__table_args__`` (an
election's ballots: a bump per ballot would also make every vote update the one town row).
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import bindparam, event, select, update
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql import TextClause

from parvis.autocommit import writing_ctes
from parvis.models import Town

TOWN_KEY = "parvis_town_id"
_WRITTEN = "parvis_written_tables"
_PRELOADED = "parvis_preloaded_rows"
# Set when this unit of work committed a bump (kept to its end, across transactions).
_BUMPED = "parvis_bumped"
UNSEEN_TABLES = frozenset({"login_sessions", "rate_limit_hits", "outbox", "jobs", "audit_log"})
SETUP_TABLES = frozenset({"towns", "town_hosts", "permission_rules", "areas"})
ANY_TABLE = "*"
# ``Table.info`` key of a plugin table whose writes change nothing a visitor sees.
UNSEEN_INFO = "parvis_unseen"


def set_town(session: Session, town_id: int) -> None:
    """The town whose version this unit of work bumps (the request's)."""
    session.info[TOWN_KEY] = town_id


def preload(session: Session, table: str, key: Any, value: Any) -> None:
    """Keep ``value``, a row of ``table`` read with an earlier statement of this unit of work
    (the request's user's verification, read with the user), until the unit of work writes
    to ``table``: ``preloaded`` then answers it without a query."""
    session.info.setdefault(_PRELOADED, {})[(table, key)] = value


def preloaded(session: Session, table: str, key: Any) -> tuple[bool, Any]:
    """(found, value) for what ``preload`` kept, if nothing wrote to ``table`` since."""
    kept = session.info.get(_PRELOADED)
    if not kept or (table, key) not in kept:
        return False, None
    value = kept[(table, key)]
    state = getattr(value, "_sa_instance_state", None)
    if state is not None and (state.modified or state.deleted):
        return False, None  # changed in memory, not flushed yet: read it again
    return True, value


def wrote(session: Session) -> bool:
    """Whether this unit of work has written (even if committed since: its town still holds
    the version before that commit), or holds changes not flushed yet."""
    info = session.info
    # ``_is_clean``: what ``flush`` asks, no ``new``/``dirty``/``deleted`` (without building
    # those three sets: memos ask this several times per request).
    return bool(info.get(_WRITTEN) or info.get(_BUMPED) or not session._is_clean())


def _written(session: Session) -> set[str]:
    return session.info.setdefault(_WRITTEN, set())  # type: ignore[no-any-return]


def _note(session: Session, table: str) -> None:
    _written(session).add(table)
    kept = session.info.get(_PRELOADED)
    if kept:
        for key in [k for k in kept if table in (k[0], ANY_TABLE)]:
            del kept[key]


def _note_flush(session: Session, _context: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        table = getattr(type(obj), "__tablename__", None)
        name = table if isinstance(table, str) else ANY_TABLE
        if getattr(getattr(type(obj), "__table__", None), "info", {}).get(UNSEEN_INFO):
            continue
        _note(session, name)


def _note_statement(state: ORMExecuteState) -> None:
    statement = state.statement
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(statement, "table", None)
        if getattr(table, "info", {}).get(UNSEEN_INFO):
            return
        name = getattr(table, "name", None)
        _note(state.session, name if isinstance(name, str) else ANY_TABLE)
    elif isinstance(statement, TextClause) and not statement.text.lstrip().upper().startswith(
        ("SELECT", "WITH", "PRAGMA")
    ):
        _note(state.session, ANY_TABLE)
    else:
        for element in writing_ctes(statement):
            table = getattr(element, "table", None)
            if not getattr(table, "info", {}).get(UNSEEN_INFO):
                name = getattr(table, "name", None)
                _note(state.session, name if isinstance(name, str) else ANY_TABLE)


def _bump(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the unit of work goes on
    session.flush()
    tables = session.info.pop(_WRITTEN, None)
    if not tables or tables <= UNSEEN_TABLES:
        return
    setup = bool(ANY_TABLE in tables or tables & SETUP_TABLES)
    town_id = session.info.get(TOWN_KEY)
    # Through the connection: not a write ``_note_statement`` should see.
    session.connection().execute(_bump_statement(setup, town_id is None), {"town": town_id})
    session.info[_BUMPED] = True


@functools.cache
def _bump_statement(setup: bool, every_town: bool) -> Any:
    """The version bump, built once per kind (every ballot runs one)."""
    towns = Town.__table__
    values: dict[str, Any] = {"content_version": towns.c.content_version + 1}
    if setup:
        values["setup_version"] = towns.c.setup_version + 1
    statement = update(towns).values(**values)
    if not every_town:
        return statement.where(towns.c.id == bindparam("town"))
    # Every town, their rows locked in one order: two such commits never deadlock.
    ordered = select(towns.c.id).order_by(towns.c.id).with_for_update(key_share=True)
    return statement.where(towns.c.id.in_(ordered.scalar_subquery()))


def _forget(session: Session, transaction: Any) -> None:
    # Only when the whole unit of work ends: a savepoint rolled back keeps what came before.
    if transaction.parent is None:
        session.info.pop(_WRITTEN, None)
        session.info.pop(_PRELOADED, None)


def install(sessionmaker: Any) -> None:
    """Wire a session factory so that its writes bump the content version at commit."""
    event.listen(sessionmaker, "after_flush", _note_flush)
    event.listen(sessionmaker, "do_orm_execute", _note_statement)
    event.listen(sessionmaker, "before_commit", _bump)
    event.listen(sessionmaker, "after_transaction_end", _forget)
