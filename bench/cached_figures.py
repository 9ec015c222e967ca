"""CPU time and SQL statements of cached anonymous pages under concurrent clients, in-process.

``python bench/cached_figures.py [CLIENTS] [REQUESTS] [DATABASE_URL]`` (defaults: 16 clients,
100 requests each, a new SQLite database; a URL names an existing, empty database such as
PostgreSQL). Same town as ``_load.py profile``, page cache on, views in the thread pool as in
production: the clients send their requests straight through the ASGI app at once, so requests
wait together as they do behind a server. Prints, for ``/`` and ``/s/bench-200``, the process
CPU time (every thread) and the statements per request, after a warm-up that fills the cache.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time

import _load


def main(argv: list[str]) -> None:
    os.environ.setdefault("PARVIS_BENCH_PAGE_CACHE_MB", "32")
    clients = int(argv[0]) if argv else 16
    requests = int(argv[1]) if len(argv) > 1 else 100
    with tempfile.TemporaryDirectory(prefix="parvis_cached_") as tmp:
        url = argv[2] if len(argv) > 2 else f"sqlite:///{tmp}/cached.db"
        extra = "petitions" if _load.needs_example_plugin(url, tmp, None) else ""
        app, _types = _load.build_database(url, extra, tmp, 200, None)
        for path in ("/", f"/s/{_load.SPACE_SLUG}"):

            async def client(count: int, path: str = path) -> None:
                for _ in range(count):
                    status, _body = await _load._asgi_get(app, path)
                    assert status == 200, (path, status)

            async def run(count: int) -> None:
                await asyncio.gather(*(client(count) for _ in range(clients)))

            asyncio.run(run(5))
            with app.state.parvis.db.count_queries() as counter:
                start = time.process_time()
                asyncio.run(run(requests))
                cpu = (time.process_time() - start) / (clients * requests) * 1000
            print(
                f"{path}: {cpu:.3f} ms CPU/request, "
                f"{counter.count / (clients * requests):.3f} statements/request "
                f"({clients} clients x {requests} requests)"
            )
        app.state.parvis.db.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
