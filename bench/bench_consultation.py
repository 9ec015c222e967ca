"""Benchmark of the consultation plugin.

1. Results page of a survey with 10 questions and 100,000 responses: time to render through the
   ASGI app (TestClient): the first view of a fresh app (cold) and the median of several
   (warm), beside the baseline in the same run, grouping every answer once (what each view did
   before the running tallies); SQL queries per page, peak Python memory (tracemalloc) while
   rendering; the CSV export's time and its server-side peak memory while streaming.
2. Concurrent submissions against PostgreSQL: N threads of distinct accounts each validating and
   saving responses through ``answers.validate`` + ``responses.save_response``; responses per
   second, and a check that nothing is lost and that one account hammering in parallel still
   has one response.

Usage::

    .venv/bin/python bench/bench_consultation.py                       # SQLite + PostgreSQL
    .venv/bin/python bench/bench_consultation.py --database-url URL    # results page on URL
    .venv/bin/python bench/bench_consultation.py --responses 20000 --skip-postgres

Each database is created for the run and dropped afterwards (PostgreSQL: a temporary database
on the server of ``--postgres-url``; SQLite: a temporary file).
"""

from __future__ import annotations

import argparse
import random
import statistics
import threading
import time
import tracemalloc
from typing import Any

from _databases import PG_DEFAULT, migrated_app, temp_database
from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url

HOST = "bench.local"
ADMIN_PASSWORD = "bench admin password"


def build_survey(app: Any) -> dict[str, Any]:
    """A town, 8 areas, a space and a survey of 10 questions covering the kinds."""
    from parvis.models import Area, Module, Space
    from parvis.towns import create_town
    from parvis_consultation.models import CHOICE, ROW, Option, Question, Section, Survey

    parvis = app.state.parvis
    with parvis.db.session() as s:
        town = create_town(
            s,
            name="Benchville",
            slug="bench",
            hosts=[HOST],
            plugins=["consultation"],
            admin_email=f"admin@{HOST}",
            admin_password=ADMIN_PASSWORD,
        )
        areas = [
            Area(town_id=town.id, slug=f"a{i}", name=f"Area {i}", position=i) for i in range(8)
        ]
        space = Space(town_id=town.id, slug="bench", title="Bench", published=True)
        s.add_all([*areas, space])
        s.flush()
        module = Module(space_id=space.id, type="survey", slug="big", title="Big", phase="open")
        s.add(module)
        s.flush()
        s.add(Survey(module_id=module.id))
        section = Section(module_id=module.id, title="All", position=1)
        s.add(section)
        s.flush()
        spec = [
            ("single", 4, 0, {}),
            ("single", 4, 0, {}),
            ("single", 4, 0, {"allow_other": True}),
            ("multiple", 5, 0, {"max_choices": 3}),
            ("multiple", 5, 0, {}),
            ("scale", 0, 0, {"scale_max": 10}),
            ("number", 0, 0, {"min_value": 0, "max_value": 100}),
            ("ranking", 3, 0, {}),
            ("matrix", 3, 3, {}),
            ("long_text", 0, 0, {}),
        ]
        questions = []
        for pos, (kind, n_opts, n_rows, extra) in enumerate(spec):
            q = Question(
                module_id=module.id,
                section_id=section.id,
                kind=kind,
                label=f"Q{pos + 1} {kind}",
                position=pos,
                **extra,
            )
            s.add(q)
            s.flush()
            opts = [
                Option(question_id=q.id, role=CHOICE, label=f"Option {i + 1}", position=i)
                for i in range(n_opts)
            ]
            rows = [
                Option(question_id=q.id, role=ROW, label=f"Row {i + 1}", position=i)
                for i in range(n_rows)
            ]
            s.add_all(opts + rows)
            s.flush()
            questions.append((q.id, kind, [o.id for o in opts], [r.id for r in rows]))
        return {
            "town_id": town.id,
            "module_id": module.id,
            "space": space.slug,
            "areas": [a.id for a in areas],
            "questions": questions,
        }


def answer_rows(rng: random.Random, questions: list[Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for qid, kind, opts, row_ids in questions:
        if kind == "single":
            rows.append({"question_id": qid, "option_id": rng.choice(opts)})
        elif kind == "multiple":
            for option in rng.sample(opts, rng.randint(1, 3)):
                rows.append({"question_id": qid, "option_id": option})
        elif kind == "scale":
            rows.append({"question_id": qid, "number": float(rng.randint(1, 10))})
        elif kind == "number":
            rows.append({"question_id": qid, "number": float(rng.randint(0, 100))})
        elif kind == "ranking":
            for rank, option in enumerate(rng.sample(opts, len(opts)), start=1):
                rows.append({"question_id": qid, "option_id": option, "rank": rank})
        elif kind == "matrix":
            for row in row_ids:
                rows.append({"question_id": qid, "row_id": row, "option_id": rng.choice(opts)})
        elif kind == "long_text" and rng.random() < 0.3:
            rows.append({"question_id": qid, "text": f"Idea number {rng.randint(1, 10**6)}"})
    return rows


def bulk_responses(app: Any, built: dict[str, Any], count: int, batch: int = 5000) -> int:
    """Insert ``count`` anonymous responses and their answers with bulk inserts."""
    from parvis_consultation.models import Answer, Response

    rng = random.Random(42)
    defaults = {
        "option_id": None,
        "row_id": None,
        "is_other": False,
        "text": None,
        "number": None,
        "date": None,
        "rank": None,
        "hidden": False,
    }
    db = app.state.parvis.db
    module_id = built["module_id"]
    total_answers = 0
    from parvis.db import utcnow

    now = utcnow()
    for start in range(0, count, batch):
        size = min(batch, count - start)
        with db.session() as s:
            first_id = (
                s.scalar(select(Response.id).order_by(Response.id.desc()).limit(1)) or 0
            ) + 1
            s.execute(
                insert(Response),
                [
                    {
                        "id": first_id + i,
                        "module_id": module_id,
                        "token_hash": f"{start + i:064x}",
                        "area_id": rng.choice(built["areas"]),
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i in range(size)
                ],
            )
            answers = []
            for i in range(size):
                for row in answer_rows(rng, built["questions"]):
                    answers.append(
                        {**defaults, **row, "response_id": first_id + i, "module_id": module_id}
                    )
            s.execute(insert(Answer), answers)
            total_answers += len(answers)
    if db.dialect == "postgresql":
        with db.engine.connect() as conn:
            conn.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('consultation_responses', "
                    "'id'), (SELECT max(id) FROM consultation_responses))"
                )
            )
            conn.execute(text("ANALYZE"))
            conn.commit()
    return total_answers


def bench_results(url: str, responses: int, runs: int) -> dict[str, Any]:
    from starlette.testclient import TestClient

    from parvis.testing import login
    from parvis_consultation import tallies

    with temp_database(url) as db_url:
        app = migrated_app(db_url, ["consultation"])
        try:
            built = build_survey(app)
            t0 = time.perf_counter()
            answers = bulk_responses(app, built, responses)
            load_s = time.perf_counter() - t0
            # The bulk load bypasses save_response: count the tallies once, by grouping every
            # answer, which is what each results view did before the tallies (the baseline).
            t0 = time.perf_counter()
            with app.state.parvis.db.session() as s:
                tallies.rebuild(s, built["module_id"])
            group_s = time.perf_counter() - t0
            page = f"/s/{built['space']}/survey/{built['module_id']}/results"
            with TestClient(app, base_url=f"http://{HOST}") as client:
                login(client, f"admin@{HOST}", ADMIN_PASSWORD)
                t0 = time.perf_counter()
                first = client.get(page)
                first_ms = (time.perf_counter() - t0) * 1000
                assert first.status_code == 200, first.status_code
                assert "100" in first.text
                times = []
                for _ in range(runs):
                    t = time.perf_counter()
                    r = client.get(page)
                    times.append(time.perf_counter() - t)
                    assert r.status_code == 200
                area_times = []
                for area in built["areas"][:3]:
                    t = time.perf_counter()
                    assert client.get(page + f"?area={area}").status_code == 200
                    area_times.append(time.perf_counter() - t)
                with app.state.parvis.db.count_queries() as counter:
                    client.get(page)
                tracemalloc.start()
                client.get(page)
                _current, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                t = time.perf_counter()
                csv_response = client.get(page.replace("results", "export.csv"))
                csv_s = time.perf_counter() - t
                assert csv_response.status_code == 200
                csv_peak = export_peak(app, built["module_id"])
        finally:
            app.state.parvis.db.dispose()
    return {
        "database": make_url(db_url).get_backend_name(),
        "responses": responses,
        "answers": answers,
        "load_s": load_s,
        "group_s": group_s,
        "first_ms": first_ms,
        "csv_peak_mib": csv_peak / 2**20,
        "median_ms": statistics.median(times) * 1000,
        "min_ms": min(times) * 1000,
        "area_median_ms": statistics.median(area_times) * 1000,
        "queries": counter.count,
        "peak_mib": peak / 2**20,
        "csv_s": csv_s,
        "csv_mib": len(csv_response.content) / 2**20,
    }


def export_peak(app: Any, module_id: int) -> int:
    """Peak Python memory (tracemalloc) while streaming the CSV export server-side."""
    from parvis_consultation import exports
    from parvis_consultation.structure import load_structure

    with app.state.parvis.db.session(write=False) as s:
        structure = load_structure(s, module_id)
        tracemalloc.start()
        for _chunk in exports.export_csv(s, structure, module_id):
            pass
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak


def bench_concurrency(pg_url: str, users: int, threads: int) -> dict[str, Any]:
    from parvis.db import utcnow
    from parvis.models import User
    from parvis_consultation.answers import validate
    from parvis_consultation.models import Answer, Response
    from parvis_consultation.responses import save_response
    from parvis_consultation.structure import load_structure

    with temp_database(pg_url) as db_url:
        app = migrated_app(db_url, ["consultation"])
        try:
            built = build_survey(app)
            db = app.state.parvis.db
            with db.session() as s:
                now = utcnow()
                s.execute(
                    insert(User),
                    [
                        {
                            "town_id": built["town_id"],
                            "email": f"u{i}@{HOST}",
                            "password_hash": "x",
                            "display_name": f"U{i}",
                            "confirmed_at": now,
                            "session_epoch": 0,
                            "created_at": now,
                        }
                        for i in range(users)
                    ],
                )
                ids = list(
                    s.scalars(
                        select(User.id).where(User.email.like(f"u%@{HOST}")).order_by(User.id)
                    )
                )
            with db.session() as s:
                structure = load_structure(s, built["module_id"])
            values = _form_values(built)
            assert validate(structure, values).ok
            errors: list[BaseException] = []
            chunks = [ids[i::threads] for i in range(threads)]
            barrier = threading.Barrier(threads)

            def work(chunk: list[int]) -> None:
                try:
                    barrier.wait()
                    for uid in chunk:
                        parsed = validate(structure, values)
                        with db.session() as s:
                            save_response(s, built["module_id"], parsed.rows, user_id=uid)
                except BaseException as exc:
                    errors.append(exc)

            pool = [threading.Thread(target=work, args=(c,)) for c in chunks]
            t0 = time.perf_counter()
            for t in pool:
                t.start()
            for t in pool:
                t.join()
            elapsed = time.perf_counter() - t0
            # One account submitting from every thread at once.
            same = ids[0]
            hammer_barrier = threading.Barrier(threads)

            def hammer() -> None:
                try:
                    hammer_barrier.wait()
                    for _ in range(10):
                        parsed = validate(structure, values)
                        with db.session() as s:
                            save_response(s, built["module_id"], parsed.rows, user_id=same)
                except BaseException as exc:
                    errors.append(exc)

            pool = [threading.Thread(target=hammer) for _ in range(threads)]
            for t in pool:
                t.start()
            for t in pool:
                t.join()
            with db.session() as s:
                stored = s.scalar(select(text("count(*)")).select_from(Response.__table__))
                mine = s.scalar(
                    select(text("count(*)"))
                    .select_from(Response.__table__)
                    .where(Response.user_id == same)
                )
                answer_sets = s.scalar(
                    select(text("count(*)"))
                    .select_from(Answer.__table__)
                    .join(Response.__table__, Response.id == Answer.response_id)
                    .where(Response.user_id == same)
                )
                per_response = len(validate(structure, values).rows)
        finally:
            app.state.parvis.db.dispose()
    return {
        "users": users,
        "threads": threads,
        "seconds": elapsed,
        "per_second": users / elapsed,
        "stored": stored,
        "errors": len(errors),
        "same_account_responses": mine,
        "same_account_answers_ok": answer_sets == per_response,
    }


def _form_values(built: dict[str, Any]) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for qid, kind, opts, row_ids in built["questions"]:
        key = f"q{qid}"
        if kind == "single":
            values[key] = [str(opts[0])]
        elif kind == "multiple":
            values[key] = [str(opts[0]), str(opts[1])]
        elif kind == "scale":
            values[key] = ["7"]
        elif kind == "number":
            values[key] = ["42"]
        elif kind == "ranking":
            for rank, option in enumerate(opts, start=1):
                values[f"{key}_o{option}"] = [str(rank)]
        elif kind == "matrix":
            for row in row_ids:
                values[f"{key}_r{row}"] = [str(opts[1])]
        elif kind == "long_text":
            values[key] = ["A bench idea"]
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        help="database for the results page (default: "
        "a temp SQLite file and a temp PostgreSQL database)",
    )
    parser.add_argument("--postgres-url", default=PG_DEFAULT)
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()

    targets = [args.database_url] if args.database_url else [None]
    if not args.database_url and not args.skip_postgres:
        targets.append(args.postgres_url)
    print(
        f"Results page: survey of 10 questions, {args.responses:,} responses, "
        f"median of {args.runs} renders"
    )
    print(
        f"{'db':<11}{'answers':>10}{'load s':>9}{'group ms':>10}{'first ms':>10}{'median ms':>11}"
        f"{'min ms':>9}{'area ms':>9}{'queries':>9}{'peak MiB':>10}{'CSV s':>8}{'CSV MiB':>9}"
        f"{'CSV peak MiB':>14}"
    )
    for target in targets:
        r = bench_results(target, args.responses, args.runs)
        print(
            f"{r['database']:<11}{r['answers']:>10,}{r['load_s']:>9.1f}{r['group_s'] * 1000:>10.0f}"
            f"{r['first_ms']:>10.0f}{r['median_ms']:>11.0f}"
            f"{r['min_ms']:>9.0f}{r['area_median_ms']:>9.0f}{r['queries']:>9}"
            f"{r['peak_mib']:>10.2f}{r['csv_s']:>8.1f}{r['csv_mib']:>9.1f}"
            f"{r['csv_peak_mib']:>14.2f}"
        )
    print(
        "group ms: grouping every answer once (what each view did before the tallies); "
        "first ms: the first view of a fresh app (cold); median: later views (warm)."
    )
    if args.skip_postgres:
        return
    print()
    print(
        f"Concurrent submissions on PostgreSQL: {args.users:,} accounts, {args.threads} threads "
        "(validate + save_response, one transaction each)"
    )
    c = bench_concurrency(args.postgres_url, args.users, args.threads)
    intact = c["same_account_answers_ok"]
    print(
        f"{'threads':>8}{'responses':>11}{'stored':>8}{'errors':>8}{'seconds':>9}{'resp/s':>9}"
        f"{'same-account rows':>19}"
    )
    print(
        f"{c['threads']:>8}{c['users']:>11,}{c['stored']:>8,}{c['errors']:>8}"
        f"{c['seconds']:>9.2f}{c['per_second']:>9.0f}"
        f"{c['same_account_responses']:>12} ({'answers intact' if intact else 'MIXED'})"
    )


if __name__ == "__main__":
    main()
