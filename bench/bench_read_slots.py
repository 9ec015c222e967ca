"""Reading views at once (``read_threads``): CPU per request, requests per second and latency of
the cold and fragment-warm pages for several slot counts, measured in turn within each round.

    .venv/bin/python bench/bench_read_slots.py                        # 1,2,4,8,20; both databases
    .venv/bin/python bench/bench_read_slots.py --slots 1,4,20 --rounds 3 --database sqlite

Same town, servers and load as ``bench_pages.py`` (uvicorn, one worker pinned to CPU 0, the load
generator on CPU 1, 16 keep-alive connections, anonymous requests): one server per slot count
and cache mode, all started before the first measurement, then each round measures every
server once, the slot counts one after the other. So each count sees the machine's other load in
the same minutes, and the median over rounds of each count compares them. The figures and their
reading are in ``docs/performance.md`` ("Read slots").
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import os
import shutil
import statistics
import sys
from typing import Any

import bench_pages as bp

MODES = {
    "cold": {"PARVIS_BENCH_PAGE_CACHE_MB": "0", "PARVIS_BENCH_FRAGMENT_CACHE_MB": "0"},
    "fragment-warm": {"PARVIS_BENCH_PAGE_CACHE_MB": "0"},
}


def bench_database(kind: str, args: argparse.Namespace, generator: str) -> list[str]:
    server_cpus, client_cpus = bp._cpus()
    settings = bp.ServerSettings.detect()
    results: dict[tuple[str, str, int], list[bp.LoadResult]] = {}
    with bp.bench_town(kind) as (_url, _tmp, env), contextlib.ExitStack() as stack:
        servers = {
            (mode, slots): stack.enter_context(
                bp.uvicorn_server(
                    "_load:parvis_app",
                    {**env, **mode_env, "PARVIS_BENCH_READ_THREADS": str(slots)},
                    settings,
                    server_cpus,
                )
            )
            for mode, mode_env in MODES.items()
            for slots in args.slot_list
        }
        for (mode, slots), server in servers.items():
            for path in bp.PAGES.values():
                assert bp.fetch(server.port, path)[0] == 200, (mode, slots, path)
                bp.load(generator, server, path, args.connections, args.warmup, client_cpus)
        for _round in range(args.rounds):
            for (mode, slots), server in servers.items():
                for name, path in bp.PAGES.items():
                    result = bp.load(
                        generator, server, path, args.connections, args.duration, client_cpus
                    )
                    if result.errors or result.non_2xx:
                        raise SystemExit(f"{kind} {mode} {slots} {path}: errors {result}")
                    results.setdefault((name, mode, slots), []).append(result)
    lines = []
    for (name, mode, slots), runs in results.items():
        cpu = statistics.median(r.cpu_ms for r in runs)
        rps = statistics.median(r.rps for r in runs)
        p99 = statistics.median(r.p99_ms or 0.0 for r in runs)
        p50 = statistics.median(r.p50_ms or 0.0 for r in runs)
        each = " / ".join(f"{r.cpu_ms:.2f}" for r in runs)
        lines.append(
            f"| {kind} | {name} | {mode} | {slots} | {cpu:.2f} ({each}) | {rps:,.0f} | "
            f"{p50:.0f} / {p99:.0f} |"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--slots", default="1,2,4,8,20", help="read_threads values to compare")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds of warm-up per server")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    args.slot_list = [int(s) for s in args.slots.split(",")]
    if not args.slot_list or min(args.slot_list) < 1:
        parser.error("--slots: whole numbers of at least 1")
    generator = "wrk" if shutil.which("wrk") else "python"
    atexit.register(bp._kill_all)
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    load_start = os.getloadavg()[0]
    lines: list[Any] = []
    try:
        for kind in kinds:
            print(f"[bench] {kind}…", file=sys.stderr, flush=True)
            lines += bench_database(kind, args, generator)
    finally:
        bp._kill_all()
    print(
        f"Load: {generator}, {args.connections} connections, {args.rounds} round(s) of "
        f"{args.duration:g} s per server and page; load average {load_start:.2f} at start, "
        f"{os.getloadavg()[0]:.2f} at end. CPU = server CPU ms per request, median (each round)."
    )
    print("\n| Database | Page | Mode | read_threads | CPU ms/req | req/s | p50 / p99 ms |")
    print("|---|---|---|---:|---:|---:|---:|")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
