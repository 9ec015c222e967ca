"""Benchmark of the council space counting rules.

Counts 100 projects x 20,000 random approval ballots (seeded, so every run counts the same
election) with greedy, the method of equal shares (MES) and MES with the add1 completion,
and prints the wall time and the peak memory (tracemalloc) of each rule.

    .venv/bin/python bench/bench_counting.py [--voters 20000] [--projects 100] [--seed 2027]

Time is measured on a run without tracemalloc (which slows Python down), then memory on a
second run with it.
"""

from __future__ import annotations

import argparse
import random
import time
import tracemalloc

from parvis_council_space import counting


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=20_000)
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--rules", default="greedy,mes,mes_add1")
    args = parser.parse_args()

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
