"""Council ballots over real HTTP: ``parvis serve`` (1 and 2 workers) on PostgreSQL against a bare
Starlette route doing one INSERT per request, measured in the same run.

Each ballot is a new TCP connection carrying a signed-in session cookie (its server-side row
recorded as a log-in records it) and the CSRF token, posted to a council call's ballot
(``/s/<space>/idea_call/<id>/vote``, approval of 3 projects among 20): the view checks the
permission and phase, the projects named, and writes the ballot and its choices in one
transaction. The baseline (``bench_election_http:baseline_app``) parses the same form and INSERTs
one row. For each target: ballots per second, server CPU time per ballot (user + system of the
server and its workers, from /proc), the HTTP statuses, lost ballots (accepted answers without
their ballot row) and duplicated ones (more rows than voters). Then, in-process: the SQL
statements of one ballot (listed) and the CPU time per ballot through the ASGI app.

    .venv/bin/python bench/bench_council_http.py                    # 1500 ballots per target
    .venv/bin/python bench/bench_council_http.py --ballots 3000 --concurrency 16 --workers 1,2

Needs PostgreSQL on postgres@127.0.0.1:5432 (trust auth): a database ``parvis_bench_<random>``
is created and dropped.
"""

from __future__ import annotations

import asyncio
import os
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
from bench_election_http import BASELINE

N_IDEAS = 20


def build(url: str, voters: int) -> dict[str, Any]:
    """Demo town, a council call in its vote phase with ``N_IDEAS`` feasible projects, and
    ``voters`` confirmed residents (bulk-inserted, with their log-in session rows)."""
    from sqlalchemy import select

    from parvis.db import utcnow
    from parvis.demo import load_demo
    from parvis.models import Module, Space, Town
    from parvis_council_space.config import CallConfig
    from parvis_council_space.models import Idea

    parvis = demo_app(url).state.parvis
    with parvis.db.session() as session:
        load_demo(parvis, session)
        town = session.scalar(select(Town).where(Town.slug == "brise"))
        space = Space(
            town_id=town.id, slug="bench-council", title="Banc", kind="council", published=True
        )
        session.add(space)
        session.flush()
        module = Module(space_id=space.id, type="idea_call", slug="b", title="Banc", phase="vote")
        module.published = True
        CallConfig(ballot_rule="approval", max_projects=5).save(module)
        session.add(module)
        session.flush()
        ideas = [
            Idea(
                module_id=module.id,
                title=f"Projet {i}",
                description="Texte",
                estimated_cost=1000 + i,
                status="feasible",
            )
            for i in range(N_IDEAS)
        ]
        session.add_all(ideas)
        session.flush()
        now = utcnow()
        rows = [
            {
                "town_id": town.id,
                "email": f"council{n}@bench.local",
                "password_hash": "x",
                "display_name": f"Votant {n}",
                "confirmed_at": now,
            }
            for n in range(voters)
        ]
        ids = add_signed_in_voters(session, rows)
        info = {
            "path": f"/s/bench-council/idea_call/{module.id}/vote",
            "ideas": [i.id for i in ideas],
            "users": ids,
            "module_id": module.id,
        }
    parvis.db.dispose()
    return info


def body(info: dict[str, Any], i: int) -> str:
    ideas = info["ideas"]
    chosen = [ideas[i % N_IDEAS], ideas[(i + 7) % N_IDEAS], ideas[(i + 13) % N_IDEAS]]
    return "".join(f"idea={c}&" for c in chosen) + f"csrf_token={CSRF}"


def count_ballots(url: str, module_id: int | None) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        if module_id is None:
            count = conn.scalar(text("SELECT count(*) FROM bench_baseline"))
        else:
            count = conn.scalar(
                text("SELECT count(*) FROM council_space_ballots WHERE module_id = :m"),
                {"m": module_id},
            )
    engine.dispose()
    return int(count or 0)


def in_process(url: str, info: dict[str, Any], users: list[int], n: int) -> dict[str, Any]:
    """N ballots through the ASGI app in this thread (the view inline): statements of one ballot
    and CPU time per ballot, then the Python function calls of one more (cProfile, from
    ``asyncio.run`` down: the event loop's calls are counted too)."""
    import cProfile
    import pstats

    app = signed_app(url)
    with inline_views():
        path = info["path"]
        cast_before = count_ballots(url, info["module_id"])
        # First ballots warm the caches (templates, rules) and are not counted.
        for uid in users[:5]:
            asyncio.run(asgi_post(app, path, body(info, uid).encode(), cookie(uid)))
        with app.state.parvis.db.count_queries() as counter:
            status = asyncio.run(asgi_post(app, path, body(info, 1).encode(), cookie(users[5])))
        start_cpu = time.process_time()
        for i, uid in enumerate(users[6 : n + 6]):
            asyncio.run(asgi_post(app, path, body(info, i).encode(), cookie(uid)))
        cpu = (time.process_time() - start_cpu) / n * 1000
        profiler = cProfile.Profile()
        profiler.enable()
        asyncio.run(asgi_post(app, path, body(info, 2).encode(), cookie(users[n + 6])))
        profiler.disable()
        calls = sum(row[1] for row in pstats.Stats(profiler).stats.values())
    check_all_cast(cast_before, count_ballots(url, info["module_id"]), 5 + 1 + n + 1)
    app.state.parvis.db.dispose()
    return {"status": status, "statements": counter.statements, "cpu_ms": cpu, "calls": calls}


def main() -> None:
    parser = ballot_options(__doc__.split("\n\n")[0])
    parser.add_argument("--in-process", type=int, default=300, help="ballots timed in-process")
    args = parser.parse_args()
    workers = [int(w) for w in args.workers.split(",")]
    with ballot_database() as url:
        info = build(url, args.ballots * len(workers) + args.in_process + 7)
        users = iter(info["users"])

        def requests(target: str) -> list[bytes]:
            if target == "baseline":
                return [
                    post("/insert", f"candidate={i % 12}&csrf_token={CSRF}", None)
                    for i in range(args.ballots)
                ]
            voters = [next(users) for _ in range(args.ballots)]
            return [post(info["path"], body(info, i), cookie(uid)) for i, uid in enumerate(voters)]

        def rows(target: str) -> int:
            return count_ballots(url, info["module_id"] if target == "parvis" else None)

        table = serve_rounds(url, SECRET, workers, requests, rows, args.concurrency, BASELINE)
        for row in table:
            written = row["after"] - row["before"]
            row["lost"] = max(0, row["accepted"] - written)
            row["duplicated"] = max(0, written - row["accepted"])
        load = os.getloadavg()
        print(f"\n{args.ballots} council ballots per target, {args.concurrency} concurrent "
              f"connections, a new connection per ballot; load average {load[0]:.1f} "
              f"{load[1]:.1f}")  # fmt: skip
        print(f"{'target':9} {'workers':>7} {'ballots/s':>10} {'CPU ms':>7} {'lost':>5} "
              f"{'dup':>4}  statuses")  # fmt: skip
        for row in table:
            print(
                f"{row['target']:9} {row['workers']:>7} {row['per_s']:>10.0f} "
                f"{row['cpu_ms']:>7.2f} {row['lost']:>5} {row['duplicated']:>4}  "
                f"{row['statuses']}{of_baseline(table, row)}"
            )
        found = in_process(url, info, list(users), args.in_process)
        print(
            f"\nIn-process (ASGI app, view inline, one thread): {found['cpu_ms']:.2f} ms CPU per "
            f"ballot over {args.in_process} ballots; one ballot (status {found['status']}): "
            f"{len(found['statements'])} SQL statements plus the commit:"
        )
        for statement in found["statements"]:
            print("  " + " ".join(statement.split())[:140])
        print(f"Python function calls of one more ballot: {found['calls']:,}")


if __name__ == "__main__":
    main()
