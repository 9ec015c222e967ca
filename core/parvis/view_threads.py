"""Where views run: reading views in slots of their own, writing views in the thread pool.

Views are synchronous functions run in threads. On one core, views running at once take turns
holding the GIL, and each costs more CPU than run one after the other: 16 renders of the
200-module space page interleaved cost about 1.4 ms more each than one at a time
(``docs/performance.md``, "Read slots"). So reading views (a unit of work that does not write:
``GET`` and ``HEAD`` unless the view says otherwise) run at most ``config.read_threads`` at
once, the next ones waiting in the event loop, which meanwhile keeps serving kept pages and
reading forms. Writing views (ballots, forms) run in the thread pool, whose ``config.threads``
threads reads never take: a burst of page views or a slow results page never delays a ballot.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
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
    """The reading views' slots of one app (``Parvis.view_threads``)."""

    def __init__(self, read_slots: int) -> None:
        self.read_slots = read_slots
        self.reads = LoopLimiter(read_slots)

    async def run(self, func: Callable[..., T], *args: Any, write: bool) -> T:
        """``func(*args)`` in a thread: a read slot's, or the thread pool's when ``write``."""
        call = functools.partial(func, *args)
        if write:
            return await anyio.to_thread.run_sync(call)
        return await anyio.to_thread.run_sync(call, limiter=self.reads())
