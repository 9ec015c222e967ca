"""Units of work that read outside a transaction until they write (``@view(autocommit=True)``,
and every reading view's: ``web._run_view``).

On PostgreSQL a unit of work's transaction costs two round trips (``BEGIN``, ``COMMIT``); for a
view that reads and then writes one self-contained statement (an election ballot: participation
and ballot in one ``INSERT``), they were a third of its database work and of the client's CPU
spent waiting on the socket. Such a unit of work runs on a connection in autocommit: each read is
a statement of its own, as each statement of a ``READ COMMITTED`` transaction already sees what
was committed when it started (no snapshot is lost; no row lock is taken by a plain read).

Writes stay atomic: the first write through the session (an ORM flush, an
``INSERT``/``UPDATE``/``DELETE`` or a text statement, a ``SELECT ... FOR UPDATE``, a
``SELECT`` from a CTE that writes, a ``SELECT`` read in chunks, a savepoint) opens the
transaction first, so it and everything after it commit together, as in any unit of work; after
a commit or a rollback in the unit of work, its next transaction begins as any does. Only
``write_unseen`` while no transaction is open runs on its own, committed when it returns: one
statement, atomic in itself.

On SQLite a reading unit of work (``Database.session(write=False)``) runs the same way: its reads
skip the ``BEGIN`` (``db._begin``) and its first write sends it (deferred, as such a unit of work
sent it at its start before); a writing one keeps its ``BEGIN IMMEDIATE`` at the start (SQLite has
no row locks: reading under the write lock is what keeps a check and the write after it together).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.selectable import CTE

from parvis.events import PENDING_KEY

# ``Session.info`` key of a unit of work that runs in autocommit (until its first write).
AUTOCOMMIT_KEY = "parvis_autocommit"


def install(sessionmaker: Any) -> None:
    """Wire the session factory of autocommit units of work: a write opens the transaction."""
    event.listen(sessionmaker, "before_flush", _before_flush)
    event.listen(sessionmaker, "do_orm_execute", _before_statement)
    event.listen(sessionmaker, "after_transaction_create", _before_savepoint)


def _before_savepoint(session: Session, transaction: Any) -> None:
    """A savepoint (``begin_nested``) opens the transaction first: on SQLite a ``SAVEPOINT``
    outside a transaction begins one that its ``RELEASE`` commits, so the writes after it would
    each commit on their own; PostgreSQL refuses a ``SAVEPOINT`` outside a transaction."""
    if not (transaction.nested and session.info.get(AUTOCOMMIT_KEY)):
        return
    # On the unit of work's connection, not through ``session.connection()``: that would send
    # the ``SAVEPOINT`` first. Its transaction is begun, or will be before the ``SAVEPOINT``.
    bind = session.bind
    if isinstance(bind, Connection) and not bind.closed:
        _open(bind, session)


def open_transaction(session: Session) -> None:
    """Make the rest of an autocommit unit of work one transaction, from its next statement on
    (nothing to do in any other unit of work, or once it is open)."""
    if not session.info.get(AUTOCOMMIT_KEY):
        return
    _open(session.connection(), session)


def _open(connection: Connection, session: Session) -> None:
    driver = connection.connection.driver_connection
    if connection.dialect.name == "sqlite":
        if driver is not None and not driver.in_transaction and connection.in_transaction():
            # Deferred, as a reading unit of work began before: a text statement may only read.
            connection.exec_driver_sql("BEGIN")
        # Its later transactions too (the next one if none is begun yet, and after a commit or
        # a rollback in the unit of work), as on PostgreSQL: else each write would commit on its
        # own (``db._begin``). The next unit of work sets the option back (``Database.session``).
        connection.execution_options(sqlite_autocommit=False)
    elif driver is not None and driver.autocommit:
        driver.autocommit = False  # psycopg sends BEGIN before the next statement
    session.info[AUTOCOMMIT_KEY] = False


def nothing_to_commit(session: Session) -> bool:
    """Whether an autocommit unit of work ends with nothing to commit: no transaction opened
    (its reads and a lone ``write_unseen`` needed none), no ORM change pending, no event
    waiting for a commit. Its commit and the commit's listeners (about 70 Python calls) are
    then skipped; closing the session ends it as a read-only unit of work ends."""
    info = session.info
    return bool(info.get(AUTOCOMMIT_KEY)) and not info.get(PENDING_KEY) and session._is_clean()


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    open_transaction(session)


def _before_statement(state: ORMExecuteState) -> None:
    if not state.session.info.get(AUTOCOMMIT_KEY):
        return
    statement = state.statement
    if (
        not state.is_select
        or getattr(statement, "_for_update_arg", None) is not None
        or writing_ctes(statement)
        or _streamed(state)
    ):
        # A write, a text statement, a lock to keep, a SELECT whose CTE writes (its table
        # then noted for the content version's bump at the commit, which must not be skipped),
        # or rows read in chunks (a server-side cursor lives in a transaction).
        open_transaction(state.session)


def _streamed(state: ORMExecuteState) -> bool:
    options = state.execution_options
    return bool(options.get("yield_per") or options.get("stream_results"))


def start(connection: Any, session: Session) -> None:
    """Run the unit of work of ``session`` on ``connection`` in autocommit (on SQLite, the
    connection's ``sqlite_autocommit`` option already skips the ``BEGIN``: ``db.py``)."""
    if connection.dialect.name != "sqlite":
        connection.connection.driver_connection.autocommit = True
    session.info[AUTOCOMMIT_KEY] = True


def end(connection: Any) -> bool:
    """Give the connection its transactions back at the end of the unit of work; False if it
    cannot be (a broken connection, or SQLite's still in a transaction): not to be reused."""
    try:
        driver = connection.connection.driver_connection
        if connection.dialect.name == "sqlite":
            return driver is not None and not driver.in_transaction
        if driver is not None and driver.autocommit:
            driver.autocommit = False
    except Exception:
        return False
    return True


def writing_ctes(statement: Any) -> list[UpdateBase]:
    """The writes in a SELECT's CTEs (``INSERT ... RETURNING`` in a ``WITH``, on PostgreSQL),
    whether added to it (``add_cte``) or selected from."""
    # Attributes read as they are (every SELECT comes here): a CTE selected from is the table
    # of a selected column, or in ``select_from``.
    froms = [
        *getattr(statement, "_independent_ctes", ()),
        *getattr(statement, "_from_obj", ()),
        *[getattr(c, "table", None) for c in getattr(statement, "_raw_columns", ())],
    ]
    return [f.element for f in froms if isinstance(f, CTE) and isinstance(f.element, UpdateBase)]
