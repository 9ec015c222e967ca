"""Where views run: reading views in threads of their own, writing views in the thread pool.

Views are synchronous functions run in threads. On one core, views running at once take turns
holding the GIL, and each costs more CPU than run one after the other: 16 renders of the
200-module space page interleaved cost about 1.4 ms more each than one at a time
(``docs/performance.md``, "Read slots"). So reading views (a unit of work that does not write:
``GET`` and ``HEAD`` unless the view says otherwise) run in ``config.read_threads`` threads of
their own, the next ones queued for the first thread free while the event loop keeps serving
kept pages and reading forms. Writing views (ballots, forms) run in the thread pool, whose
``config.threads`` threads reads never take: a burst of page views or a slow results page never
delays a ballot. (So do export views, which call back into the event loop with
``anyio.from_thread``: that needs anyio's threads; a read thread is not one.)

The read threads are a plain executor handed the view through the event loop's
``run_in_executor``: anyio's ``to_thread.run_sync`` with a capacity limiter cost about 30 to
70 µs more CPU per page (its limiter, cancel scope and worker bookkeeping,
``docs/performance.md``, "Fixed costs of every rendered page"), and every page pays it.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import anyio
import anyio.to_thread

T = TypeVar("T")


class LoopLimiter:
    """A capacity limiter of ``slots`` for the running event loop (a limiter's waiters belong to
    one loop; a test client without ``with`` runs one loop per request)."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._loop: asyncio.AbstractEventLoop | None = None
        self._limiter: anyio.CapacityLimiter | None = None

    def __call__(self) -> anyio.CapacityLimiter:
        loop = asyncio.get_running_loop()
        if self._limiter is None or loop is not self._loop:
            self._loop, self._limiter = loop, anyio.CapacityLimiter(self.slots)
        return self._limiter

    def in_use(self) -> int:
        return 0 if self._limiter is None else int(self._limiter.borrowed_tokens)


class ViewThreads:
    """The reading views' threads of one app (``Parvis.view_threads``): started on first use,
    ended when the app is gone (a test's app, as its client may start its lifespan again)."""

    def __init__(self, read_slots: int) -> None:
        self.read_slots = read_slots
        self.reads = ThreadPoolExecutor(read_slots, thread_name_prefix="parvis-read")

    async def run(self, func: Callable[..., T], *args: Any, write: bool) -> T:
        """``func(*args)`` in a thread: a read thread, or the thread pool's when ``write``; in
        a copy of the caller's context (as anyio's threads run it)."""
        if write:
            return await anyio.to_thread.run_sync(functools.partial(func, *args))
        context = contextvars.copy_context()
        done = self.reads.submit(context.run, func, *args)
        try:
            return await asyncio.wrap_future(done)
        except asyncio.CancelledError:
            # As anyio's threads: a view already running ends before the cancellation goes on
            # (its unit of work, a taken export slot); one still queued never starts. Shielded:
            # anyio cancels a task again at every turn of the event loop while its scope is
            # cancelled, and this wait would spin until the view ended.
            with anyio.CancelScope(shield=True):
                while not done.done():
                    try:
                        await asyncio.wrap_future(done)
                    except asyncio.CancelledError:
                        continue  # a plain asyncio cancel: delivered once
                    except Exception:
                        break
            raise
