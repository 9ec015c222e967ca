"""Streamed exports (``streams.py``): at most ``export_streams`` at once per process, counted in
the database pool; the next one waits briefly, then gets a 503 page with ``Retry-After``; a
visitor the view refuses is refused at once, slots free or not; a client that disconnects or
stops reading gives its slot and connection back at once; pages keep answering while slow
downloads run.

The app is driven as a server drives it (one event loop, ``asgi_scope``), with clients that
read the body slowly or not at all: a test client would read each body whole."""

from __future__ import annotations

import asyncio
import threading
import time
import types
from collections.abc import Callable, Iterator
from typing import Any

import anyio.to_thread
import pytest
from async_helpers import run_coroutine
from sqlalchemy import text
from sqlalchemy.orm import Session
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from parvis.api import AuditAction, export_response, get_context, hookimpl, view
from parvis.config import Config
from parvis.testing import asgi_scope, audit_entries, login, make_user

WAIT = 10.0  # seconds any step may take before the test fails instead of hanging
CLOSED = threading.Semaphore(0)  # released each time an export's rows are closed


def _rows(session: Session) -> Iterator[str]:
    try:
        for i in range(100_000):
            session.execute(text("SELECT 1"))  # a unit of work with its connection, as an export
            yield f"{i},row\n" * 200
    finally:
        CLOSED.release()


@view(export=True)
def slow_export(request: Any) -> Any:
    return export_response(request, _rows, filename="rows.csv")


@view(export=True)
def staff_export(request: Any) -> Any:
    """A protected export, as a module's export.csv: staff only, audited."""
    ctx = get_context(request)
    ctx.require("admin.town")
    ctx.audit("dl.export")
    return export_response(request, _rows, filename="rows.csv")


@view
def not_declared(request: Any) -> Any:
    return export_response(request, _rows, filename="rows.csv")


HELD, ENTERED = threading.Event(), threading.Event()


@view(export=True)
def held_export(request: Any) -> Any:
    """An export view still working out its answer (checking the visitor, reading a header)."""
    ENTERED.set()
    HELD.wait(WAIT)
    return export_response(request, _rows, filename="rows.csv")


@view(write=True)
def quick_write(request: Any) -> Any:
    return PlainTextResponse("written")


@hookimpl
def dl_routes() -> list[Any]:
    return [
        Route("/export", slow_export),
        Route("/staff-export", staff_export),
        Route("/undeclared", not_declared),
        Route("/held", held_export),
        Route("/write", quick_write),
    ]


@hookimpl
def dl_audit_actions() -> list[AuditAction]:
    return [AuditAction("dl.export", "%(actor)s exported the rows")]


def _plugin() -> types.ModuleType:
    module = types.ModuleType("parvis_dl.plugin")
    module.__file__ = __file__
    module.parvis_routes = dl_routes  # type: ignore[attr-defined]
    module.parvis_audit_actions = dl_audit_actions  # type: ignore[attr-defined]
    return module


@pytest.fixture
def dl_town(make_town: Callable[..., Any]) -> Callable[..., Any]:
    global CLOSED
    CLOSED = threading.Semaphore(0)

    def factory(**config: Any) -> Any:
        # One thread for writes, one read slot: the smallest pool, the first to run out.
        return make_town(extra_plugins={"dl": _plugin()}, threads=1, read_threads=1, **config)

    return factory


class Client:
    """One request: ``reads`` body chunks are read, then the client stops reading (its send
    blocks, as a full socket's does) until ``gone`` is set, when it disconnects."""

    def __init__(self, app: Any, path: str, reads: int = 1_000_000, cookie: str = "") -> None:
        self.app, self.path, self.reads, self.cookie = app, path, reads, cookie
        self.status = 0
        self.headers: dict[str, str] = {}
        self.body = b""
        self.chunks = 0
        self.started = asyncio.Event()
        self.gone = asyncio.Event()

    async def receive(self) -> dict[str, Any]:
        if not self.started.is_set():
            self.started.set()
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = {k.decode(): v.decode() for k, v in message["headers"]}
            return
        if self.chunks >= self.reads:
            await self.gone.wait()
            return  # as uvicorn drops what is sent after a disconnect
        self.body += message.get("body", b"")
        self.chunks += 1

    async def run(self) -> None:
        headers = {"accept-language": "fr", **({"cookie": self.cookie} if self.cookie else {})}
        scope = asgi_scope(self.path, headers)
        await self.app(scope, self.receive, self.send)


async def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


def _closed_soon() -> bool:
    return CLOSED.acquire(timeout=WAIT)


def test_slow_downloads_take_their_slots_the_next_gets_a_503_and_pages_answer(dl_town):
    town = dl_town(export_streams=2)
    slots = town.parvis.export_slots
    slots.wait = 0.2

    async def scenario() -> None:
        stuck = [Client(town.app, "/p/dl/export", reads=1) for _ in range(2)]
        tasks = [asyncio.create_task(c.run()) for c in stuck]
        await _until(lambda: all(c.chunks == 1 for c in stuck))
        assert [c.status for c in stuck] == [200, 200]
        assert slots.in_use() == 2
        # More exports than the pool has connections left: each is refused, none waits 30 s.
        refused = [Client(town.app, "/p/dl/export") for _ in range(5)]
        await asyncio.wait_for(asyncio.gather(*(c.run() for c in refused)), WAIT)
        assert {c.status for c in refused} == {503}
        assert refused[0].headers["retry-after"] == "30"
        assert "Trop de téléchargements sont en cours" in refused[0].body.decode()
        # Pages, reads and the error page alike, still find a connection at once.
        for path in ("/", "/p/dl/missing"):
            page = Client(town.app, path)
            started = time.monotonic()
            await asyncio.wait_for(page.run(), WAIT)
            assert page.status in (200, 404) and time.monotonic() - started < 3
        for client in stuck:
            client.gone.set()
        await asyncio.wait_for(asyncio.gather(*tasks), WAIT)
        assert slots.in_use() == 0

    run_coroutine(scenario())
    assert _closed_soon() and _closed_soon()


def test_a_disconnected_client_gives_its_slot_to_the_export_waiting(dl_town):
    town = dl_town(export_streams=1)
    slots = town.parvis.export_slots
    slots.wait = WAIT

    async def scenario() -> None:
        first = Client(town.app, "/p/dl/export", reads=1)
        first_task = asyncio.create_task(first.run())
        await _until(lambda: first.chunks == 1)
        waiting = Client(town.app, "/p/dl/export", reads=2)
        waiting_task = asyncio.create_task(waiting.run())
        await asyncio.sleep(0.3)
        assert (waiting.status, slots.in_use()) == (0, 1)  # it waits for the slot
        first.gone.set()
        await asyncio.wait_for(first_task, WAIT)
        # The rows of the one gone are closed now, not when the generator is collected.
        assert await asyncio.to_thread(CLOSED.acquire, timeout=0.5)
        await _until(lambda: waiting.chunks == 2)
        assert waiting.status == 200 and waiting.body.startswith(b"0,row\n")
        waiting.gone.set()
        await asyncio.wait_for(waiting_task, WAIT)
        assert slots.in_use() == 0

    run_coroutine(scenario())


def _cookie(town: Any, email: str, password: str) -> str:
    client = town.client()
    login(client, email, password)
    return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


def test_a_refused_visitor_is_answered_at_once_while_every_slot_is_taken(dl_town):
    town = dl_town(export_streams=1)
    slots = town.parvis.export_slots
    slots.wait = WAIT  # a refusal that waited for a slot would time the test out
    with town.session() as session:
        make_user(session, town.town_id, "rita@example.org")
    resident = _cookie(town, "rita@example.org", "correct horse battery")
    staff = _cookie(town, town.admin_email, town.admin_password)

    async def scenario() -> None:
        stuck = Client(town.app, "/p/dl/export", reads=1)
        stuck_task = asyncio.create_task(stuck.run())
        await _until(lambda: stuck.chunks == 1)
        anonymous = Client(town.app, "/p/dl/staff-export")
        started = time.monotonic()
        await asyncio.wait_for(anonymous.run(), WAIT)
        assert (
            anonymous.status == 303
            and "/login?next=/p/dl/staff-export" in (anonymous.headers["location"])
        )
        signed_in = Client(town.app, "/p/dl/staff-export", cookie=resident)
        await asyncio.wait_for(signed_in.run(), WAIT)
        assert signed_in.status == 403
        assert time.monotonic() - started < 3 and slots.in_use() == 1
        # Staff may download: the view ran, found no free slot, rolled back (its audit entry
        # too) and waits for one outside any thread; it runs again when the slot frees.
        allowed = Client(town.app, "/p/dl/staff-export", reads=2, cookie=staff)
        allowed_task = asyncio.create_task(allowed.run())
        await asyncio.sleep(0.3)
        assert allowed.status == 0 and not await asyncio.to_thread(audit_entries, town, "dl.export")
        stuck.gone.set()
        await asyncio.wait_for(stuck_task, WAIT)
        await _until(lambda: allowed.chunks == 2)
        assert allowed.status == 200 and allowed.body.startswith(b"0,row\n")
        allowed.gone.set()
        await asyncio.wait_for(allowed_task, WAIT)
        assert slots.in_use() == 0

    run_coroutine(scenario())
    assert len(audit_entries(town, "dl.export")) == 1  # the export that ran, once


def test_a_client_that_stops_reading_is_dropped_after_the_stall_time(dl_town):
    town = dl_town(export_streams=1)
    slots = town.parvis.export_slots
    slots.stall = 0.3

    async def scenario() -> None:
        silent = Client(town.app, "/p/dl/export", reads=1)
        task = asyncio.create_task(silent.run())
        await _until(lambda: silent.chunks == 1)
        await asyncio.wait_for(task, WAIT)  # ends on its own, the client still connected
        assert slots.in_use() == 0
        assert not silent.gone.is_set()

    run_coroutine(scenario())
    assert _closed_soon()


def test_a_view_not_declared_for_exports_cannot_stream(dl_town):
    town = dl_town()
    with pytest.raises(RuntimeError, match=r"@view\(export=True\)"):
        town.client().get("/p/dl/undeclared")


def test_export_streams_from_the_file_and_the_environment(monkeypatch, tmp_path, dl_town):
    toml = tmp_path / "parvis.toml"
    toml.write_text("export_streams = 5\nthreads = 7\nread_threads = 3\n")
    assert Config.load(toml, secret_key="k").export_streams == 5
    monkeypatch.setenv("PARVIS_EXPORT_STREAMS", "4")
    config = Config.load(toml, secret_key="k")
    assert config.export_streams == 4
    assert config.database_connections() == 7 + 2 * 3 + 4 + 1
    monkeypatch.setenv("PARVIS_INLINE_WORKER", "1")
    assert Config.load(toml, secret_key="k").database_connections() == 7 + 2 * 3 + 4 + 1 + 1
    assert dl_town(export_streams=3).parvis.export_slots.slots == 3
    assert Config().export_streams == 2


@pytest.mark.parametrize("value", ["0", "-1"])
def test_export_streams_below_one_are_refused_at_start(monkeypatch, tmp_path, value):
    monkeypatch.setenv("PARVIS_EXPORT_STREAMS", value)
    with pytest.raises(ValueError, match="export_streams must be a whole number of at least 1"):
        Config.load(tmp_path / "none.toml", secret_key="k")


def test_export_streams_not_a_number_is_refused(tmp_path):
    toml = tmp_path / "parvis.toml"
    toml.write_text('export_streams = "many"\n')
    with pytest.raises(ValueError, match="export_streams must be a whole number"):
        Config.load(toml, secret_key="k")


def test_export_views_never_take_the_writing_views_threads(dl_town):
    """Export views are reading views: they run in the read threads, not in the thread pool
    kept for writes (ballots), so requests for downloads (anyone may ask, most are refused
    or wait for a slot) never delay a write. With one thread for writes, a write answers while
    an export view is still running."""
    town = dl_town(export_streams=1)
    HELD.clear()
    ENTERED.clear()

    async def scenario() -> None:
        # As the app's lifespan sets it (not run here): the thread pool has ``threads`` threads.
        anyio.to_thread.current_default_thread_limiter().total_tokens = 1
        held = Client(town.app, "/p/dl/held", reads=1)
        held_task = asyncio.create_task(held.run())
        await _until(ENTERED.is_set)
        write = Client(town.app, "/p/dl/write")
        try:
            await asyncio.wait_for(write.run(), 3)
            assert write.status == 200
        finally:
            HELD.set()
        await _until(lambda: held.chunks == 1)
        assert held.status == 200
        held.gone.set()
        await asyncio.wait_for(held_task, WAIT)

    run_coroutine(scenario())
    assert _closed_soon()
