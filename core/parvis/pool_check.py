"""Whether the app processes' database pools fit in the PostgreSQL server's connections.

Each app process opens up to ``Config.database_connections()`` connections (31 with the
defaults), lazily: a deployment whose processes together may open more than the server accepts
runs until a busy hour, then requests fail with "too many clients". ``parvis serve`` checks at
start: it warns, or refuses to start when ``strict_connections`` is set (docs/deploying.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Engine

# Ordinary roles may not use the slots kept for superusers (``superuser_reserved_connections``)
# nor, from PostgreSQL 16 on, those kept for ``pg_use_reserved_connections`` members; a member
# may use the latter, a superuser every slot (PostgreSQL's InitPostgres). Which the app's role is
# decides how many of ``max_connections`` its pools can take before "too many clients".
_LIMITS = text(
    "SELECT current_setting('max_connections')::int,"
    " current_setting('superuser_reserved_connections')::int,"
    " coalesce(current_setting('reserved_connections', true), '0')::int,"
    " (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'),"
    " (SELECT rolsuper FROM pg_roles WHERE rolname = current_user),"
    " EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pg_use_reserved_connections'"
    " AND pg_has_role(current_user, oid, 'USAGE'))"
)


@dataclass(frozen=True)
class ServerConnections:
    max_connections: int
    reserved: int  # of them, kept for roles the app's is not (superusers, reserved roles)
    open_now: int  # client connections open when checked, this check's included

    @property
    def available(self) -> int:
        return self.max_connections - self.reserved


def server_connections(engine: Engine) -> ServerConnections | None:
    """The PostgreSQL server's connection limits for the app's role; ``None`` for another
    database (SQLite)."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as connection:
        limits = connection.execute(_LIMITS).one()
    max_connections, superuser_slots, reserved_slots, open_now, superuser, reserved_role = limits
    if superuser:
        kept = 0
    elif reserved_role:
        kept = superuser_slots
    else:
        kept = superuser_slots + reserved_slots
    return ServerConnections(max_connections, kept, open_now)


def pool_problem(server: ServerConnections | None, workers: int, pool: int) -> str | None:
    """What is wrong when ``workers`` processes of ``pool`` connections each may open more than
    ``server`` accepts, in words an administrator acts on; ``None`` when they fit."""
    if server is None or workers * pool <= server.available:
        return None
    fitting = server.available // pool
    return (
        f"{workers} worker process(es) x {pool} database connections each = {workers * pool}, "
        f"but the PostgreSQL server accepts {server.available} "
        f"(max_connections {server.max_connections} - {server.reserved} reserved; "
        f"{server.open_now} open now, other programs and `parvis worker` included). Under load "
        "requests would fail with 'too many clients'. Raise max_connections in postgresql.conf, "
        f"serve with --workers {max(fitting, 1)} or fewer, or lower threads / read_threads / "
        "export_streams (pool = threads + 2 x read_threads + export_streams + 1); "
        "see docs/deploying.md."
    )
