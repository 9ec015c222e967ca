"""``driver_rows``: the rows of a SELECT built once, straight through the driver's cursor."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from parvis.autocommit import AUTOCOMMIT_KEY

logger = logging.getLogger(__name__)

# Statements ``driver_rows`` runs through the driver's cursor: id -> (statement, its SQL, the
# parameters sent the first time, where each given parameter goes in them, bind processors,
# [(column index, result processor)], the driver), from a first run through SQLAlchemy that the
# cursor's run matched; None for one that did not. Its SQL and parameters are that driver's: a
# process with another database too (two apps) runs the statement SQLAlchemy's way there.
_DRIVER: dict[int, tuple[Any, ...] | None] = {}
# Key of the cursor kept in a pooled connection's ``info`` (``_kept_cursor``).
_CURSOR = "parvis_driver_cursor"


def driver_rows(session: Session, statement: Any, params: dict[str, Any]) -> Sequence[Any]:
    """The rows (tuples) of a SELECT built once (a module constant), in the session's
    transaction: straight through the driver's cursor, with the SQL, the constant parameters
    and the type processing a first run through SQLAlchemy used (checked then: same rows both
    ways). SQLAlchemy's work per execution (cache key, parameters, result metadata from the
    cursor's description) was about 60 % of running the signed-in user's query on PostgreSQL,
    about 15 µs a statement on SQLite. Only ``params`` change between runs: a statement with an
    expanding parameter (its SQL changes with the keys: use ``in_keys``) takes SQLAlchemy's way,
    as do all of them while a listener watches statements (``count_queries``, so counts stay
    true) and after a driver error, run again (unless it ended the transaction, PostgreSQL, or
    is the database's state, a lock waited for: it is raised then, as SQLAlchemy raises one,
    without waiting a second time). Refuses anything but a ``select`` (``read_columns``)."""
    if not getattr(statement, "is_select", False):
        raise TypeError("driver_rows runs a select() only; write through the session")
    if session.autoflush and not _clean(session):
        session.flush()
    outside = _outside(session)
    if outside is not None and not listened(outside):
        kept = _DRIVER.get(id(statement))
        if kept and kept[0] is statement and kept[6] == outside.dialect.driver:
            rows = _cursor_rows(outside, kept, params)
            if rows is not None:
                return rows
    conn = session.connection()
    if not listened(conn):
        kept = _DRIVER.get(id(statement), False)
        if kept and kept[0] is statement and kept[6] == conn.dialect.driver:
            rows = _cursor_rows(conn, kept, params)
            if rows is not None:
                return rows
        elif kept is False:
            result = conn.execute(statement, params)
            rows = result.all()
            try:
                found = _driver_call(statement, result, params)
            except AttributeError:  # SQLAlchemy's internals moved: its way only, from now on
                logger.warning("driver_rows: SQLAlchemy internals changed", exc_info=True)
                found = None
            again = _cursor_rows(conn, found, params) if found is not None else None
            same = again is not None and list(map(tuple, again)) == list(map(tuple, rows))
            _DRIVER[id(statement)] = found if same else None
            return rows
    return conn.execute(statement, params).all()


def _clean(session: Session) -> bool:
    """Nothing to flush: SQLAlchemy's own test before a flush, which builds no set (``new``,
    ``deleted`` and ``dirty`` build one each: about 2,500 instructions a statement)."""
    try:
        return session._is_clean()  # type: ignore[no-any-return]
    except AttributeError:  # pragma: no cover - SQLAlchemy's internals moved
        return not (session.new or session.deleted or session.dirty)


def _outside(session: Session) -> Connection | None:
    """The parked connection of a unit of work that reads outside a transaction and has not
    used its connection yet (``autocommit.py``): a statement sent through its driver needs no
    session transaction, and the ``Connection``'s begin and end (~70 Python calls, most of a
    cached page's unit of work) are skipped when nothing else reads. Only a statement already
    learned goes this way: SQLAlchemy's own run would begin the connection's transaction
    behind the session's back."""
    if not session.info.get(AUTOCOMMIT_KEY) or session.in_transaction():
        return None
    bind = session.bind
    return bind if isinstance(bind, Connection) and not bind.closed else None


def _driver_call(statement: Any, result: Any, params: dict[str, Any]) -> tuple[Any, ...] | None:
    context = result.context
    compiled = context.compiled
    if compiled is None or len(context.parameters) != 1:
        return None
    if any(b.expanding or b.literal_execute for b in compiled.binds.values()):
        return None  # values written into the SQL: the first run's SQL holds its own
    sent = context.parameters[0]
    if isinstance(sent, dict):  # named (psycopg): each parameter in its key
        escaped = compiled.escaped_bind_names
        slots = {name: (escaped.get(name, name),) for name in params}
        placed = all(slot[0] in sent for slot in slots.values())
    else:  # positional (sqlite3): each parameter at its places
        order = compiled.positiontup
        slots = {name: tuple(i for i, n in enumerate(order) if n == name) for name in params}
        placed = all(slots.values())
    if not placed:
        # A given parameter not sent as one: the cursor would run the first run's value.
        return None
    return (
        statement,
        context.statement,
        sent,
        slots,
        {name: compiled._bind_processors.get(name) for name in params},
        [(i, f) for i, f in enumerate(result._metadata._processors) if f is not None],
        context.dialect.driver,
    )


def _cursor_rows(conn: Any, kept: Any, params: dict[str, Any]) -> list[Any] | None:
    _statement, sql, sent, slots, binds, processed, _driver = kept
    values = dict(sent) if isinstance(sent, dict) else list(sent)
    for name, value in params.items():
        if name not in slots:
            return None  # not a parameter the first run was given: SQLAlchemy's way
        bind = binds[name]
        if bind is not None:
            value = bind(value)
        for slot in slots[name]:
            values[slot] = value
    try:
        proxied = conn.connection
        cursor = _kept_cursor(proxied)
        try:
            raw = cursor.execute(sql, values).fetchall()
        except BaseException:
            # A statement an error left unfinished is ended with its cursor (on SQLite, it
            # would keep the connection on the snapshot it read); the next one gets a new one.
            proxied.info.pop(_CURSOR, None)
            cursor.close()
            raise
    except Exception as exc:
        if _failed_transaction(conn) or _database_busy(conn, exc):
            # Run again, the statement could only fail with "current transaction is aborted"
            # (PostgreSQL ended the transaction on this error), naming the wrong cause, or
            # wait for the same lock as long again (SQLite's busy timeout, a lock timeout).
            error = conn.dialect.loaded_dbapi.Error
            raise DBAPIError.instance(sql, values, exc, error, dialect=conn.dialect) from exc
        # SQLAlchemy's way runs it again and reports as usual (a lost connection invalidated,
        # the pool then replaces it), the driver's own error logged first; and an error of the
        # cursor's way alone (a parameter the driver takes otherwise) is not the caller's.
        logger.warning("Statement through the driver's cursor failed", exc_info=True)
        return None
    return processed_rows(raw, processed)


def _kept_cursor(proxied: Any) -> Any:
    """The cursor ``driver_rows`` keeps with each connection of the pool (in its ``info``, which
    lives as long as the driver's connection): a new psycopg cursor for each statement cost
    about 42,000 instructions of the 113,000 of a small statement's client work (``SELECT`` of
    two parameters, 2,000 runs under callgrind; SQLite's cursors are cheap). Its statements
    are read to the end (``fetchall``) before the next one, so one cursor serves them all."""
    driver = proxied.driver_connection
    cursor = proxied.info.get(_CURSOR)
    if cursor is None or cursor.connection is not driver:
        cursor = proxied.info[_CURSOR] = driver.cursor()
    return cursor


def _database_busy(conn: Any, exc: Exception) -> bool:
    """Whether ``exc`` is the database's state, not the statement's nor a lost connection's:
    an operational error (locked, lock or statement timeout) the connection survives."""
    dbapi = conn.dialect.loaded_dbapi
    if not isinstance(exc, dbapi.OperationalError):
        return False
    return not conn.dialect.is_disconnect(exc, conn.connection.dbapi_connection, None)


def _failed_transaction(conn: Any) -> bool:
    """Whether the driver's connection is in a transaction an error ended (psycopg)."""
    info = getattr(conn.connection.driver_connection, "info", None)
    return getattr(getattr(info, "transaction_status", None), "name", "") == "INERROR"


def processed_rows(raw: list[Any], processed: list[tuple[int, Any]]) -> list[Any]:
    """The driver's ``raw`` rows with SQLAlchemy's result processors applied (``processed``:
    (column index, processor) pairs), as SQLAlchemy would have returned them. Column by column
    (``zip``, ``map``): no Python loop over the rows (a space page reads 200)."""
    if not processed or not raw:
        return raw
    columns: list[Any] = list(zip(*raw, strict=True))
    for i, f in processed:
        columns[i] = map(f, columns[i])
    return list(zip(*columns, strict=True))


def listened(conn: Any) -> bool:
    """Whether something listens to the statements run (SQLAlchemy's own cheap test first)."""
    if not (getattr(conn, "_has_events", True) or getattr(conn.engine, "_has_events", True)):
        return False
    return bool(conn.dispatch.before_cursor_execute or conn.dispatch.after_cursor_execute)
