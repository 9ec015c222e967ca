"""Streamed downloads (CSV exports): at most ``config.export_streams`` at once per process.

A streamed export reads its rows in a unit of work of its own while the body is sent, so it
holds a database connection for as long as the client takes to download it: minutes for a
slow client reading 100,000 rows, forever for one that stops reading. Unbounded, a few such
downloads would take every connection of the pool and every other request would wait for one,
then fail. So an export (``export_response``, in a view declared ``@view(export=True)``) takes
one of ``export_streams`` slots, which ``Config.database_connections`` counts: a connection is
always there for it. The view runs first, so it answers a visitor it refuses (403, the log-in
page) whether or not a slot is free. When every slot is taken as the view asks for one, its
unit of work is rolled back (``ExportBusy``), the request waits ``ExportSlots.wait`` seconds in
the event loop (holding no thread nor connection), and then either runs the view again in the
slot that freed or gets a 503 page with ``Retry-After``. The slot and the connection are given
back as soon as the body is sent, the client disconnects, or the client stops reading for
``ExportSlots.stall`` seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Callable, Generator, Iterator
from typing import TYPE_CHECKING, TypeVar

import anyio
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from parvis.view_threads import LoopLimiter

if TYPE_CHECKING:
    from parvis.db import Database

logger = logging.getLogger("parvis")

# Where ``@view(export=True)`` leaves the app's slots with the event loop they belong to, and
# where the request's slot is kept (taken by ``export_response``, or by the endpoint after
# waiting for one).
T = TypeVar("T")

SLOTS_KEY = "parvis.export_slots"
SLOT_KEY = "parvis.export_slot"
RETRY_AFTER = 30  # seconds a refused export is told to wait before trying again


class ExportBusy(Exception):
    """Every export slot was taken when the view asked for one: its unit of work rolls back,
    and the endpoint waits for a slot in the event loop before running the view again."""


class ExportStalled(Exception):
    """The client read nothing for ``ExportSlots.stall`` seconds: the stream is dropped."""


class Slot:
    """One taken slot; ``release`` gives it back once, however often it is called."""

    def __init__(self, limiter: anyio.CapacityLimiter, owner: object, stall: float) -> None:
        self._limiter, self._owner = limiter, owner
        self.stall = stall  # seconds its client may read nothing

    def release(self) -> None:
        if self._owner is not None:
            self._limiter.release_on_behalf_of(self._owner)
            self._owner = None


class ExportSlots:
    """The export streams of one app (``Parvis.export_slots``)."""

    def __init__(self, slots: int, wait: float = 2.0, stall: float = 120.0) -> None:
        self.slots = slots
        self.wait = wait  # seconds an export waits for a slot before its 503
        self.stall = stall  # seconds a client may read nothing before its stream is dropped
        self.limiter = LoopLimiter(slots)

    def in_use(self) -> int:
        return self.limiter.in_use()

    def take_now(self) -> Slot | None:
        """A free slot, or ``None``; in the event loop's thread."""
        limiter, owner = self.limiter(), object()
        try:
            limiter.acquire_on_behalf_of_nowait(owner)
        except anyio.WouldBlock:
            return None
        return Slot(limiter, owner, self.stall)

    async def take(self) -> Slot:
        """A slot, waiting at most ``wait`` seconds; else ``HTTPException(503)``."""
        limiter, owner = self.limiter(), object()
        with anyio.move_on_after(self.wait):
            await limiter.acquire_on_behalf_of(owner)
            return Slot(limiter, owner, self.stall)
        # The page's message is translated where it renders (``render_error``): the event
        # loop has no visitor's language.
        raise HTTPException(503, headers={"retry-after": str(RETRY_AFTER)})


class ExportStream(StreamingResponse):
    """A body read in a read-only unit of work of its own, chunk by chunk in a thread, which
    gives its slot and its connection back as soon as the response ends, however it ends."""

    def __init__(
        self,
        db: Database,
        slot: Slot,
        chunks: Callable[[Session], Iterator[str]],
        media_type: str,
        headers: dict[str, str],
    ) -> None:
        self._db, self.slot, self._chunks = db, slot, chunks
        self._source: Generator[bytes, None, None] | None = None
        super().__init__(self._body(), media_type=media_type, headers=headers)

    def _read(self) -> Generator[bytes, None, None]:
        with self._db.session(write=False) as session:
            for chunk in self._chunks(session):
                yield chunk.encode("utf-8")

    async def _body(self) -> AsyncGenerator[bytes, None]:
        source = self._source = self._read()
        while (chunk := await anyio.to_thread.run_sync(next, source, None)) is not None:
            yield chunk

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_or_drop(message: Message) -> None:
            with anyio.move_on_after(self.slot.stall):
                await send(message)
                return
            raise ExportStalled()

        try:
            await super().__call__(scope, receive, send_or_drop)
        except ExportStalled:  # the server closes a response that ended unfinished
            logger.info(
                "Export %s dropped: its client read nothing for %s s",
                scope["path"],
                self.slot.stall,
            )
        finally:
            with anyio.CancelScope(shield=True):
                await self.body_iterator.aclose()  # type: ignore[attr-defined]
                if self._source is not None:
                    # Ends the unit of work now, not whenever the generator is collected.
                    await anyio.to_thread.run_sync(self._source.close)
                self.slot.release()


def export_response(
    request: Request,
    chunks: Callable[[Session], Iterator[str]],
    *,
    filename: str,
    media_type: str = "text/csv; charset=utf-8",
) -> ExportStream:
    """The streamed download of the text ``chunks(session)`` yields, read in a read-only unit
    of work of its own (the view's ends when the view returns), in an export slot: the one the
    request holds, else a free one, else ``ExportBusy`` (see the module's doc). Call it once the
    view has checked the visitor may download."""
    found: tuple[ExportSlots, asyncio.AbstractEventLoop] | None = request.scope.get(SLOTS_KEY)
    if found is None:
        raise RuntimeError("export_response needs a view declared @view(export=True)")
    slots, loop = found
    slot = request.scope.get(SLOT_KEY)
    if slot is None:
        slot = _in_loop(loop, slots.take_now)
        if slot is None:
            raise ExportBusy()
        request.scope[SLOT_KEY] = slot
    headers = {"content-disposition": f'attachment; filename="{filename}"'}
    return ExportStream(request.app.state.parvis.db, slot, chunks, media_type, headers)


def _in_loop(loop: asyncio.AbstractEventLoop, func: Callable[[], T]) -> T:
    """``func()`` run in ``loop`` (the slots' limiter is the loop's) from a view's thread, a
    read thread or the thread pool's alike: export views run in the read threads, and never
    take the threads kept for writes."""
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is loop:  # a view run in the loop itself (a benchmark's inline views)
        return func()

    async def call() -> T:
        return func()

    return asyncio.run_coroutine_threadsafe(call(), loop).result()


def release_unsent(scope: Scope, response: object) -> None:
    """At the end of an export view: give back the slot the request took, unless ``response``
    streams in it (the stream then gives it back when it ends)."""
    slot = scope.pop(SLOT_KEY, None)
    if slot is not None and not (isinstance(response, ExportStream) and response.slot is slot):
        slot.release()
