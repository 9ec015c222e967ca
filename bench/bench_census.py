"""Benchmark of the census (town list) import: time and peak memory for 50,000 generated rows.

    .venv/bin/python bench/bench_census.py [--rows 50000] [--database sqlite|postgres|both]

For each database, on a fresh schema with one town and 8 neighbourhoods, it measures in one run:

- baseline 1, **CSV parsing alone**: the rows read one at a time (``census_file.iter_rows``);
- baseline 2, **parsing + checks + person keys**: every row validated and its HMAC computed, no
  database (what the import does in Python);
- the **first import** (50,000 new people), then a **re-import** of the same file (50,000 updates,
  nobody left), each through ``census_import.run_import`` as the staff page runs it.

Time (wall, and CPU of this process: steadier on a busy machine) is measured without tracemalloc
(it slows Python down); peak memory (Python allocations,
tracemalloc) on a second, identical run on a fresh database. The generated file has 1 bad line in
1,000 (an impossible date), which must come back as 50 refused lines.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import random
import shutil
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

SECRET = "bench-secret-key-bench-secret-key-bench-secret-key"
AREAS = ["Centre-ville", "Les Tilleuls", "Gare-Faubourg", "Les Coteaux", "Port-Neuf", "Val-Fleuri"]
MAPPING = {
    "family_name": 0,
    "given_names": 1,
    "birth_date": 2,
    "address": 3,
    "postcode": 4,
    "area": 5,
}


def make_csv(rows: int, seed: int = 8) -> bytes:
    rng = random.Random(seed)
    lines = ["Nom;Prénoms;Date de naissance;Adresse;Code postal;Quartier"]
    for n in range(rows):
        birth = dt.date(1925, 1, 1) + dt.timedelta(days=rng.randrange(33_000))
        date = "31/02/1990" if n % 1000 == 7 else birth.strftime("%d/%m/%Y")
        lines.append(
            f"Nom{n};Prénom{n} Élise;{date};{rng.randint(1, 300)} rue des Lilas;44100;"
            f"{rng.choice(AREAS)}"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="parvis_bench_")
        try:
            yield f"sqlite:///{folder}/bench.db"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    import secrets

    import psycopg

    name = f"parvis_bench_{secrets.token_hex(4)}"
    admin = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_parvis(url: str, instance: str) -> Any:
    from sqlalchemy import create_engine

    from parvis import migrate
    from parvis.app import create_app
    from parvis.config import Config
    from parvis.models import Area
    from parvis.towns import create_town

    engine = create_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    config = Config(database_url=url, secret_key=SECRET, instance_dir=instance, mail_backend="null")
    parvis = create_app(config).state.parvis
    with parvis.db.session() as session:
        town = create_town(
            session,
            name="Bench",
            slug="bench",
            hosts=["bench.local"],
            plugins=[],
            admin_email="admin@bench.local",
            admin_password="bench password 123",
        )
        for i, name in enumerate(AREAS):
            session.add(Area(town_id=town.id, slug=f"a{i}", name=name, position=i))
    return parvis


def queue(parvis: Any, data: bytes) -> int:
    from parvis.verification.models import CensusImport

    with parvis.db.session() as session:
        imp = CensusImport(
            town_id=1,
            filename="bench.csv",
            data=data,
            encoding="utf-8-sig",
            delimiter=";",
            mapping=MAPPING,
            status="queued",
        )
        session.add(imp)
        session.flush()
        return imp.id


def parse_only(data: bytes) -> int:
    from parvis.verification import census_file as cf

    return sum(1 for _ in cf.iter_rows(data, "utf-8-sig", ";"))


def parse_and_key(data: bytes) -> int:
    from parvis.verification import census_file as cf
    from parvis.verification.records import person_key

    today = dt.date.today()
    good = 0
    for _line, cells in cf.iter_rows(data, "utf-8-sig", ";"):
        birth = cf.parse_birth_date(cells[2], today)
        if birth is None:
            continue
        person_key(SECRET, 1, family_name=cells[0], given_names=cells[1], birth_date=birth)
        good += 1
    return good


def measure(func: Callable[[], Any], memory: bool) -> tuple[tuple[float, float], float, Any]:
    """((wall seconds, CPU seconds of this process), peak MiB or 0, result).

    CPU time counts this process only (not the database server's): on a busy machine it is far
    steadier than wall time."""
    if memory:
        tracemalloc.start()
    start, cpu = time.perf_counter(), time.process_time()
    result = func()
    seconds = (time.perf_counter() - start, time.process_time() - cpu)
    peak = 0.0
    if memory:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return seconds, peak, result


def one_pass(kind: str, data: bytes, memory: bool) -> dict[str, tuple[Any, float]]:
    from parvis.verification.census_import import run_import
    from parvis.verification.models import CensusImport

    results: dict[str, tuple[Any, float]] = {}
    seconds, peak, count = measure(lambda: parse_only(data), memory)
    results["baseline: parse CSV"] = (seconds, peak)
    seconds, peak, good = measure(lambda: parse_and_key(data), memory)
    results["baseline: parse + check + person keys"] = (seconds, peak)
    with database(kind) as url:
        instance = tempfile.mkdtemp(prefix="parvis_bench_instance_")
        parvis = make_parvis(url, instance)
        try:
            for label in ("first import", "re-import (updates)"):
                import_id = queue(parvis, data)
                seconds, peak, _ = measure(lambda i=import_id: run_import(parvis, i), memory)
                with parvis.db.session() as session:
                    imp = session.get(CensusImport, import_id)
                    assert imp.status == "done", imp.status
                    assert imp.imported_rows == good and imp.error_count == count - good
                results[label] = (seconds, peak)
        finally:
            parvis.db.dispose()
            shutil.rmtree(instance, ignore_errors=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    data = make_csv(args.rows)
    print(f"{args.rows:,} rows, {len(data) / 2**20:.1f} MiB CSV, 1 bad line in 1,000")
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    for kind in kinds:
        timed = one_pass(kind, data, memory=False)
        traced = one_pass(kind, data, memory=True)
        print(f"\n{kind}")
        print(f"  {'step':<40} {'wall (s)':>9} {'CPU (s)':>9} {'rows/s':>9} {'peak MiB':>9}")
        for label, ((wall, cpu), _) in timed.items():
            peak = traced[label][1]
            rate = args.rows / wall
            print(f"  {label:<40} {wall:>9.2f} {cpu:>9.2f} {rate:>9,.0f} {peak:>9.1f}")


if __name__ == "__main__":
    main()
