"""Pytest fixtures for Parvis and its plugins.

The database is SQLite by default; set ``PARVIS_TEST_DATABASE_URL`` to a PostgreSQL URL
(``postgresql+psycopg://postgres@127.0.0.1:5432/test``) to run the same tests there. The schema
is built once per run through the real migrations; each test then starts from empty tables.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType as PyModule
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from parvis.config import Config
from parvis.testing.helpers import SMTPCapture, TestTown, make_user
from parvis.testing.spaces import SpaceWithModule, make_space_with_module

ENV_URL = "PARVIS_TEST_DATABASE_URL"


def _postgres_database(base_url: str) -> tuple[str, Callable[[], None]]:
    """A fresh database on the server of ``base_url``, dropped at the end of the run."""
    url = make_url(base_url)
    name = f"parvis_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session", autouse=True)
def parvis_fast_password_hashing() -> Iterator[None]:
    """Argon2 at its lowest cost in tests: hashing is what makes log-ins slow, not what's tested."""
    from argon2 import PasswordHasher

    from parvis import passwords

    saved = passwords._hasher, passwords._DUMMY_HASH
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    passwords._DUMMY_HASH = passwords._hasher.hash("parvis-timing-equaliser")
    yield
    passwords._hasher, passwords._DUMMY_HASH = saved


@pytest.fixture(scope="session")
def parvis_database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database (PostgreSQL) or a migrated template file (SQLite)."""
    from parvis import migrate
    from parvis.db import make_engine

    base_url = os.environ.get(ENV_URL, "")
    if base_url.startswith("postgresql"):
        url, drop = _postgres_database(base_url)
        engine = make_engine(url)
        migrate.upgrade(engine, _extra_plugins())
        engine.dispose()
        yield url
        drop()
    else:
        path = tmp_path_factory.mktemp("db") / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        migrate.upgrade(engine, _extra_plugins())
        engine.dispose()
        yield str(path)


def _extra_plugins() -> dict[str, PyModule]:
    return dict(getattr(pytest, "parvis_extra_plugins", {}))


@pytest.fixture
def parvis_database_url(parvis_database_template: str, tmp_path: Path) -> str:
    """A database with the full schema and no rows, for one test."""
    if parvis_database_template.startswith("postgresql"):
        engine = create_engine(parvis_database_template)
        with engine.begin() as conn:
            tables = [
                r[0]
                for r in conn.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                        "AND tablename != 'alembic_version'"
                    )
                )
            ]
            if tables:
                conn.execute(
                    text(
                        "TRUNCATE "
                        + ", ".join(f'"{t}"' for t in tables)
                        + " RESTART IDENTITY CASCADE"
                    )
                )
        engine.dispose()
        return parvis_database_template
    path = tmp_path / "parvis.db"
    shutil.copyfile(parvis_database_template, path)
    return f"sqlite:///{path}"


def _plugins_under_test(config: pytest.Config) -> list[str] | None:
    """The plugins of the distributions named by the ``parvis_plugins_from`` ini option (so a
    suite does not depend on what else is installed); ``None``: every installed plugin."""
    distributions = {d.lower() for d in config.getini("parvis_plugins_from")}
    if not distributions:
        return None
    from parvis.plugins import installed_plugins

    return [
        name
        for name, ep in installed_plugins().items()
        if ep.dist is not None and ep.dist.name.lower() in distributions
    ]


@pytest.fixture
def parvis_config(parvis_database_url: str, tmp_path: Path, pytestconfig: pytest.Config) -> Config:
    return Config(
        database_url=parvis_database_url,
        secret_key="test-secret-" + uuid.uuid4().hex,
        mail_backend="null",
        instance_dir=str(tmp_path / "instance"),
        plugins=_plugins_under_test(pytestconfig),
    )


@pytest.fixture
def make_town(parvis_config: Config) -> Iterator[Callable[..., TestTown]]:
    """Build an app and create a town in it: ``make_town(host=..., plugins=[...])``."""
    from parvis.app import create_app
    from parvis.towns import create_town

    apps = []

    def factory(
        host: str = "testserver",
        *,
        name: str = "Testville",
        plugins: list[str] | None = None,
        extra_plugins: dict[str, PyModule] | None = None,
        app: Any = None,
        **config_overrides: Any,
    ) -> TestTown:
        if app is None:
            config = Config(**{**parvis_config.__dict__, **config_overrides})
            extra = {**_extra_plugins(), **(extra_plugins or {})}
            if config.plugins is not None and "plugins" not in config_overrides:
                config.plugins = [*config.plugins, *(n for n in extra if n not in config.plugins)]
            app = create_app(config, extra_plugins=extra)
            apps.append(app)
        parvis = app.state.parvis
        admin_email = f"admin@{host}"
        with parvis.db.session() as session:
            town = create_town(
                session,
                name=name,
                slug=host.replace(".", "-"),
                hosts=[host],
                plugins=parvis.plugins if plugins is None else plugins,
                admin_email=admin_email,
                admin_password="admin password 123",
            )
            town_id = town.id
        return TestTown(app, town_id, host, admin_email, "admin password 123")

    yield factory
    for app in apps:
        app.state.parvis.db.dispose()


@pytest.fixture
def town(make_town: Callable[..., TestTown]) -> TestTown:
    """A town answering on ``testserver`` with every loaded plugin enabled."""
    return make_town()


@pytest.fixture
def client(town: TestTown) -> Iterator[Any]:
    with town.client() as test_client:
        yield test_client


@pytest.fixture
def resident(town: TestTown) -> Any:
    """A confirmed resident: ``resident.email`` with the default test password."""
    with town.session() as session:
        return make_user(session, town.town_id, "resident@example.org", name="Rita Resident")


@pytest.fixture
def space_with_module(town: TestTown) -> Callable[..., SpaceWithModule]:
    """``space_with_module(module_type, *, town=<the town fixture>, **options)``: a published
    space holding one module (see ``make_space_with_module`` for the options)."""

    def factory(module_type: str, *, town: TestTown = town, **options: Any) -> SpaceWithModule:
        return make_space_with_module(town, module_type, **options)

    return factory


@pytest.fixture
def smtp_server() -> Iterator[SMTPCapture]:
    """A real local SMTP server; point a config at ``smtp_server.port``."""
    server = SMTPCapture()
    server.start()
    yield server
    server.stop()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "parvis_plugins_from",
        "Test apps load only the plugins of these distributions (default: every installed one).",
        type="linelist",
        default=[],
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgres_only: needs PARVIS_TEST_DATABASE_URL on PostgreSQL"
    )
    config.addinivalue_line("markers", "browser: drives real Chromium")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres_only") and not os.environ.get(ENV_URL, "").startswith(
        "postgresql"
    ):
        pytest.skip("needs PostgreSQL (set PARVIS_TEST_DATABASE_URL)")
