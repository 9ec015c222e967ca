"""Backup and restore of the demo town, on SQLite and PostgreSQL, through the real commands.

    .venv/bin/python bench/bench_backup.py [--database sqlite|postgresql|both] [--rounds 3]

For each database: a fresh database, migrated, with the demo town (``parvis demo``); then
``parvis backup FILE`` and ``parvis restore --yes FILE``, each run as a command in its own
process, timed (median of ``--rounds``), and the data compared row by row before and after
(the round trip must give identical data). Baseline measured in the same run: copying the
backup file (``shutil.copyfile``), i.e. the cost of the bytes alone. PostgreSQL uses a temporary
database ``parvis_bench_<random>`` on ``postgres@127.0.0.1:5432``, dropped at the end.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, select, text

ROOT = Path(__file__).resolve().parents[1]
PARVIS = [sys.executable, "-c", "from parvis.cli import main; main()"]
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


def snapshot(url: str) -> dict[str, list[str]]:
    from parvis.db import Base

    engine = create_engine(url)
    with engine.connect() as conn:
        rows = {
            t.name: sorted(repr(tuple(r)) for r in conn.execute(select(t)))
            for t in Base.metadata.sorted_tables
        }
    engine.dispose()
    return rows


def parvis(config: Path, *args: str) -> float:
    started = time.perf_counter()
    subprocess.run([*PARVIS, "--config", str(config), *args], check=True, capture_output=True)
    return time.perf_counter() - started


def bench(url: str, workdir: Path, rounds: int) -> dict[str, float | int]:
    config = workdir / "parvis.toml"
    config.write_text(
        f'database_url = "{url}"\nsecret_key = "bench"\ninstance_dir = "{workdir / "i"}"\n'
    )
    parvis(config, "db", "upgrade")
    parvis(config, "demo")
    from parvis.app import create_app
    from parvis.config import Config

    create_app(Config(database_url=url, secret_key="bench", instance_dir=str(workdir / "i")))
    before = snapshot(url)
    target = workdir / "demo.backup"
    backups = [parvis(config, "backup", str(target)) for _ in range(rounds)]
    restores = [parvis(config, "restore", "--yes", str(target)) for _ in range(rounds)]
    assert snapshot(url) == before, "the round trip changed the data"
    copies = []
    for _ in range(rounds):
        started = time.perf_counter()
        shutil.copyfile(target, workdir / "copy")
        copies.append(time.perf_counter() - started)
    return {
        "rows": sum(len(v) for v in before.values()),
        "bytes": target.stat().st_size,
        "backup_s": statistics.median(backups),
        "restore_s": statistics.median(restores),
        "copy_s": statistics.median(copies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    targets = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    for name in targets:
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            if name == "sqlite":
                result = bench(f"sqlite:///{workdir / 'parvis.db'}", workdir, args.rounds)
            else:
                db = f"parvis_bench_{uuid.uuid4().hex[:8]}"
                admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{db}"'))
                try:
                    result = bench(f"{PG_SERVER}/{db}", workdir, args.rounds)
                finally:
                    with admin.connect() as conn:
                        conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
                    admin.dispose()
        print(
            f"{name}: demo town {result['rows']} rows, backup file {result['bytes'] / 1e6:.2f} MB; "
            f"parvis backup {result['backup_s']:.2f} s, parvis restore {result['restore_s']:.2f} s "
            f"(median of {args.rounds}, each a new process); baseline file copy "
            f"{result['copy_s'] * 1000:.1f} ms; round trip identical"
        )


if __name__ == "__main__":
    main()
