"""Machine instructions per request of anonymous pages, Parvis against a bare Starlette route
serving the same bytes, counted by valgrind's callgrind: the same figure whatever else the
machine is doing, to judge a change where CPU time moves by 30 % from one minute to the next.

    .venv/bin/python bench/bench_instructions.py [--requests 100] [--database sqlite|postgres|both]
        [--pages /,/s/bench-200,/accessibility] [--read-threads N] [--history N]

For each database: the database of ``bench_pages.py`` (demo town + a space of 200 modules),
Parvis served by uvicorn (one worker, every cache off: the uncached figure) under callgrind,
each page's bytes served by a bare Starlette app under callgrind too; for each page, over one
keep-alive connection: 10 requests of warm-up, the counters zeroed (``callgrind_control -z``),
``--requests`` requests, the counters dumped (``callgrind_control -d``). Everything the server
process executes is counted: HTTP parsing, the event loop, the view's thread, SQLite or psycopg,
the response. Requests come one at a time (the CPU time of ``bench_pages.py`` comes from 16
connections at once, which adds the threads' turns at the GIL). Each server starts in about a
minute under valgrind. Needs valgrind (``apt-get install valgrind``). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_pages  # noqa: E402

WARM_UP = 10
# The pages of issue 13's targets, by path (the others get no target).
TARGETED = {path: name for name, path in bench_pages.PAGES.items()}


@contextlib.contextmanager
def callgrind_server(factory: str, env: dict[str, str], out: Path) -> Iterator[tuple[int, int]]:
    """``uvicorn --factory FACTORY`` under callgrind; yields (port, pid)."""
    port = bench_pages.free_port()
    settings = bench_pages.ServerSettings.detect()
    valgrind = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}.%p"]
    proc = subprocess.Popen(
        valgrind + bench_pages.uvicorn_command(factory, port, settings),
        env={**os.environ, **env},
        cwd=str(HERE.parent),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    bench_pages._children.append(proc)
    try:
        bench_pages.wait_for_port(port, proc, timeout=900)
        yield port, proc.pid
    finally:
        bench_pages._kill(proc)


def instructions(port: int, pid: int, out: Path, path: str, requests: int) -> tuple[float, bytes]:
    """Instructions per request of ``path`` (millions) and its body."""
    conn = http.client.HTTPConnection(bench_pages.HOST, port, timeout=300)

    def get() -> bytes:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status}")
        return body

    for _ in range(WARM_UP):
        get()
    subprocess.run(["callgrind_control", "-z", str(pid)], check=True, capture_output=True)
    for _ in range(requests):
        body = get()
    dumped = set(out.parent.glob(f"{out.name}.{pid}.*"))
    subprocess.run(["callgrind_control", "-d", str(pid)], check=True, capture_output=True)
    conn.close()
    (dump,) = set(out.parent.glob(f"{out.name}.{pid}.*")) - dumped
    total = re.search(r"^summary: (\d+)$", dump.read_text(), re.M)
    if total is None:
        raise RuntimeError(f"no summary line in {dump}")
    return int(total.group(1)) / requests / 1e6, body


def bench_database(kind: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    with bench_pages.bench_town(kind, args.history) as (_url, tmp, town):
        env = {
            **town,
            "PARVIS_BENCH_READ_THREADS": str(args.read_threads),
            "PARVIS_BENCH_PAGE_CACHE_MB": "0",
            "PARVIS_BENCH_FRAGMENT_CACHE_MB": "0",
            "PARVIS_BENCH_RENDER_MEMO_MB": "0",
        }
        rows: list[dict[str, Any]] = []
        files: dict[str, str] = {}
        out = Path(tmp) / "parvis"
        print(f"[bench] {kind}: Parvis under callgrind…", file=sys.stderr)
        with callgrind_server("_load:parvis_app", env, out) as (port, pid):
            for i, path in enumerate(args.pages):
                count, body = instructions(port, pid, out, path, args.requests)
                files[path] = str(Path(tmp) / f"page{i}.html")
                Path(files[path]).write_bytes(body)
                rows.append({"database": kind, "path": path, "parvis": count, "bytes": len(body)})
        out = Path(tmp) / "baseline"
        print(f"[bench] {kind}: baseline under callgrind…", file=sys.stderr)
        served = {"PARVIS_BENCH_PAGES": json.dumps(files)}
        with callgrind_server("_load:baseline_app", served, out) as (port, pid):
            for row in rows:
                row["baseline"], body = instructions(port, pid, out, row["path"], args.requests)
                assert len(body) == row["bytes"], (row["path"], len(body), row["bytes"])
        return rows


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        f"Instructions counted by valgrind's callgrind in the server process (all threads), "
        f"{args.requests} requests per page after {WARM_UP} of warm-up, one keep-alive "
        f"connection, anonymous GET without cookie; Parvis with every cache off (the uncached "
        f"figure), read_threads = {args.read_threads}; baseline = bare Starlette route "
        f"returning the same body bytes."
        + (
            f" The benchmark town has {args.history:,} closed modules more (`--history`)."
            if args.history
            else ""
        ),
        "",
        "| Database | Page | Parvis M instructions/req | Baseline M instructions/req | "
        "Parvis / baseline | Issue 13 target | Body bytes |",
        "|---|---|---:|---:|---:|---|---:|",
    ]
    for row in rows:
        times = row["parvis"] / row["baseline"]
        name = TARGETED.get(row["path"])
        target = ""
        if name is not None:
            limit = bench_pages.TARGETS_MS[name] / bench_pages.TARGET_BASELINE
            target = f"≤ {limit:.1f}: {'met' if times <= limit else 'not met'}"
        lines.append(
            f"| {row['database']} | `{row['path']}` | {row['parvis']:.2f} | "
            f"{row['baseline']:.2f} | {times:.1f} | {target} | {row['bytes']:,} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100, help="measured requests per page")
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument(
        "--pages", default=",".join([*bench_pages.PAGES.values(), "/accessibility"]),
        help="comma-separated paths (default: the home page, the 200-module space, /accessibility)",
    )  # fmt: skip
    parser.add_argument("--read-threads", type=int, default=None)
    parser.add_argument(
        "--history", type=int, default=0, metavar="N",
        help="add a published space of N closed modules (the town's past years: how the "
        "pages' cost grows with its history)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        parser.error("valgrind is not installed (apt-get install valgrind)")
    if not 1 <= args.requests <= 10_000:
        parser.error("--requests must be in [1, 10000]")
    args.pages = [p for p in args.pages.split(",") if p]
    if args.read_threads is None:
        from parvis.config import Config

        args.read_threads = Config.read_threads
    atexit.register(bench_pages._kill_all)
    signal.signal(signal.SIGTERM, bench_pages._on_signal)
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    rows = [row for kind in kinds for row in bench_database(kind, args)]
    print(report(rows, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
