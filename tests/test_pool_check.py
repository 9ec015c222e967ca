"""``parvis serve`` checks, on PostgreSQL, that its worker processes' database pools fit in the
connections the server accepts (``pool_check.py``): it warns, or refuses to start with
``strict_connections``. Run against the real test server (``PARVIS_TEST_DATABASE_URL``); on
SQLite there is nothing to check."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
import uvicorn
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from parvis.pool_check import ServerConnections, pool_problem, server_connections
from parvis.testing import run_command


def _postgres(town: Any) -> ServerConnections:
    server = server_connections(town.parvis.db.engine)
    if town.parvis.db.engine.dialect.name != "postgresql":
        assert server is None
        pytest.skip("a PostgreSQL server's limit (PARVIS_TEST_DATABASE_URL)")
    assert server is not None
    return server


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The worker counts ``uvicorn.run`` was called with (the server itself is not started)."""
    calls: list[int] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs["workers"]))
    return calls


def _setting(connection: Any, name: str) -> int:
    return int(connection.execute(text(f"SHOW {name}")).scalar_one())


def test_the_limits_are_the_servers_for_the_apps_role(town):
    """A superuser may take every slot, the ones kept for superusers included: counting those
    as out of its reach warned of 'too many clients' where none could happen."""
    server = _postgres(town)
    engine = town.parvis.db.engine
    with engine.connect() as connection:
        limit = _setting(connection, "max_connections")
        kept = _setting(connection, "superuser_reserved_connections")
        superuser = connection.execute(
            text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        ).scalar_one()
    assert superuser, "the test server's role (postgres) is a superuser"
    assert server.max_connections == limit and server.available == limit
    assert server.open_now >= 1
    role = f"parvis_pool_{secrets.token_hex(4)}"
    with engine.connect() as connection:
        connection.execute(text(f"CREATE ROLE {role} LOGIN"))
        connection.commit()
    ordinary = create_engine(engine.url.set(username=role), poolclass=NullPool)
    try:
        plain = server_connections(ordinary)
        assert plain is not None and plain.max_connections == limit
        assert plain.reserved >= kept and plain.available == limit - plain.reserved
    finally:
        ordinary.dispose()
        with engine.connect() as connection:
            connection.execute(text(f"DROP ROLE {role}"))
            connection.commit()


def test_on_sqlite_nothing_is_checked():
    assert pool_problem(None, 64, 31) is None


def test_serve_warns_when_the_workers_pools_exceed_the_server(town, started):
    server = _postgres(town)
    pool = town.parvis.config.database_connections()
    fitting = server.available // pool  # 3 with the defaults and max_connections = 100
    assert fitting >= 1
    over = run_command(town, "serve", "--workers", str(fitting + 1))
    assert over.exit_code == 0, over.output
    assert f"Warning: {fitting + 1} worker process(es) x {pool} database connections" in (
        over.output
    )
    assert f"the PostgreSQL server accepts {server.available}" in over.output
    assert f"serve with --workers {fitting} or fewer" in over.output
    fits = run_command(town, "serve", "--workers", str(fitting))
    assert fits.exit_code == 0 and "Warning" not in fits.output
    assert started == [fitting + 1, fitting]  # a warning still serves


def test_serve_refuses_to_start_with_strict_connections(make_town, started):
    town = make_town(strict_connections=True)
    server = _postgres(town)
    workers = server.available // town.parvis.config.database_connections() + 1
    refused = run_command(town, "serve", "--workers", str(workers))
    assert refused.exit_code == 1
    assert "Error:" in refused.output and "refused: strict_connections is set" in refused.output
    assert started == []


def test_serve_still_starts_when_the_server_cannot_be_asked(town, capsys):
    """The check is advice: a database not up yet when ``parvis serve`` starts (a machine
    booting, PostgreSQL restarting) must not stop the app from starting, as it did not before
    the check (a traceback then, and a service manager giving up after a few restarts); with
    ``strict_connections``, not knowing is refusing."""
    import dataclasses
    import types

    import click

    from parvis.cli import _check_pools
    from parvis.db import Database

    unreachable = types.SimpleNamespace(db=Database("postgresql+psycopg://parvis@127.0.0.1:1/x"))
    config = town.parvis.config
    _check_pools(unreachable, config, 4)  # type: ignore[arg-type]
    assert "Warning: could not ask the PostgreSQL server" in capsys.readouterr().err
    strict = dataclasses.replace(config, strict_connections=True)
    with pytest.raises(click.ClickException, match="strict_connections"):
        _check_pools(unreachable, strict, 4)  # type: ignore[arg-type]
