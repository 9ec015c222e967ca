"""Database plumbing: one metadata for core and plugins, engines, sessions, query counting."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, create_engine, event, func, select
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import QueuePool
from sqlalchemy.types import TypeDecorator

from parvis import autocommit as autocommit_units
from parvis.keylist import in_keys
from parvis.text_order import register_sqlite_functions

logger = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware datetimes on every database (SQLite forgets the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


class Base(DeclarativeBase):
    """Declarative base shared by core and every plugin (one metadata, one Alembic env)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


def read_columns(session: Session, statement: Any, params: Any = None) -> Any:
    """Run a SELECT of columns (no ORM entities) on the session's connection: same transaction,
    without the ORM's work per statement and per row (about 40 % of reading 200 rows). Flushes
    pending changes first when the session would (``autoflush``), as ``session.execute`` does.
    Refuses anything but a ``select``: a write through the connection would bump no content
    version (``versions.py``), so every process would keep serving what it changed."""
    if not getattr(statement, "is_select", False):
        raise TypeError("read_columns runs a select() only; write through the session")
    if session.autoflush and (session.new or session.deleted or session.dirty):
        session.flush()
    return session.connection().execute(statement, params)


# count_by's statements, built once per column and conditions (by identity: pass conditions
# built once, at import, to reuse one). Building one, and its cache key, took twice as long as
# running it. Bounded: conditions built per call fill it up, then it starts afresh.
_COUNT_STATEMENTS: dict[tuple[int, ...], tuple[Any, ...]] = {}
_COUNT_STATEMENTS_MAX = 256


def count_by(session: Any, column: Any, keys: Sequence[Any], *where: Any) -> dict[Any, int]:
    """How many rows share each of ``keys`` in ``column`` (e.g. ballots per module id), in one
    ``GROUP BY`` query; keys without rows are absent. ``where`` adds conditions: the statement
    is built once for a column and the same condition objects (module constants)."""
    if not keys:
        return {}
    # By id, with the objects kept alive in the value (so no other object takes their id):
    # SQL expressions compare by building SQL, not a bool.
    key = (id(column), *map(id, where))
    found = _COUNT_STATEMENTS.get(key)
    if found is None:
        # The keys go in as one parameter (``keylist``): an expanding one is rendered again
        # at every execution, one placeholder per key (hundreds on a long space page).
        query = (
            select(column, func.count())
            .where(in_keys(column, "count_by_keys"), *where)
            .group_by(column)
        )
        found = (query, column, *where)
        if len(_COUNT_STATEMENTS) >= _COUNT_STATEMENTS_MAX:
            _COUNT_STATEMENTS.clear()
        _COUNT_STATEMENTS[key] = found
    return dict(read_columns(session, found[0], {"count_by_keys": list(keys)}).all())


class QueryCounter:
    """Counts statements per engine; tests use it to catch N+1 pages."""

    def __init__(self) -> None:
        self.count = 0
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.count += 1
        self.statements.append(statement)


def make_engine(url: str, connections: int = 20) -> Engine:
    """``connections``: the most the pool opens at once (half kept open between requests)."""
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
    parsed = make_url(url)
    # A SQLite file gets a QueuePool too (5 + 10 by default, fewer than the views at once); an
    # in-memory database keeps its own kind of pool, which takes no size.
    if issubclass(parsed.get_dialect().get_pool_class(parsed), QueuePool):
        kept = max(1, connections // 2)
        kwargs.update(pool_size=kept, max_overflow=connections - kept)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    else:
        _ping_when_idle(engine)
    return engine


# A pooled connection idle longer than this is tested before use (one round trip).
PING_AFTER_SECONDS = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """``pool_pre_ping`` only for connections that sat idle: a connection back from a request
    a moment ago is alive, and the ping was a round trip per request (one more than the
    statements). One that sat idle may have been closed by the server or a restart: it is
    tested, and replaced if dead (SQLAlchemy's pessimistic disconnect recipe)."""

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_conn: Any, record: Any) -> None:
        record.info["parvis_idle_from"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        idle_from = record.info.get("parvis_idle_from")
        if idle_from is None or time.monotonic() - idle_from < PING_AFTER_SECONDS:
            return
        if not _alive(dbapi_conn):
            raise DisconnectionError()  # the pool opens a new connection instead


def _alive(dbapi_conn: Any) -> bool:
    try:
        with dbapi_conn.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_conn.rollback()
    except Exception:
        return False
    return True


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        # WAL lets readers run during a write; foreign keys are off by default in SQLite.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()
        register_sqlite_functions(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # A writing unit of work takes the write lock at BEGIN, so concurrent writers queue on
        # busy_timeout instead of failing when a read lock is upgraded; reads stay concurrent.
        options = conn.get_execution_options()
        if options.get("sqlite_autocommit"):
            return  # one read on its own (``fastpath.VersionReader``): no transaction to end
        immediate = options.get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """An engine plus its session factory; one per app."""

    def __init__(self, url: str, connections: int = 20) -> None:
        self.url = url
        self.engine = make_engine(url, connections)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        self.write_sessionmaker = sessionmaker(
            self.engine.execution_options(sqlite_immediate=True), expire_on_commit=False
        )
        # Units of work that read outside a transaction until they write (PostgreSQL).
        self.autocommit_sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        autocommit_units.install(self.autocommit_sessionmaker)
        self._sqlite = self.engine.dialect.name == "sqlite"
        # Connections kept checked out between units of work, with when each was parked (see
        # ``_take``). Not for an in-memory SQLite database: its pool keeps one per thread.
        self._parked: list[tuple[Connection, float]] | None = (
            [] if isinstance(self.engine.pool, QueuePool) or not self._sqlite else None
        )
        self._park_at_most = max(1, connections // 2)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self, *, write: bool = True, autocommit: bool = False) -> Iterator[Session]:
        """A unit of work: commits on success, rolls back on error.

        ``write=False`` is for read-only work (GET pages): on SQLite it does not queue behind
        writers. ``autocommit=True``: on PostgreSQL, reads run outside a transaction until the
        first write, and a ``write_unseen`` before any other write commits on its own
        (``autocommit.py``); on SQLite, the same for a reading unit of work (``write=False``):
        a writing one keeps its ``BEGIN IMMEDIATE``.
        """
        connection = self._take()
        # On SQLite only a reading unit of work: a writing one takes the write lock at BEGIN
        # (``_begin``), so that what it reads before writing is what it writes over.
        outside = autocommit and connection is not None and not (write and self._sqlite)
        if outside:
            factory = self.autocommit_sessionmaker
        else:
            factory = self.write_sessionmaker if write else self.sessionmaker
        if connection is not None and self._sqlite:
            # A parked connection has none of the factories' options: how ``_begin`` begins
            # (set only when it changes: most units of work on a connection are alike).
            options = connection.get_execution_options()
            if (
                options.get("sqlite_immediate") is not write
                or options.get("sqlite_autocommit") is not outside
            ):
                connection.execution_options(sqlite_immediate=write, sqlite_autocommit=outside)
        failed = False
        try:
            with factory(bind=connection) if connection is not None else factory() as session:
                # Core's dated phases move a module within a writing unit of work, else in
                # their own.
                session.info["parvis_write"] = write
                if outside:
                    autocommit_units.start(connection, session)
                try:
                    yield session
                    if not autocommit_units.nothing_to_commit(session):
                        session.commit()
                except BaseException:
                    session.rollback()
                    failed = True
                    raise
        finally:
            if connection is not None:
                if (outside and not autocommit_units.end(connection)) or (failed and self._sqlite):
                    # Not parked (``_park`` gives it back), nor pooled: on SQLite a statement
                    # the error left unfinished (its rows held by the traceback, after the unit
                    # of work) keeps the connection on the snapshot it read, outside any
                    # transaction: the next unit of work would read as of then (a content
                    # version, a phase), and a write of its would fail.
                    connection.invalidate()
                self._park(connection)

    def _take(self) -> Connection | None:
        """A connection for a unit of work (PostgreSQL, a SQLite file): one parked by an
        earlier unit of work, else a new checkout. Parking skips the pool's checkout and
        check-in (listeners, queue, lock, reset), a fifth of the ORM's work for a ballot; the
        session begins and ends its transaction on it as on any (``Session(bind=connection)``).
        On PostgreSQL one parked for longer than ``PING_AFTER_SECONDS`` is tested first, as the
        pool tests its own; a SQLite file's connection is not lost by waiting (and the test,
        which a sqlite3 cursor cannot run, would replace every one idle for 10 s)."""
        parked = self._parked
        if parked is None:
            return None
        try:
            connection, since = parked.pop()
        except IndexError:
            return self.engine.connect()
        if (
            not self._sqlite
            and time.monotonic() - since >= PING_AFTER_SECONDS
            and not _alive(connection.connection.dbapi_connection)
        ):
            connection.invalidate()
            connection.close()
            return self.engine.connect()
        return connection

    def _park(self, connection: Connection) -> None:
        """Keep ``connection`` for the next unit of work, or give it back to the pool: when
        enough are parked already (the pool keeps the rest for other work: cached pages,
        jobs), or when it is no longer a clean, live connection."""
        parked = self._parked
        if (
            parked is not None
            and len(parked) < self._park_at_most
            and not connection.closed
            and not connection.invalidated
            and not connection.in_transaction()
        ):
            parked.append((connection, time.monotonic()))
        else:
            connection.close()

    @contextmanager
    def count_queries(self) -> Iterator[QueryCounter]:
        counter = QueryCounter()
        event.listen(self.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(self.engine, "before_cursor_execute", counter)

    def dispose(self) -> None:
        parked, self._parked = self._parked, ([] if self._parked is not None else None)
        for connection, _since in parked or ():
            connection.close()
        self.engine.dispose()
