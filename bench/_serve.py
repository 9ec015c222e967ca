"""The write benches' serving loop (election and council ballots over HTTP): ``serve_rounds``
serves a bare baseline then ``parvis serve``, for each worker count, and sends each the same
number of requests, one per new connection, measuring time, statuses and the server's CPU."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


# --- Servers ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(cmd: list[str], env: dict[str, str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        cmd,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            time.sleep(1.0)  # let every worker finish starting
            return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"server did not start: {cmd}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def tree_cpu(pid: int) -> float:
    """User + system seconds of a process and its descendants (live ones), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    children: dict[int, list[int]] = {}
    stats: dict[int, list[str]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry)] = fields
        children.setdefault(int(fields[1]), []).append(int(entry))
    todo = [pid]
    while todo:
        p = todo.pop()
        if p in stats:
            total += (int(stats[p][11]) + int(stats[p][12])) / tick
        todo += children.get(p, [])
    return total


# --- Load: one request per connection ----------------------------------------------------------


async def _one(port: int, request: bytes, stats: dict[str, int]) -> None:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request)
        status = int((await reader.readline())[9:12])
        await reader.read()  # "Connection: close": the server ends the exchange
        writer.close()
        stats[str(status)] = stats.get(str(status), 0) + 1
    except (OSError, ValueError):
        stats["error"] = stats.get("error", 0) + 1


async def _send_all(port: int, requests: list[bytes], concurrency: int) -> dict[str, Any]:
    stats: dict[str, int] = {}
    queue = iter(requests)

    async def worker() -> None:
        for request in queue:
            await _one(port, request, stats)

    start_at = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return {"seconds": time.perf_counter() - start_at, "statuses": stats}


def post(path: str, body: str, cookie_value: str | None) -> bytes:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\n"
    )
    if cookie_value:
        head += f"Cookie: parvis_session={cookie_value}\r\n"
    return (head + "\r\n" + body).encode()


def measure(proc: subprocess.Popen, port: int, requests: list[bytes], concurrency: int) -> dict:
    cpu_before = tree_cpu(proc.pid)
    result = asyncio.run(_send_all(port, requests, concurrency))
    result["cpu"] = tree_cpu(proc.pid) - cpu_before
    return result


def serve_rounds(
    database_url: str,
    secret: str,
    workers: list[int],
    requests: Callable[[str], list[bytes]],
    rows: Callable[[str], Any],
    concurrency: int,
    baseline: str,
) -> list[dict[str, Any]]:
    """For each worker count, serve the bare baseline (``uvicorn --factory BASELINE``, whose
    ``/insert`` writes into a ``bench_baseline`` table this creates) then ``parvis serve`` on
    ``database_url``, each in its own process group, and send each target
    ``requests(target)``; ``rows(target)`` counts what the target wrote, read before and after.
    Both targets run without an access log, like ``parvis serve`` by default.

    Returns one row per target and worker count: ``target``, ``workers``, the measure
    (``seconds``, ``statuses``, server ``cpu``; ``per_s`` requests per second, ``cpu_ms`` per
    request, ``accepted``: answers 303), and ``before``/``after`` row counts."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_baseline (id serial PRIMARY KEY, choice text)"))
    engine.dispose()
    tmp = Path(tempfile.mkdtemp(prefix="parvis-bench-"))
    toml = tmp / "parvis.toml"
    toml.write_text(
        f'database_url = "{database_url}"\nsecret_key = "{secret}"\nmail_backend = "null"\n'
        f'instance_dir = "{tmp / "instance"}"\n'
    )
    parvis_bin = str(Path(sys.executable).parent / "parvis")
    table = []
    for count in workers:
        for target in ("baseline", "parvis"):
            port = free_port()
            if target == "parvis":
                cmd = [parvis_bin, "serve", "--port", str(port), "--workers", str(count)]
                env = {"PARVIS_CONFIG": str(toml)}
            else:
                cmd = [sys.executable, "-m", "uvicorn", "--factory", baseline, "--port", str(port)]
                cmd += ["--workers", str(count), "--no-access-log"]
                env = {"BENCH_URL": database_url, "PYTHONPATH": str(ROOT / "bench")}
            sent = requests(target)
            before = rows(target)
            proc = start(cmd, env, port)
            try:
                result = measure(proc, port, sent, concurrency)
            finally:
                stop(proc)
            table.append(
                {"target": target, "workers": count, **result, "before": before,
                 "after": rows(target), "per_s": len(sent) / result["seconds"],
                 "cpu_ms": result["cpu"] / len(sent) * 1000,
                 "accepted": result["statuses"].get("303", 0)}
            )  # fmt: skip
    return table


def of_baseline(table: list[dict[str, Any]], row: dict[str, Any]) -> str:
    """For a ``parvis`` row of ``serve_rounds``' table, its rate against the baseline's with as
    many workers ("  (61% of baseline)"); nothing for a baseline row."""
    if row["target"] != "parvis":
        return ""
    base = next(r for r in table if r["target"] == "baseline" and r["workers"] == row["workers"])
    return f"  ({row['per_s'] / base['per_s']:.0%} of baseline)"
