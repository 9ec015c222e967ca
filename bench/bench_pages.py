"""Anonymous requests per second: Parvis pages against a bare Starlette route serving the same
bytes, in one run on the same machine, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_pages.py [--duration 10] [--connections 16]
        [--database sqlite|postgres|both] [--rounds 1] [--plugins all|none|a,b]
        [--client auto|wrk|python] [--warmup 2]

For each database: build a fresh database (demo town + a published space listing 200 modules),
count the SQL queries of each page in-process, serve Parvis with uvicorn (one worker, no access
log) in four subprocesses — cold (every cache off, render memo included: the uncached figure),
after a write (page cache and shared fragments off, render memo on: what a request costs once a
write has moved the town's content version on), fragment-warm (page cache off, the parts every
visitor shares kept, memo on) and cached (page cache on) —, fetch each page's
bytes, serve those bytes from a bare Starlette app in a
second uvicorn subprocess (same settings), then load each target in turn from another process
(``wrk`` if installed, else the asyncio client in _load.py): warm-up, then a fixed duration.
With two or more cores the servers are pinned to CPU 0 and the load generator to CPU 1.
Prints a Markdown table. Not a test: nothing here is timed by the test suite.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import http.client
import importlib.util
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import _load  # noqa: E402

HOST = "127.0.0.1"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
N_MODULES = 200
PAGES = {"home": "/", "space": f"/s/{_load.SPACE_SLUG}"}

_children: list[subprocess.Popen[bytes]] = []


# --- processes ----------------------------------------------------------------------------------


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    if proc in _children:
        _children.remove(proc)


def _kill_all() -> None:
    for proc in list(_children):
        _kill(proc)


def _on_signal(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


def _cpus() -> tuple[set[int] | None, set[int] | None]:
    """(server CPUs, client CPUs): one core each when there are at least two."""
    try:
        available = sorted(os.sched_getaffinity(0))
    except AttributeError:
        return None, None
    if len(available) < 2:
        return None, None
    return {available[0]}, {available[1]}


def _pinned(cpus: set[int] | None) -> Any:
    if cpus is None:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise RuntimeError(f"server exited with {proc.returncode}:\n{err[-3000:]}")
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.5):
            return
        time.sleep(0.1)
    raise RuntimeError(f"nothing accepts connections on {HOST}:{port} after {timeout:.0f} s")


@dataclass
class ServerSettings:
    loop: str
    http: str

    @classmethod
    def detect(cls) -> ServerSettings:
        loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
        http_impl = "httptools" if importlib.util.find_spec("httptools") else "h11"
        return cls(loop, http_impl)


@dataclass
class Server:
    port: int
    pgid: int

    def cpu_seconds(self) -> float:
        """User + system CPU time of every process of the server's group (all threads)."""
        ticks = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rpartition(")")[2].split()
            if int(fields[2]) == self.pgid:  # fields[2] is the process group
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def rss_mib(self) -> float:
        """Resident memory of the server's processes (one uvicorn worker here), in MiB."""
        kib = 0
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                status = Path(f"/proc/{entry}/status").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[2]) == self.pgid:
                kib += sum(int(line.split()[1]) for line in status.splitlines()
                           if line.startswith("VmRSS:"))  # fmt: skip
        return kib / 1024


def uvicorn_command(factory: str, port: int, settings: ServerSettings) -> list[str]:
    """``uvicorn --factory FACTORY`` of these benchmarks: one worker, no access log."""
    return [
        sys.executable, "-m", "uvicorn", "--factory", factory,
        "--app-dir", str(HERE), "--host", HOST, "--port", str(port),
        "--workers", "1", "--no-access-log", "--log-level", "warning",
        "--loop", settings.loop, "--http", settings.http,
    ]  # fmt: skip


@contextlib.contextmanager
def uvicorn_server(
    factory: str, env: dict[str, str], settings: ServerSettings, cpus: set[int] | None
) -> Iterator[Server]:
    port = free_port()
    proc = subprocess.Popen(
        uvicorn_command(factory, port, settings),
        env={**os.environ, **env},
        cwd=str(HERE.parent),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_pinned(cpus),
    )
    _children.append(proc)
    try:
        wait_for_port(port, proc)
        yield Server(port, proc.pid)
    finally:
        _kill(proc)


# --- HTTP ---------------------------------------------------------------------------------------


def fetch(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept": "text/html"})
        response = conn.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


@dataclass
class LoadResult:
    rps: float
    requests: int
    p50_ms: float | None = None
    p99_ms: float | None = None
    errors: int = 0
    non_2xx: int = 0
    raw: str = field(default="", repr=False)
    cpu_ms: float = 0.0  # server CPU time per request


def median_result(results: list[LoadResult]) -> LoadResult:
    """The round with the median throughput (its latency and CPU time go with it)."""
    ordered = sorted(results, key=lambda r: r.rps)
    return ordered[(len(ordered) - 1) // 2]


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(port: int, path: str, connections: int, seconds: float, cpus: Any) -> LoadResult:
    cmd = [
        "wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency",
        "--timeout", "10s", f"http://{HOST}:{port}{path}",
    ]  # fmt: skip
    out = subprocess.run(
        cmd, capture_output=True, text=True, check=True, preexec_fn=_pinned(cpus),
        timeout=seconds + 60,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"^\s*50%\s+(\S+)\s*$", out, re.M)
    p99 = re.search(r"^\s*99%\s+(\S+)\s*$", out, re.M)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if p50 is None or p99 is None:
        print(f"[bench] wrk printed no latency distribution:\n{out}", file=sys.stderr)
    return LoadResult(
        rps=rps,
        requests=requests,
        p50_ms=_ms(p50.group(1)) if p50 else None,
        p99_ms=_ms(p99.group(1)) if p99 else None,
        errors=sum(int(g) for g in errors.groups()) if errors else 0,
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        raw=out,
    )


def run_python_client(
    port: int, path: str, connections: int, seconds: float, cpus: Any
) -> LoadResult:
    cmd = [sys.executable, str(HERE / "_load.py"), "client", HOST, str(port), path,
           str(connections), str(seconds)]  # fmt: skip
    out = subprocess.run(
        cmd, capture_output=True, text=True, check=True, preexec_fn=_pinned(cpus),
        timeout=seconds + 60,
    ).stdout  # fmt: skip
    stats = json.loads(out)
    return LoadResult(
        rps=stats["rps"],
        requests=stats["requests"],
        errors=stats["errors"],
        non_2xx=stats["non_200"],
        raw=out,
    )


def load(
    generator: str, server: Server, path: str, connections: int, seconds: float, cpus: Any
) -> LoadResult:
    runner = run_wrk if generator == "wrk" else run_python_client
    before = server.cpu_seconds()
    result = runner(server.port, path, connections, seconds, cpus)
    result.cpu_ms = (server.cpu_seconds() - before) * 1000 / max(result.requests, 1)
    return result


# --- databases ----------------------------------------------------------------------------------


@contextlib.contextmanager
def sqlite_database() -> Iterator[str]:
    folder = tempfile.mkdtemp(prefix="parvis_bench_")
    try:
        yield f"sqlite:///{folder}/bench.db"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    import psycopg

    name = f"parvis_bench_{secrets.token_hex(4)}"
    admin = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def bench_town(kind: str, history: int = 0) -> Iterator[tuple[str, str, dict[str, str]]]:
    """A fresh ``kind`` database (``sqlite``, ``postgres``) with the benchmark town, every
    installed plugin enabled (with ``history``, plus a space of that many closed modules:
    ``_load.add_history``): its URL, its instance folder and the environment
    ``_load:parvis_app`` serves it with (the other benches' settings added to it)."""
    database = sqlite_database() if kind == "sqlite" else postgres_database()
    with database as url, tempfile.TemporaryDirectory(prefix="parvis_bench_") as tmp:
        extra = "petitions" if _load.needs_example_plugin(url, tmp, None) else ""
        app, _types = _load.build_database(url, extra, tmp, N_MODULES, None, history)
        app.state.parvis.db.dispose()
        yield (
            url,
            tmp,
            {
                "PARVIS_BENCH_DATABASE_URL": url,
                "PARVIS_BENCH_EXTRA": extra,
                "PARVIS_BENCH_INSTANCE": tmp,
                "PARVIS_BENCH_PLUGINS": "null",
            },
        )


# --- one database -------------------------------------------------------------------------------


def count_queries(app: Any) -> dict[str, int]:
    """SQL statements per anonymous page, one in-process request each (after a first request
    so that nothing cached on first use is counted): cold (every cache off), fragment-warm
    (page cache off, shared fragments kept) and cached (page cache on)."""
    from starlette.testclient import TestClient

    paths = {**PAGES, "space_small": f"/s/{_load.SMALL_SPACE_SLUG}"}
    counts = {}
    n_types = len(app.state.parvis.registry.module_types)
    pages, fragments = app.state.parvis.page_cache, app.state.parvis.fragment_cache
    limits = pages.max_bytes, fragments.max_bytes
    modes = {"": (0, 0), "_fragments": (0, limits[1]), "_cached": limits}
    with TestClient(app, base_url=f"http://{HOST}") as client:
        for name, path in paths.items():
            for suffix, (pages.max_bytes, fragments.max_bytes) in modes.items():
                assert client.get(path).status_code == 200, path
                client.cookies.clear()
                with app.state.parvis.db.count_queries() as counter:
                    response = client.get(path)
                client.cookies.clear()
                assert response.status_code == 200, (path, response.status_code)
                counts[name + suffix] = counter.count
    pages.max_bytes, fragments.max_bytes = limits
    counts["small_modules"] = n_types
    return counts


def bench_database(
    kind: str, args: argparse.Namespace, generator: str, settings: ServerSettings
) -> dict[str, Any]:
    server_cpus, client_cpus = _cpus()
    database = sqlite_database() if kind == "sqlite" else postgres_database()
    with database as url, tempfile.TemporaryDirectory(prefix="parvis_bench_") as tmp:
        plugins = args.plugin_list
        extra = "petitions" if _load.needs_example_plugin(url, tmp, plugins) else ""
        app, module_types = _load.build_database(url, extra, tmp, N_MODULES, plugins)
        enabled = list(app.state.parvis.plugins)
        try:
            queries = count_queries(app)
        finally:
            app.state.parvis.db.dispose()
        env = {
            "PARVIS_BENCH_DATABASE_URL": url,
            "PARVIS_BENCH_EXTRA": extra,
            "PARVIS_BENCH_INSTANCE": tmp,
            "PARVIS_BENCH_PLUGINS": json.dumps(plugins),
            "PARVIS_BENCH_READ_THREADS": str(args.read_threads),
        }
        rows: dict[str, dict[str, Any]] = {}
        # Cold: every cache off, the render memo too, each request renders the whole page.
        # After a write: no shared fragment matches (the content version moved on), the render
        # memo holds the cards (all of them here; in fact all but the changed one).
        # Fragment-warm: no page cache (as for a logged-in resident), the shared parts kept.
        memo_env = {
            **env,
            "PARVIS_BENCH_PAGE_CACHE_MB": "0",
            "PARVIS_BENCH_FRAGMENT_CACHE_MB": "0",
        }
        uncached_env = {**memo_env, "PARVIS_BENCH_RENDER_MEMO_MB": "0"}
        warm_env = {**env, "PARVIS_BENCH_PAGE_CACHE_MB": "0"}
        with (
            uvicorn_server("_load:parvis_app", uncached_env, settings, server_cpus) as parvis,
            uvicorn_server("_load:parvis_app", memo_env, settings, server_cpus) as written,
            uvicorn_server("_load:parvis_app", warm_env, settings, server_cpus) as warm,
            uvicorn_server("_load:parvis_app", env, settings, server_cpus) as cached,
        ):
            page_files = {}
            for name, path in PAGES.items():
                status, _headers, body = fetch(parvis.port, path)
                assert status == 200, (path, status)
                if name == "space":
                    assert body.count(b'<li class="card') >= N_MODULES, (
                        "space page lists no modules"
                    )
                page_files[path] = os.path.join(tmp, f"{name}.html")
                Path(page_files[path]).write_bytes(body)
            base_env = {"PARVIS_BENCH_PAGES": json.dumps(page_files)}
            with uvicorn_server("_load:baseline_app", base_env, settings, server_cpus) as base:
                for name, path in PAGES.items():
                    targets = {
                        "parvis": parvis,
                        "written": written,
                        "fragments": warm,
                        "cached": cached,
                        "baseline": base,
                    }
                    runs: dict[str, list[LoadResult]] = {t: [] for t in targets}
                    for server in targets.values():
                        load(generator, server, path, args.connections, args.warmup, client_cpus)
                    # Rounds alternate the two targets, so that a change in the machine's load
                    # hits both alike.
                    for _round in range(args.rounds):
                        for target, server in targets.items():
                            result = load(
                                generator, server, path, args.connections, args.duration,
                                client_cpus,
                            )  # fmt: skip
                            if result.errors or result.non_2xx:
                                raise RuntimeError(
                                    f"{kind} {target} {path}: {result.errors} socket errors, "
                                    f"{result.non_2xx} non-2xx responses\n{result.raw}"
                                )
                            runs[target].append(result)
                    row: dict[str, Any] = {"queries": queries[name]}
                    row.update({t: median_result(r) for t, r in runs.items()})
                    # After the load: both still answer 200 with bodies of the same size.
                    p_status, p_headers, p_body = fetch(parvis.port, path)
                    b_status, _, b_body = fetch(base.port, path)
                    assert p_status == 200 and b_status == 200, (path, p_status, b_status)
                    assert len(p_body) == len(b_body), (path, len(p_body), len(b_body))
                    row["bytes"] = len(p_body)
                    row["cookie"] = "set-cookie" in p_headers
                    rows[name] = row
                rss = (parvis.rss_mib(), base.rss_mib(), cached.rss_mib(), warm.rss_mib())
        return {
            "rows": rows,
            "queries": queries,
            "module_types": module_types,
            "extra": extra,
            "plugins": enabled,
            "rss": rss,
        }


# --- report -------------------------------------------------------------------------------------


def _latency(result: LoadResult) -> str:
    if result.p50_ms is None or result.p99_ms is None:
        return "n/a"
    return f"{result.p50_ms:.1f} / {result.p99_ms:.1f}"


# Issue 13's targets for the cold CPU per request, set on a machine where the bare route cost
# 0.14 ms: home 1.0 ms, space page 3 ms. As multiples of the bare route's CPU in the same run
# they hold on a slower or faster machine too.
TARGET_BASELINE = 0.14
TARGETS_MS = {"home": 1.0, "space": 3.0}


def _targets(results: dict[str, dict[str, Any]]) -> str:
    """One line per page: its cold CPU as a multiple of the bare route's, against the target."""
    parts = []
    for kind, data in results.items():
        for name, row in data["rows"].items():
            times = row["parvis"].cpu_ms / row["baseline"].cpu_ms
            limit = TARGETS_MS[name] / TARGET_BASELINE
            verdict = "met" if times <= limit else "not met"
            parts.append(f"{kind} {name} {times:.1f} times (target ≤ {limit:.1f}: {verdict})")
    return (
        "- Cold CPU as a multiple of the bare route's (issue 13's targets, 1.0 ms and 3 ms when "
        f"the bare route cost {TARGET_BASELINE} ms): " + "; ".join(parts) + "."
    )


def report(results: dict[str, dict[str, Any]], args: argparse.Namespace, generator: str,
           settings: ServerSettings, loads: tuple[float, float]) -> str:  # fmt: skip
    import starlette
    import uvicorn

    pinned = _cpus()[0] is not None
    lines = [
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
        f"{platform.release()}; load average {loads[0]:.2f} at start, {loads[1]:.2f} at end. "
        f"Python {platform.python_version()}, uvicorn {uvicorn.__version__} (1 worker, "
        f"loop {settings.loop}, http {settings.http}, no access log), "
        f"Starlette {starlette.__version__}; Parvis read_threads = {args.read_threads}.",
        f"Load: {generator}, {args.connections} keep-alive connections, {args.warmup:g} s "
        f"warm-up, then {args.rounds} round(s) of {args.duration:g} s per target alternating "
        "Parvis and baseline (median round shown); "
        + ("servers pinned to CPU 0, load generator to CPU 1."
           if pinned else "no CPU pinning (fewer than 2 cores).")
        + " Anonymous GET without cookie; baseline = bare Starlette route returning the same "
        "body bytes. CPU ms/req = server process CPU time (user + system) / requests served.",
        "",
        "Which caches are on in each column: Cold = none (`page_cache_mb = 0`, "
        "`fragment_cache_mb = 0`, `render_memo_mb = 0`): every request renders the whole page, "
        "the uncached figure. After a write = render memo only (`page_cache_mb = 0`, "
        "`fragment_cache_mb = 0`): what a request costs once a write has moved the town's "
        "content version on, so that no shared fragment matches; the space page's cards and the "
        "quick polls come from the memo (here every card; after a real write to one module all "
        "but its card), the home page renders its parts in full. Fragment-warm = page cache off, "
        "shared fragments and memo on (what a logged-in resident gets while nothing is written); "
        "not the uncached figure. Cached = everything on (`@view(cache=True)`). SQL after a "
        "write = SQL cold.",
        "",
        "| Database | Page | Cold req/s | Cold CPU ms/req | After a write CPU ms/req "
        "| Fragment-warm req/s | Fragment-warm CPU ms/req | Cached req/s "
        "| Cached CPU ms/req | Baseline req/s | Baseline CPU ms/req | Cold CPU / baseline CPU "
        "| Cold / baseline | Cached / baseline | Cold p50 / p99 ms | Fragment-warm p50 / p99 ms "
        "| SQL cold / fragment-warm / cached | Body bytes |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]  # fmt: skip
    labels = {"home": "home `/`", "space": f"space, {N_MODULES} modules"}
    for kind, data in results.items():
        for name, row in data["rows"].items():
            p, c, b, w = row["parvis"], row["cached"], row["baseline"], row["fragments"]
            q = data["queries"]
            lines.append(
                f"| {kind} | {labels[name]} | {p.rps:,.0f} | {p.cpu_ms:.2f} | "
                f"{row['written'].cpu_ms:.2f} | {w.rps:,.0f} | "
                f"{w.cpu_ms:.2f} | {c.rps:,.0f} | "
                f"{c.cpu_ms:.2f} | {b.rps:,.0f} | {b.cpu_ms:.2f} | {p.cpu_ms / b.cpu_ms:.1f} | "
                f"{p.rps / b.rps:.1%} | "
                f"{c.rps / b.rps:.1%} | {_latency(p)} | {_latency(w)} | {row['queries']} / "
                f"{q[name + '_fragments']} / {q[name + '_cached']} | {row['bytes']:,} |"
            )
    lines.append("")
    lines.append(_targets(results))
    for kind, data in results.items():
        q = data["queries"]
        source = (
            "the example plugin tests/example_plugin (petitions), as no enabled installed "
            "plugin registers one"
            if data["extra"]
            else "installed plugins"
        )
        lines.append(
            f"- {kind}: SQL statements per page — home {q['home']}, space with {N_MODULES} "
            f"modules {q['space']}, same page with {q['small_modules']} module(s) "
            f"{q['space_small']}; module "
            f"types {', '.join(data['module_types'])} from {source}; enabled plugins: "
            f"{', '.join(data['plugins']) or 'none'}."
        )
    for kind, data in results.items():
        parvis_rss, base_rss, cached_rss, warm_rss = data["rss"]
        lines.append(
            f"- {kind}: resident memory (RSS) of a Parvis worker after serving every page under "
            f"the load above: {parvis_rss:.0f} MiB cold, {warm_rss:.0f} MiB fragment-warm, "
            f"{cached_rss:.0f} MiB with its page cache (baseline worker {base_rss:.0f} MiB)."
        )
    if any(row["cookie"] for data in results.values() for row in data["rows"].values()):
        lines.append(
            "- Parvis answered a cookie-less request with a cookie (it should not: anonymous "
            "pages without a form are cookie-free and cacheable)."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per target")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per target")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--rounds", type=int, default=1,
        help="measurements per target, alternating Parvis and baseline; the median is shown",
    )  # fmt: skip
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--client", choices=["auto", "wrk", "python"], default="auto",
        help="load generator (auto: wrk if installed)",
    )  # fmt: skip
    parser.add_argument(
        "--plugins", default="all",
        help="installed plugins to enable: 'all' (default), 'none' or a comma-separated list",
    )  # fmt: skip
    parser.add_argument(
        "--read-threads", type=int, default=None,
        help="Parvis's read_threads (reading views at once); default: the setting's default",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.read_threads is None:
        from parvis.config import Config

        args.read_threads = Config.read_threads
    if args.read_threads < 1:
        parser.error("--read-threads must be at least 1")
    args.plugin_list = (
        None if args.plugins == "all"
        else [] if args.plugins == "none"
        else [p for p in args.plugins.split(",") if p]
    )  # fmt: skip
    if not 0 < args.duration <= 600 or not 0 < args.warmup <= 60:
        parser.error("--duration must be in (0, 600] and --warmup in (0, 60]")
    if not 1 <= args.connections <= 1000:
        parser.error("--connections must be in [1, 1000]")
    if not 1 <= args.rounds <= 20:
        parser.error("--rounds must be in [1, 20]")
    generator = args.client
    if generator == "auto":
        generator = "wrk" if shutil.which("wrk") else "python"
    elif generator == "wrk" and not shutil.which("wrk"):
        parser.error("wrk is not installed (apt-get install wrk), use --client python")

    atexit.register(_kill_all)
    signal.signal(signal.SIGTERM, _on_signal)
    settings = ServerSettings.detect()
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    results = {}
    load_start = os.getloadavg()[0]
    try:
        for kind in kinds:
            print(f"[bench] {kind}…", file=sys.stderr, flush=True)
            results[kind] = bench_database(kind, args, generator, settings)
    finally:
        _kill_all()
    print(report(results, args, generator, settings, (load_start, os.getloadavg()[0])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
