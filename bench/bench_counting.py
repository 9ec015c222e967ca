"""Benchmark of the council space counting rules.

Counts 100 projects x 20,000 random approval ballots (seeded, so every run counts the same
election) with greedy, the method of equal shares (MES) and MES with the add1 completion,
and prints the wall time and the peak memory (tracemalloc) of each rule.

    .venv/bin/python bench/bench_counting.py [--voters 20000] [--projects 100] [--seed 2027]

Time is measured on a run without tracemalloc (which slows Python down), then memory on a
second run with it.

With ``--pb FILE`` it counts a real Pabulib file instead (e.g. ../shared/data/pabulib/
Poland_Warszawa_2020_Mokotow.pb): the file's own rule, then MES + add1 on every core and in
one process, then the baseline in the same run: the add1 search run by run in exact
arithmetic (the implementation before the certified floating-point search), and checks that
the winners are identical. ``--no-baseline`` skips the baseline (minutes on a loaded machine).
"""

from __future__ import annotations

import argparse
import os
import random
import time
import tracemalloc
from fractions import Fraction
from pathlib import Path

from parvis_council_space import counting
from parvis_council_space.counting.add1 import add1_run
from parvis_council_space.counting.mes import equal_shares_run
from parvis_council_space.counting.model import prepare, total_cost


def make_election(projects: int, voters: int, seed: int) -> counting.Election:
    rng = random.Random(seed)
    items = tuple(
        counting.Project(str(n), rng.randrange(5_000, 150_001, 500)) for n in range(1, projects + 1)
    )
    # Some projects are much more popular than others, as in real calls.
    weights = [rng.paretovariate(1.2) for _ in items]
    ids = [p.id for p in items]
    ballots = []
    for _ in range(voters):
        size = rng.randint(1, 10)
        ballots.append(frozenset(rng.choices(ids, weights=weights, k=size)))
    budget = sum(p.cost for p in items) // 4
    return counting.Election(budget, items, tuple(ballots))


def run(rule: str, election: counting.Election) -> counting.CountResult:
    progress_calls = [0]

    def progress(done: int, total: int) -> None:
        progress_calls[0] += 1

    return counting.count(
        rule,
        election.budget,
        election.projects,
        election.ballots,
        progress=progress if rule == "mes_add1" else None,
    )


def exact_add1(election: counting.Election) -> tuple[tuple[str, ...], int]:
    """The add1 search run by run in exact arithmetic: (winners, runs)."""
    inst = prepare(election.budget, election.projects, election.ballots)
    endowment = election.budget // len(election.ballots)
    kept = equal_shares_run(inst, Fraction(endowment))
    runs = 1
    while True:
        attempt = equal_shares_run(inst, Fraction(endowment + runs))
        runs += 1
        if total_cost(inst, attempt.winners) > election.budget:
            return tuple(kept.winners), runs
        kept = attempt


def timed(call):
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def bench_file(path: Path, baseline: bool) -> None:
    from parvis_council_space import pabulib, pb

    text = path.read_text(encoding="utf-8-sig")
    parsed, parse_wall, _cpu = timed(lambda: pabulib.parse(text))
    election = pabulib.to_election(parsed)
    print(
        f"{path.name}: {len(election.projects)} projects, {len(election.ballots)} ballots, "
        f"{len(set(election.ballots))} distinct, rule {parsed.meta.get('rule')}; "
        f"parsed in {parse_wall:.2f} s; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'count':<34} {'wall s':>7} {'main CPU s':>10} {'winners':>8} {'runs':>5}")

    def show(label: str, result: counting.CountResult, wall: float, cpu: float) -> None:
        print(
            f"{label:<34} {wall:>7.2f} {cpu:>10.2f} {len(result.winners):>8} {result.mes_runs:>5}"
        )

    (_pb, own), wall, cpu = timed(lambda: pb.count_file(text))
    show(f"file's rule ({parsed.meta.get('rule')})", own, wall, cpu)
    official = {p.project_id for p in parsed.projects if p.fields.get("selected") == "1"}
    if official:
        print(f"  same winners as the file's selected column: {set(own.winners) == official}")
    args = (election.budget, election.projects, election.ballots)
    fast, wall, cpu = timed(lambda: counting.count("mes_add1", *args))
    show("mes_add1 (every core)", fast, wall, cpu)
    inst = prepare(*args)
    (one, runs), wall, cpu = timed(lambda: add1_run(inst, None, workers=0))
    print(
        f"{'mes_add1 (one process)':<34} {wall:>7.2f} {cpu:>10.2f} {len(one.winners):>8} {runs:>5}"
    )
    if baseline:
        (winners, runs), wall, cpu = timed(lambda: exact_add1(election))
        label = "baseline: exact, run by run"
        print(f"{label:<34} {wall:>7.2f} {cpu:>10.2f} {len(winners):>8} {runs:>5}")
        print(f"  identical winners in the same order: {winners == fast.winners}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=20_000)
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--rules", default="greedy,mes,mes_add1")
    parser.add_argument("--pb", type=Path, help="count this Pabulib file instead")
    parser.add_argument("--no-baseline", action="store_true", help="with --pb: skip the baseline")
    args = parser.parse_args()
    if args.pb:
        bench_file(args.pb, not args.no_baseline)
        return

    started = time.perf_counter()
    election = make_election(args.projects, args.voters, args.seed)
    approvals = sum(len(b) for b in election.ballots)
    print(
        f"{args.projects} projects, {args.voters} approval ballots ({approvals} approvals), "
        f"budget {election.budget}; generated in {time.perf_counter() - started:.2f} s"
    )
    print(f"{'rule':<10} {'time (s)':>9} {'peak MiB':>9} {'winners':>8} {'cost':>10} {'runs':>5}")
    for rule in args.rules.split(","):
        started = time.perf_counter()
        result = run(rule, election)
        elapsed = time.perf_counter() - started
        tracemalloc.start()
        run(rule, election)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"{rule:<10} {elapsed:>9.2f} {peak / 2**20:>9.1f} {len(result.winners):>8} "
            f"{result.total_cost:>10} {result.mes_runs:>5}"
        )


if __name__ == "__main__":
    main()
