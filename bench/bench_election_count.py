"""Benchmark of the election count: Scottish STV on 100,000 ranked ballots.

Generates (seeded) a neighbourhood-council election of 15 candidates for 12 seats with realistic
preferences, publishes its ballots as the JSON ballot file, then measures in the same run:

- baseline "read": parsing the published JSON file (``json.loads``);
- baseline "first preferences": tallying the first preference of every ballot;
- "STV count": ``methods.count`` (Scottish STV, every stage);
- "recount": what ``parvis election recount FILE`` does (``ballot_file.load`` + count).

Each is timed (wall clock and process CPU time: the CPU time is the steadier figure on a shared
machine) as the median of ``--repeat`` runs without tracemalloc, then run once more under
tracemalloc for its peak memory.

    .venv/bin/python bench/bench_election_count.py [--ballots 100000] [--candidates 15]
        [--seats 12] [--seed 2026] [--repeat 3]

Then, when ``../shared/data/pabulib`` is beside the repository, the same measures for sequential
Phragmén and block vote on 12,021 real approval ballots (Warszawa 2020, Mokotów, 118 projects
read as candidates, 12 seats; data: pabulib.org), with the approval tally as baseline.

Preferences: candidates belong to four local lists; each voter leans to one list, ranks a number
of candidates drawn from a skewed distribution (many rank 3 to 6, a few rank them all) in a
Plackett-Luce order where candidates of the voter's list weigh four times more.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from parvis_election.ballot_file import dump_json, load
from parvis_election.methods import ElectionInput, count


def make_election(ballots: int, candidates: int, seats: int, seed: int) -> ElectionInput:
    rng = random.Random(seed)
    ids = list(range(1, candidates + 1))
    popularity = {c: rng.paretovariate(1.5) for c in ids}
    lists = {c: c % 4 for c in ids}
    list_share = [0.35, 0.3, 0.2, 0.15]
    out = []
    for _ in range(ballots):
        leaning = rng.choices(range(4), weights=list_share)[0]
        weights = {c: popularity[c] * (4 if lists[c] == leaning else 1) for c in ids}
        length = min(candidates, max(1, round(rng.lognormvariate(1.4, 0.6))))
        pool = list(ids)
        ranking = []
        for _ in range(length):
            pick = rng.choices(pool, weights=[weights[c] for c in pool])[0]
            ranking.append(pick)
            pool.remove(pick)
        out.append(tuple(ranking))
    return ElectionInput("stv", seats, tuple(ids), out, tie_seed=f"bench {seed}")


def measure(fn: Callable[[], Any], repeat: int) -> tuple[float, float, float, Any]:
    """Median wall and CPU time (s) of ``repeat`` runs, peak traced memory (MiB), result."""
    wall, cpu = [], []
    result = None
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = fn()
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    tracemalloc.start()
    fn()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return statistics.median(wall), statistics.median(cpu), peak / 2**20, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--candidates", type=int, default=15)
    parser.add_argument("--seats", type=int, default=12)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    inp = make_election(args.ballots, args.candidates, args.seats, args.seed)
    result = count(inp)
    text = dump_json(inp, {"title": "bench", "elected": list(result.elected)})
    distinct = len(Counter(inp.ballots))
    mean_length = sum(map(len, inp.ballots)) / len(inp.ballots)
    print(
        f"{args.ballots} STV ballots, {args.candidates} candidates, {args.seats} seats, seed "
        f"{args.seed}: {distinct} distinct rankings, {mean_length:.1f} preferences a ballot; "
        f"file {len(text) / 2**20:.1f} MiB; generated in {time.perf_counter() - started:.1f} s"
    )
    print(
        f"quota {result.quota}, {len(result.rounds)} stages, "
        f"non-transferable {float(result.rounds[-1].non_transferable):.5f}, "
        f"elected {list(result.elected)}"
    )

    def first_preferences() -> Counter:
        return Counter(b[0] for b in inp.ballots)

    def recount() -> tuple[int, ...]:
        loaded, _meta = load(text)
        return count(loaded).elected

    cases: list[tuple[str, Callable[[], Any]]] = [
        ("baseline: read JSON file", lambda: json.loads(text)),
        ("baseline: first preferences", first_preferences),
        ("STV count", lambda: count(inp)),
        ("recount (load + count)", recount),
    ]
    print(f"{'':<30} {'wall (s)':>9} {'CPU (s)':>9} {'peak MiB':>9}")
    for name, fn in cases:
        elapsed, cpu, peak, outcome = measure(fn, args.repeat)
        if name.startswith("recount"):
            assert outcome == result.elected, "the recount differs from the count"
        print(f"{name:<30} {elapsed:>9.3f} {cpu:>9.3f} {peak:>9.1f}")
    approval_part(args.repeat)


def real_approval_ballots() -> list[tuple[int, ...]] | None:
    source = (
        Path(__file__).resolve().parents[1].parent
        / "shared/data/pabulib/Poland_Warszawa_2020_Mokotow.pb"
    )
    if not source.exists():
        return None
    rows = source.read_text(encoding="utf-8").split("\nVOTES\n", 1)[1].splitlines()
    return [tuple(map(int, r["vote"].split(","))) for r in csv.DictReader(rows, delimiter=";")]


def approval_part(repeat: int) -> None:
    ballots = real_approval_ballots()
    if ballots is None:
        print("(shared/data/pabulib absent: no approval part)")
        return
    candidates = tuple(sorted({c for b in ballots for c in b}))
    print(
        f"\n{len(ballots)} real approval ballots (Warszawa 2020 Mokotow), "
        f"{len(candidates)} candidates, 12 seats"
    )
    phragmen = ElectionInput("phragmen", 12, candidates, ballots)
    block = ElectionInput("block", 12, candidates, ballots, max_choices=15)
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("baseline: approval tally", lambda: Counter(c for b in ballots for c in b)),
        ("sequential Phragmen", lambda: count(phragmen)),
        ("block vote", lambda: count(block)),
    ]
    print(f"{'':<30} {'wall (s)':>9} {'CPU (s)':>9} {'peak MiB':>9}")
    for name, fn in cases:
        elapsed, cpu, peak, _outcome = measure(fn, repeat)
        print(f"{name:<30} {elapsed:>9.3f} {cpu:>9.3f} {peak:>9.1f}")


if __name__ == "__main__":
    main()
