"""What the plugin benchmarks share to set up: a throw-away database and a migrated app on it."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@contextmanager
def temp_database(url: str | None) -> Iterator[str]:
    """A fresh database: a temp PostgreSQL database on ``url``'s server, or a temp SQLite file
    (with any other ``url``: that database as it is)."""
    if url and url.startswith("postgresql"):
        base = make_url(url)
        name = f"parvis_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    elif url:
        yield url
    else:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"


def migrated_app(url: str, plugins: list[str], **config: Any) -> Any:
    """A Parvis app with ``plugins`` on ``url``, its schema migrated first; mail goes nowhere and
    the instance folder is a new temporary one. ``config``: any other ``Config`` field."""
    from parvis import migrate
    from parvis.app import create_app
    from parvis.config import Config
    from parvis.db import make_engine

    engine = make_engine(url)
    migrate.upgrade(engine, {})
    engine.dispose()
    return create_app(
        Config(
            database_url=url,
            secret_key="bench-" + uuid.uuid4().hex,
            mail_backend="null",
            instance_dir=tempfile.mkdtemp(),
            plugins=plugins,
            **config,
        )
    )
