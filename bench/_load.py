"""Helpers for bench/bench_pages.py: data set-up, the two ASGI apps served by uvicorn, and a
small keep-alive HTTP/1.1 load generator used when ``wrk`` is not installed; ``inline_views``
for in-process measures. The write benches' serving loop is in ``_serve.py``.

Everything here runs in subprocesses started by bench_pages.py; settings come through
environment variables so that ``uvicorn --factory _load:parvis_app`` needs no arguments.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType as PyModule
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_PLUGIN_DIR = ROOT / "tests" / "example_plugin"

SPACE_SLUG = "bench-200"
SMALL_SPACE_SLUG = "bench-small"
HISTORY_SPACE_SLUG = "bench-history"
SECRET = "bench-secret-key-bench-secret-key-bench-secret-key"


# --- Parvis set-up ------------------------------------------------------------------------------


def extra_plugins(names: str) -> dict[str, PyModule]:
    """The example petitions plugin, registered directly when no installed plugin offers a
    module type (``names`` is the comma-separated list passed between processes)."""
    extra: dict[str, PyModule] = {}
    if "petitions" in names.split(","):
        if str(EXAMPLE_PLUGIN_DIR) not in sys.path:
            sys.path.insert(0, str(EXAMPLE_PLUGIN_DIR))
        import parvis_petitions.plugin

        extra["petitions"] = parvis_petitions.plugin
    return extra


def make_parvis(
    database_url: str, extra: str, instance_dir: str, plugins: list[str] | None = None
) -> Any:
    """``plugins``: the enabled installed plugins (``None``: all of them)."""
    from parvis.app import create_app
    from parvis.config import Config

    if plugins is not None and extra:
        plugins = [*plugins, *extra_plugins(extra)]
    config = Config(
        database_url=database_url,
        plugins=plugins,
        secret_key=SECRET,
        instance_dir=instance_dir,
        mail_backend="null",
        page_cache_mb=int(os.environ.get("PARVIS_BENCH_PAGE_CACHE_MB", "32")),
        fragment_cache_mb=int(os.environ.get("PARVIS_BENCH_FRAGMENT_CACHE_MB", "16")),
        render_memo_mb=int(os.environ.get("PARVIS_BENCH_RENDER_MEMO_MB", "8")),
        read_threads=int(os.environ.get("PARVIS_BENCH_READ_THREADS", Config.read_threads)),
    )
    return create_app(config, extra_plugins=extra_plugins(extra) or None)


def needs_example_plugin(
    database_url: str, instance_dir: str, plugins: list[str] | None = None
) -> bool:
    """True when the enabled installed plugins register no module type at all."""
    app = make_parvis(database_url, "", instance_dir, plugins)
    try:
        return not app.state.parvis.registry.module_types
    finally:
        app.state.parvis.db.dispose()


def build_database(
    database_url: str,
    extra: str,
    instance_dir: str,
    n_modules: int,
    plugins: list[str] | None = None,
    history: int = 0,
) -> Any:
    """Migrate, load the demo town, add a published space with ``n_modules`` modules and, with
    ``history``, a published space of that many closed modules (``add_history``).

    Returns the app (in this process) and the module type keys used."""
    from parvis import migrate
    from parvis.db import make_engine
    from parvis.demo import load_demo
    from parvis.models import Module, Space, Town

    engine = make_engine(database_url)
    try:
        migrate.upgrade(engine, extra_plugins(extra) or None)
    finally:
        engine.dispose()
    app = make_parvis(database_url, extra, instance_dir, plugins)
    parvis = app.state.parvis
    types = list(parvis.registry.module_types.values())
    assert types, "no module type registered"
    with parvis.db.session() as session:
        load_demo(parvis, session)
        town = session.query(Town).filter_by(slug="brise").one()
        # The same page with one module per type: an N+1 would show as more statements on the
        # 200-module page.
        for slug, count in ((SPACE_SLUG, n_modules), (SMALL_SPACE_SLUG, len(types))):
            space = Space(
                town_id=town.id,
                slug=slug,
                title=f"Banc d'essai : {count} modules",
                summary=f"Un espace publié qui liste {count} modules.",
                description="Une page **longue**, pour mesurer le coût d'une liste.",
                kind="general",
                published=True,
                position=99,
            )
            session.add(space)
            session.flush()
            for i in range(count):
                mtype = types[i % len(types)]
                session.add(
                    Module(
                        space_id=space.id,
                        type=mtype.key,
                        slug=f"module-{i:03d}",
                        title=f"Module n° {i + 1} : une question posée aux habitants",
                        phase=mtype.phases[0].key,
                        position=i,
                        published=True,
                    )
                )
        if history:
            add_history(session, town.id, types, history)
    return app, [t.key for t in types]


def add_history(session: Any, town_id: int, types: list[Any], count: int) -> None:
    """A published space of ``count`` undated modules in a phase that may have results (the
    first type that names such phases): the closed consultations of a town's past years, to
    measure how a page's cost grows with the town's history."""
    from parvis.models import Module, Space

    mtype = next((t for t in types if t.result_phases), None)
    if mtype is None:
        raise SystemExit("--history: no module type names phases that may have results")
    phase = next(p.key for p in mtype.phases if p.key in mtype.result_phases)
    space = Space(
        town_id=town_id,
        slug=HISTORY_SPACE_SLUG,
        title=f"Archives : {count} consultations closes",
        summary="Les consultations des années passées.",
        description="",
        kind="general",
        published=True,
        position=100,
    )
    session.add(space)
    session.flush()
    session.add_all(
        Module(
            space_id=space.id,
            type=mtype.key,
            slug=f"past-{i:05d}",
            title=f"Consultation passée n° {i + 1}",
            phase=phase,
            position=i,
            published=True,
        )
        for i in range(count)
    )


def parvis_app() -> Any:
    """``uvicorn --factory _load:parvis_app``."""
    return make_parvis(
        os.environ["PARVIS_BENCH_DATABASE_URL"],
        os.environ.get("PARVIS_BENCH_EXTRA", ""),
        os.environ["PARVIS_BENCH_INSTANCE"],
        json.loads(os.environ.get("PARVIS_BENCH_PLUGINS", "null")),
    )


def baseline_app() -> Any:
    """``uvicorn --factory _load:baseline_app``: a bare Starlette app, one route per page, each
    returning the exact bytes the Parvis server returned for that page."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    pages: dict[str, str] = json.loads(os.environ["PARVIS_BENCH_PAGES"])
    routes = []
    for path, file in pages.items():
        body = Path(file).read_bytes()

        def endpoint(request: Request, body: bytes = body) -> Response:
            return Response(body, media_type="text/html; charset=utf-8")

        routes.append(Route(path, endpoint))
    return Starlette(routes=routes)


# --- Fallback load generator --------------------------------------------------------------------


async def _connection(
    host: str, port: int, request: bytes, stop: float, measure_from: float, stats: dict[str, Any]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while True:
            now = time.perf_counter()
            if now >= stop:
                return
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            body = await reader.readexactly(length)
            if now >= measure_from:
                stats["requests"] += 1
                stats["bytes"] += len(head) + len(body)
                if status != 200:
                    stats["non_200"] += 1
    except (OSError, asyncio.IncompleteReadError, ValueError):
        stats["errors"] += 1
    finally:
        writer.close()


async def _load(host: str, port: int, path: str, connections: int, seconds: float) -> dict:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: parvis-bench\r\n"
        "Accept: text/html\r\n\r\n"
    ).encode()
    stats = {"requests": 0, "bytes": 0, "non_200": 0, "errors": 0}
    start = time.perf_counter()
    stop = start + seconds
    await asyncio.gather(
        *(_connection(host, port, request, stop, start, stats) for _ in range(connections))
    )
    stats["seconds"] = time.perf_counter() - start
    stats["rps"] = stats["requests"] / stats["seconds"]
    return stats


def client_main(argv: list[str]) -> None:
    """``python _load.py client HOST PORT PATH CONNECTIONS SECONDS``: prints JSON stats."""
    host, port, path, connections, seconds = argv
    stats = asyncio.run(_load(host, int(port), path, int(connections), float(seconds)))
    print(json.dumps(stats))


# --- In-process profile -------------------------------------------------------------------------


async def _asgi_get(app: Any, path: str) -> tuple[int, bytes]:
    """One anonymous GET straight through the ASGI app, in the calling thread."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": [(b"host", b"127.0.0.1"), (b"accept", b"text/html")],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80), "state": {},
    }  # fmt: skip
    sent = False
    status, chunks = 0, []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


@contextmanager
def inline_views() -> Iterator[None]:
    """Run views inline instead of in a thread, so a profiler or a timer in this thread sees
    all of a request (in-process measures only)."""
    from parvis.view_threads import ViewThreads

    async def inline(self: Any, func: Any, *args: Any, write: bool) -> Any:
        return func(*args)

    original = ViewThreads.run
    ViewThreads.run = inline  # type: ignore[method-assign]
    try:
        yield
    finally:
        ViewThreads.run = original  # type: ignore[method-assign]


def as_served() -> None:
    """What a served worker's start-up does before its first request that an in-process
    measure skips (it runs no lifespan): what is alive is frozen out of the garbage collector's
    generations (``parvis.app.freeze_start_up_objects``), so that collections walk only what
    requests allocate, as in the served worker the figures stand for."""
    from parvis.app import freeze_start_up_objects

    freeze_start_up_objects()


def profile_main(argv: list[str]) -> None:
    """``python _load.py profile [PATH] [N] [DATABASE_URL]``: cProfile N anonymous requests of
    PATH on a fresh demo database with a 200-module space (a SQLite temp file unless the URL of
    an existing, empty database is given); prints the top 50 functions by cumulative time.

    Requests go straight through the ASGI app in this thread, and the view, normally run in the
    thread pool, runs inline, so that cProfile sees all of it (no HTTP server, no client)."""
    import cProfile
    import pstats
    import tempfile

    path = argv[0] if argv else f"/s/{SPACE_SLUG}"
    n = int(argv[1]) if len(argv) > 1 else 500
    plugins = json.loads(os.environ.get("PARVIS_BENCH_PLUGINS", "null"))
    with inline_views(), tempfile.TemporaryDirectory(prefix="parvis_profile_") as tmp:
        url = argv[2] if len(argv) > 2 else f"sqlite:///{tmp}/profile.db"
        extra = "petitions" if needs_example_plugin(url, tmp, plugins) else ""
        app, _types = build_database(url, extra, tmp, 200, plugins)
        as_served()

        async def run(count: int) -> None:
            for _ in range(count):
                status, _body = await _asgi_get(app, path)
                assert status == 200, status

        asyncio.run(run(20))
        start = time.perf_counter()
        asyncio.run(run(n))
        plain = time.perf_counter() - start
        profiler = cProfile.Profile()
        profiler.enable()
        asyncio.run(run(n))
        profiler.disable()
        app.state.parvis.db.dispose()
    print(f"{n} requests of {path}: {plain / n * 1000:.2f} ms each without the profiler")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(50)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "client":
        client_main(sys.argv[2:])
    elif len(sys.argv) > 1 and sys.argv[1] == "profile":
        profile_main(sys.argv[2:])
    else:
        sys.exit(
            "usage: _load.py client HOST PORT PATH CONNECTIONS SECONDS\n"
            "       _load.py profile [PATH] [N] [DATABASE_URL]"
        )
