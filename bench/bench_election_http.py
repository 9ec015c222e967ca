"""Ballots over real HTTP: ``parvis serve`` (1 and 2 workers) on PostgreSQL against a bare
Starlette route doing one INSERT per request, measured in the same run.

Each ballot is a new TCP connection carrying a signed-in session cookie and the CSRF token, posted
to the election's ballot with ``step=cast``: the view checks the phase, the eligibility (core's
verification), the candidates, and writes the participation and the ballot in one transaction.
The baseline parses the same form and INSERTs one row. For each target: ballots per second,
server CPU time per ballot (user + system of the server and its workers, from /proc), the HTTP
statuses, and lost ballots (accepted answers without their rows, or rows without both halves).

    .venv/bin/python bench/bench_election_http.py                   # 1500 ballots per target
    .venv/bin/python bench/bench_election_http.py --ballots 3000 --concurrency 16 --workers 1,2

Needs PostgreSQL on postgres@127.0.0.1:5432 (trust auth): a database ``parvis_bench_<random>``
is created and dropped. ``--profile N`` then sends N ballots through the ASGI app in-process and
prints the SQL statements per ballot, the CPU per ballot in-process, and the top functions by
cumulative CPU time.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import secrets
import time
from typing import Any

from _ballots import (
    CSRF,
    SECRET,
    add_signed_in_voters,
    asgi_post,
    ballot_database,
    ballot_options,
    check_all_cast,
    cookie,
    demo_app,
    signed_app,
)
from _load import inline_views
from _serve import of_baseline, post, serve_rounds

BASELINE = "bench_election_http:baseline_app"


# --- data ---------------------------------------------------------------------------------------


def build(url: str, voters: int) -> dict[str, Any]:
    """Demo town, an election open for voting in one neighbourhood, ``voters`` verified residents
    of it (bulk-inserted: one password hash for all, nobody logs in through argon2)."""
    from sqlalchemy import insert, select

    from parvis.db import utcnow
    from parvis.demo import load_demo
    from parvis.models import Area, Module, Space, Town, Verification
    from parvis_election.config import ElectionConfig
    from parvis_election.models import Candidacy, Constituency

    parvis = demo_app(url).state.parvis
    with parvis.db.session() as session:
        load_demo(parvis, session)
        town = session.scalar(select(Town).where(Town.slug == "brise"))
        area = session.scalar(select(Area).where(Area.town_id == town.id).order_by(Area.position))
        space = Space(town_id=town.id, slug="bench-election", title="Banc", published=True)
        session.add(space)
        session.flush()
        module = Module(
            space_id=space.id, type="council_election", slug="e", title="Banc", phase="voting"
        )
        session.add(module)
        session.flush()
        ElectionConfig(method="block", min_age=16).save(module)
        constituency = Constituency(module_id=module.id, area_id=area.id, seats=3)
        session.add(constituency)
        session.flush()
        cands = [
            Candidacy(
                module_id=module.id,
                constituency_id=constituency.id,
                name=f"Candidat {i}",
                status="accepted",
            )
            for i in range(12)
        ]
        session.add_all(cands)
        session.flush()
        now = utcnow()
        rows = [
            {
                "town_id": town.id,
                "email": f"bench{n}@bench.local",
                "password_hash": "x",
                "display_name": f"Votant {n}",
                "area_id": area.id,
                "confirmed_at": now,
                "birth_date": dt.date(1980, 1, 1),
            }
            for n in range(voters)
        ]
        ids = add_signed_in_voters(session, rows)
        session.execute(
            insert(Verification),
            [
                {
                    "town_id": town.id,
                    "user_id": uid,
                    "person_key": secrets.token_hex(32),
                    "area_id": area.id,
                    "birth_date": dt.date(1980, 1, 1),
                    "method": "counter",
                    "verified_at": now,
                }
                for uid in ids
            ],
        )
        info = {
            "path": f"/s/bench-election/council_election/{module.id}/vote",
            "candidates": [c.id for c in cands],
            "users": ids,
            "module_id": module.id,
        }
    parvis.db.dispose()
    return info


def baseline_app() -> Any:
    """``uvicorn --factory bench_election_http:baseline_app``: parse the form, INSERT one row."""
    from sqlalchemy import create_engine, text
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import RedirectResponse
    from starlette.routing import Route

    engine = create_engine(os.environ["BENCH_URL"], pool_size=10)

    def insert(choice: str) -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bench_baseline (choice) VALUES (:c)"), {"c": choice})

    async def endpoint(request: Request) -> Any:
        form = await request.form()
        await run_in_threadpool(insert, str(form.get("candidate", "")))
        return RedirectResponse("/done", status_code=303)

    return Starlette(routes=[Route("/insert", endpoint, methods=["POST"])])


def count_rows(url: str, module_id: int | None) -> tuple[int, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        if module_id is None:
            rows = conn.scalar(text("SELECT count(*) FROM bench_baseline"))
            engine.dispose()
            return rows, rows
        p = conn.scalar(
            text("SELECT count(*) FROM election_participations WHERE module_id = :m"),
            {"m": module_id},
        )
        b = conn.scalar(text("SELECT count(*) FROM election_ballots"))
    engine.dispose()
    return p, b


# --- where the time goes ------------------------------------------------------------------------


def profile(url: str, info: dict[str, Any], users: list[int], n: int) -> None:
    with inline_views():
        _profile(url, info, users, n)


def _profile(url: str, info: dict[str, Any], users: list[int], n: int) -> None:
    """N ballots through the ASGI app in this thread (the view, normally in the thread pool,
    runs inline so that cProfile sees it): SQL statements of one ballot, then the profile."""
    import cProfile
    import pstats

    app = signed_app(url)
    body = f"candidate={info['candidates'][0]}&step=cast&csrf_token={CSRF}".encode()
    # The first ballots of a process read what it then keeps (rules, the candidates): they are
    # counted apart, the next one is every ballot's.
    for warm in (True, False):
        with app.state.parvis.db.count_queries() as counter:
            status = asyncio.run(asgi_post(app, info["path"], body, cookie(users.pop())))
        if warm:
            first = counter.count
    print(f"\nOne ballot ({status}): {counter.count} SQL statements ({first} in a new process)")
    for statement in counter.statements:
        print("  " + " ".join(statement.split())[:150])
    cast_before = count_rows(url, info["module_id"])[0]
    # CPU of the app alone (no HTTP parsing, no profiler): N ballots, one after the other.
    cpu_at, wall_at = time.process_time(), time.perf_counter()
    for uid in users[:n]:
        asyncio.run(asgi_post(app, info["path"], body, cookie(uid)))
    cpu, wall = time.process_time() - cpu_at, time.perf_counter() - wall_at
    print(f"in-process, not profiled: {cpu / n * 1000:.2f} ms CPU, {wall / n * 1000:.2f} ms/ballot")
    # CPU clock: waits on the database do not count, so the profile says where the CPU goes.
    profiler = cProfile.Profile(time.process_time)
    start_at = time.perf_counter()
    profiler.enable()
    for uid in users[n : 2 * n]:
        asyncio.run(asgi_post(app, info["path"], body, cookie(uid)))
    profiler.disable()
    elapsed = (time.perf_counter() - start_at) / n * 1000
    check_all_cast(cast_before, count_rows(url, info["module_id"])[0], 2 * n)
    print(f"in-process, profiled (CPU clock): {elapsed:.2f} ms/ballot")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    app.state.parvis.db.dispose()


# --- main ---------------------------------------------------------------------------------------


def main() -> None:
    parser = ballot_options(__doc__.split("\n\n")[0])
    parser.add_argument("--profile", type=int, default=0, help="profile N ballots in-process")
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",")]
    with ballot_database() as url:
        info = build(url, args.ballots * len(workers) + 2 * args.profile + 2)
        users = iter(info["users"])
        choice = info["candidates"]

        def requests(target: str) -> list[bytes]:
            if target == "baseline":
                return [
                    post("/insert", f"candidate={i % 12}&step=cast&csrf_token={CSRF}", None)
                    for i in range(args.ballots)
                ]
            return [
                post(
                    info["path"],
                    f"candidate={choice[i % 12]}&candidate={choice[(i + 5) % 12]}"
                    f"&step=cast&csrf_token={CSRF}",
                    cookie(next(users)),
                )
                for i in range(args.ballots)
            ]

        def rows(target: str) -> tuple[int, int]:
            return count_rows(url, info["module_id"] if target == "parvis" else None)

        table = serve_rounds(url, SECRET, workers, requests, rows, args.concurrency, BASELINE)
        for row in table:
            written = (row["after"][0] - row["before"][0], row["after"][1] - row["before"][1])
            row["lost"] = row["accepted"] - min(written)
            row["halves_differ"] = written[0] != written[1]
        load = os.getloadavg()
        print(f"\n{args.ballots} ballots per target, {args.concurrency} concurrent connections, "
              f"a new connection per ballot; load average {load[0]:.1f} {load[1]:.1f}")  # fmt: skip
        print(f"{'target':9} {'workers':>7} {'ballots/s':>10} {'CPU ms':>7} {'lost':>5}  statuses")
        for row in table:
            print(
                f"{row['target']:9} {row['workers']:>7} {row['per_s']:>10.0f} "
                f"{row['cpu_ms']:>7.2f} {row['lost']:>5}  {row['statuses']}"
                + of_baseline(table, row)
                + ("  PARTICIPATIONS != BALLOTS" if row["halves_differ"] else "")
            )
        if args.profile:
            profile(url, info, list(users), args.profile)


if __name__ == "__main__":
    main()
