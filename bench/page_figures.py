"""CPU time, SQL statements and body size of anonymous pages, rendered in-process.

``python bench/page_figures.py [N] [PATH ...]`` (defaults: 100 requests of ``/`` and
``/s/bench-200``, page cache off). Same database as ``_load.py profile``; the view runs inline,
so the process CPU time per request (``time.process_time``) is the page's own, and less sensitive
to other load on the machine than the wall time; Python function calls per request (cProfile, 10
requests) do not depend on that load at all. What is alive once the app is built is frozen
out of the garbage collector's generations, as a served worker's start-up does
(``_load.as_served``): without it, one full collection of ~180,000 start-up objects every few
hundred requests added 0.1-0.3 ms to each request's average, a cost no served worker pays.
Prints four lines per page, the page cache off in all of them:

- ``cold``: every cache off (fragments and render memo): each request renders the whole page,
  the uncached figure;
- ``after a write, memo off``: each request follows a write to one module of the 200-module
  space (its title changed: the town's content version moves on, so no shared fragment
  matches), render memo off;
- ``after a write``: the same with the render memo on (``rendermemo.py``): the cards of the
  other modules come from the memo;
- ``fragment-warm``: no write, the shared fragments kept (``shared_fragment``).

The write itself runs between the measured requests and is not counted (CPU time is summed
over the requests only; the call counts include the writes' share of the profiler, so they are
given for the modes without writes and ``after a write`` counts only the requests).
"""

from __future__ import annotations

import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time
from typing import Any

import _load

# (fragment cache on, render memo on, a write to one module before each request)
MODES = {
    "cold": (False, False, False),
    "after a write, memo off": (True, False, True),
    "after a write": (True, True, True),
    "fragment-warm": (True, True, False),
}


def main(argv: list[str]) -> None:
    os.environ.setdefault("PARVIS_BENCH_PAGE_CACHE_MB", "0")
    n = int(argv[0]) if argv else 100
    paths = argv[1:] or ["/", f"/s/{_load.SPACE_SLUG}"]
    with _load.inline_views(), tempfile.TemporaryDirectory(prefix="parvis_figures_") as tmp:
        url = f"sqlite:///{tmp}/figures.db"
        extra = "petitions" if _load.needs_example_plugin(url, tmp, None) else ""
        app, _types = _load.build_database(url, extra, tmp, 200, None)
        _load.as_served()
        parvis = app.state.parvis
        fragments, memo = parvis.fragment_cache, parvis.render_memo
        kept = fragments.max_bytes, memo.max_bytes
        for path in paths:
            for mode, (keep, remember, write) in MODES.items():
                fragments.max_bytes = kept[0] if keep else 0
                memo.max_bytes = kept[1] if remember else 0
                print(f"{path} {mode}: {_figures(app, path, n, write)}")
        parvis.db.dispose()


def _writer(app: Any) -> Any:
    """A write to one module of the 200-module space: its title changes each time."""
    from sqlalchemy import select

    from parvis.models import Module, Space

    parvis = app.state.parvis
    with parvis.db.session() as session:
        module_id = session.scalar(
            select(Module.id)
            .join(Space, Space.id == Module.space_id)
            .where(Space.slug == _load.SPACE_SLUG)
            .order_by(Module.position)
            .limit(1)
        )
    count = 0

    def write() -> None:
        nonlocal count
        count += 1
        with parvis.db.session() as session:
            session.get(Module, module_id).title = f"Module n° 1, version {count}"

    return write


def _figures(app: Any, path: str, n: int, write: bool) -> str:
    writer = _writer(app) if write else None
    cpu = [0.0]

    async def run(count: int) -> bytes:
        body = b""
        for _ in range(count):
            if writer is not None:
                writer()
            start = time.process_time()
            status, body = await _load._asgi_get(app, path)
            cpu[0] += time.process_time() - start
            assert status == 200, (path, status)
        return body

    asyncio.run(run(20))
    if writer is not None:
        writer()
    with app.state.parvis.db.count_queries() as counter:  # type: ignore[attr-defined]
        _status, body = asyncio.run(_load._asgi_get(app, path))
    cpu[0] = 0.0
    asyncio.run(run(n))
    ms = cpu[0] / n * 1000
    # Python function calls: deterministic, where CPU time on a shared machine is not.
    profiler = cProfile.Profile()

    async def profiled(count: int) -> None:
        for _ in range(count):
            if writer is not None:
                writer()
            profiler.enable()
            await _load._asgi_get(app, path)
            profiler.disable()

    asyncio.run(profiled(10))
    calls = pstats.Stats(profiler).total_calls / 10
    return (
        f"{ms:.2f} ms CPU/request, {calls:,.0f} Python calls/request, "
        f"{counter.count} statements, {len(body)} bytes"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
