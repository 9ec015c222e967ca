"""CPU time, SQL statements and body size of anonymous pages, rendered in-process.

``python bench/page_figures.py [N] [PATH ...]`` (defaults: 100 requests of ``/`` and
``/s/bench-200``, page cache off). Same database as ``_load.py profile``; the view runs inline,
so the process CPU time per request (``time.process_time``) is the page's own, and less sensitive
to other load on the machine than the wall time; Python function calls per request (cProfile, 10
requests) do not depend on that load at all. Prints two lines per page: ``cold`` (every cache
off, the uncached figure: each request renders the whole page) and ``fragment-warm`` (page cache
still off, the parts every visitor shares kept, ``shared_fragment``).
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time

import _load


def main(argv: list[str]) -> None:
    os.environ.setdefault("PARVIS_BENCH_PAGE_CACHE_MB", "0")
    n = int(argv[0]) if argv else 100
    paths = argv[1:] or ["/", f"/s/{_load.SPACE_SLUG}"]
    with _load.inline_views(), tempfile.TemporaryDirectory(prefix="parvis_figures_") as tmp:
        url = f"sqlite:///{tmp}/figures.db"
        extra = "petitions" if _load.needs_example_plugin(url, tmp, None) else ""
        app, _types = _load.build_database(url, extra, tmp, 200, None)
        fragments = app.state.parvis.fragment_cache
        kept = fragments.max_bytes
        for path in paths:
            for mode, limit in (("cold", 0), ("fragment-warm", kept)):
                fragments.max_bytes = limit
                print(f"{path} {mode}: {_figures(app, path, n)}")
        app.state.parvis.db.dispose()


def _figures(app: object, path: str, n: int) -> str:
    async def run(count: int) -> bytes:
        body = b""
        for _ in range(count):
            status, body = await _load._asgi_get(app, path)
            assert status == 200, (path, status)
        return body

    asyncio.run(run(20))
    with app.state.parvis.db.count_queries() as counter:  # type: ignore[attr-defined]
        body = asyncio.run(run(1))
    start = time.process_time()
    asyncio.run(run(n))
    cpu = (time.process_time() - start) / n * 1000
    # Python function calls: deterministic, where CPU time on a shared machine is not.
    profiler = cProfile.Profile()
    profiler.runcall(asyncio.run, run(10))
    calls = pstats.Stats(profiler).total_calls / 10
    return (
        f"{cpu:.2f} ms CPU/request, {calls:,.0f} Python calls/request, "
        f"{counter.count} statements, {len(body)} bytes"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
