"""Backing up and restoring a deployment's database (uploads included: they live in it).

SQLite is copied with its online backup API: a consistent copy while the site keeps serving.
PostgreSQL goes through ``pg_dump`` and ``pg_restore`` (custom format), which must be installed
with the same or a newer major version than the server.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import URL, make_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


class BackupError(Exception):
    """Something a person must fix (a missing tool, a file of the wrong kind); said plainly."""


def backup(database_url: str, target: Path) -> None:
    """Write a consistent copy of the database to ``target``."""
    url = make_url(database_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        with closing(_sqlite(url.database)) as live, closing(sqlite3.connect(target)) as copy:
            live.backup(copy)
        return
    dump = ["--format=custom", "--no-owner", "--no-privileges", "--file", str(target)]
    _run_pg("pg_dump", dump, url)


def restore(database_url: str, source: Path) -> None:
    """Replace the database's whole content by the backup in ``source``."""
    url = make_url(database_url)
    if not source.is_file():
        raise BackupError(f"{source}: no such file")
    with source.open("rb") as fh:
        head = fh.read(16)
    if url.get_backend_name() == "sqlite":
        if head != SQLITE_MAGIC:
            raise BackupError(
                f"{source} is not a SQLite backup (made by `parvis backup` on SQLite)"
            )
        with closing(sqlite3.connect(source)) as saved, closing(_sqlite(url.database)) as live:
            saved.backup(live)
        return
    if not head.startswith(PG_MAGIC):
        raise BackupError(f"{source} is not a PostgreSQL backup (made by `parvis backup`)")
    _run_pg(
        "pg_restore",
        ["--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction"],
        url,
        str(source),
    )


def _sqlite(path: str | None) -> sqlite3.Connection:
    if not path or path == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return sqlite3.connect(path, timeout=30)


def _run_pg(tool: str, args: list[str], url: URL, *extra: str) -> None:
    program = shutil.which(tool)
    if program is None:
        raise BackupError(
            f"{tool} is not installed: install the PostgreSQL client tools of your server's "
            "version (Debian and Ubuntu: apt install postgresql-client), then run this again."
        )
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    libpq = url.set(drivername="postgresql", password=None)
    conninfo = libpq.render_as_string(hide_password=False)
    done = subprocess.run(
        [program, *args, f"--dbname={conninfo}", *extra], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise BackupError(f"{tool} failed: {done.stderr.strip() or done.returncode}")
