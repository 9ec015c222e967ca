"""Writes to tables no visitor sees (an election's ballots), run as cheaply as a hot path needs.

A table a plugin marks ``info={"parvis_unseen": True}`` changes no page, so its writes need no
content version (``versions.py``) and may bypass the ORM session's bookkeeping. On PostgreSQL
``write_unseen`` goes further: straight through the driver's cursor, with the SQL and the type
processing SQLAlchemy used for the statement's first run (SQLAlchemy's work per execution was
about two thirds of writing a ballot, see ``docs/performance.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors
from sqlalchemy.sql.dml import UpdateBase

from parvis.driver import listened, processed_rows
from parvis.versions import UNSEEN_INFO, UNSEEN_TABLES

# id(statement) -> (statement, SQL, ((parameter, bind processor), ...), whether it returns rows,
# [(column, result processor)])
# once a first run through SQLAlchemy showed the driver gets the same parameters; None: never.
_DRIVER: dict[int, tuple[Any, str, tuple[Any, ...], bool, list[tuple[int, Any]]] | None] = {}
# Statements checked to write to unseen tables only (kept alive, so ids are not reused).
_CHECKED: dict[int, Any] = {}
_KEPT_MAX = 256


def write_unseen(session: Session, statement: Any, params: dict[str, Any]) -> Sequence[Any]:
    """Run an INSERT, UPDATE or DELETE built once (a module constant, e.g. under
    ``functools.cache``), writing only to ``parvis_unseen`` tables, in the session's
    transaction (in an ``@view(autocommit=True)`` unit of work before any other write: on its
    own, committed when it returns); returns the rows of its RETURNING (else none).

    Pass exactly the statement's parameters. Pending ORM changes are flushed first. SQLite, a
    listener on statements (``count_queries``, so counts stay true) and a statement whose
    parameters SQLAlchemy processes differently (a Python-side column default) take
    SQLAlchemy's way. A driver error propagates as the driver's: the unit of work rolls back."""
    if _CHECKED.get(id(statement)) is not statement:
        _check_unseen(statement)
    session.flush()  # pending ORM changes first (returns at once when there are none)
    conn = session.connection()
    if conn.dialect.name == "postgresql" and not listened(conn):
        kept = _DRIVER.get(id(statement), False)
        if kept and kept[0] is statement:
            return _driver_rows(conn, kept, params)
        if kept is False:
            result = conn.execute(statement, params)
            rows = result.all() if result.returns_rows else []
            _DRIVER[id(statement)] = _learn(statement, result, params)
            return rows
    result = conn.execute(statement, params)
    return result.all() if result.returns_rows else []


def _check_unseen(statement: Any) -> None:
    written = [e.table for e in visitors.iterate(statement) if isinstance(e, UpdateBase)]
    if not written or not all(_unseen(table) for table in written):
        raise TypeError("write_unseen writes to parvis_unseen tables only; use the session")
    if len(_CHECKED) >= _KEPT_MAX:  # statements built per call: bounded, then afresh
        _CHECKED.clear()
        _DRIVER.clear()
    _CHECKED[id(statement)] = statement


def _unseen(table: Any) -> bool:
    info = getattr(table, "info", {})
    return bool(info.get(UNSEEN_INFO) or getattr(table, "name", None) in UNSEEN_TABLES)


def _learn(statement: Any, result: Any, params: dict[str, Any]) -> Any:
    """What the driver's way needs, if it would send what SQLAlchemy sent; else None."""
    context = result.context
    try:
        processors_by_name = context.compiled._bind_processors
        binds = tuple((n, f) for n in params if (f := processors_by_name.get(n)) is not None)
        processors = result._metadata._processors if result.returns_rows else []
        sent = context.parameters[0]
    except (AttributeError, IndexError):  # SQLAlchemy's internals moved: its way only
        return None
    if _values(binds, params) != sent:
        return None
    processed = [(i, f) for i, f in enumerate(processors) if f is not None]
    return (statement, context.statement, binds, result.returns_rows, processed)


def _values(binds: tuple[tuple[str, Callable[[Any], Any]], ...], params: dict[str, Any]) -> Any:
    """``params`` as SQLAlchemy sends them: each through its bind processor, if it has one."""
    if not binds:
        return params
    values = dict(params)
    for name, process in binds:
        if name in values:
            values[name] = process(values[name])
    return values


def _driver_rows(conn: Any, kept: Any, params: dict[str, Any]) -> list[Any]:
    _statement, sql, binds, returns_rows, processed = kept
    with conn.connection.driver_connection.cursor() as cursor:
        cursor.execute(sql, _values(binds, params))
        raw = cursor.fetchall() if returns_rows else []
    return processed_rows(raw, processed)
