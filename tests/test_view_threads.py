"""Reading views run in slots of their own (``view_threads.py``): at most ``read_threads`` at
once, while writing views keep the thread pool's ``threads``; the setting comes from
``parvis.toml`` or the environment; the database pool has a connection for every view at once,
and a second one for every reading view.

The views here block on events, so the tests see what runs at once: one ``TestClient`` (one
event loop, as in a served process) used from several threads."""

from __future__ import annotations

import threading
import time
import types
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from parvis.api import get_context, hookimpl, view
from parvis.config import Config
from parvis.csrf import CSRF_COOKIE, new_form_token

WAIT = 10.0  # seconds any step may take before the test fails instead of hanging


class _Gate:
    """What the blocking views share with the test."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0
        self.release = threading.Event()
        self.barrier: threading.Barrier | None = None

    def enter(self) -> None:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)

    def leave(self) -> None:
        with self.lock:
            self.running -= 1


GATE = _Gate()


@view
def blocking_read(request: Any) -> PlainTextResponse:
    GATE.enter()
    try:
        GATE.release.wait(WAIT)
    finally:
        GATE.leave()
    return PlainTextResponse("read")


@view
def quick_write(request: Any) -> PlainTextResponse:
    get_context(request).session.execute(text("SELECT 1"))
    return PlainTextResponse("written")


@view
def two_connections(request: Any) -> PlainTextResponse:
    """Holds its unit of work's connection and, as ``schedule.advance`` does when a module is
    due to move, opens a second unit of work; every caller holds both at once."""
    ctx = get_context(request)
    ctx.session.execute(text("SELECT 1"))
    assert GATE.barrier is not None
    GATE.barrier.wait(WAIT)
    with ctx.parvis.db.session(write=False) as second:
        second.execute(text("SELECT 1"))
        GATE.barrier.wait(WAIT)
    return PlainTextResponse("two")


@hookimpl
def slots_routes() -> list[Any]:
    return [
        Route("/read", blocking_read),
        Route("/write", quick_write, methods=["POST"]),
        Route("/two", two_connections),
    ]


def _plugin() -> types.ModuleType:
    module = types.ModuleType("parvis_slots.plugin")
    module.__file__ = __file__
    module.parvis_routes = slots_routes  # type: ignore[attr-defined]
    return module


@pytest.fixture
def slots_town(make_town: Callable[..., Any]) -> Callable[..., Any]:
    global GATE
    GATE = _Gate()

    def factory(**config: Any) -> Any:
        return make_town(extra_plugins={"slots": _plugin()}, **config)

    yield factory
    GATE.release.set()


def _in_threads(calls: list[Callable[[], Any]]) -> tuple[list[threading.Thread], list[Any]]:
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        results[i] = calls[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    return threads, results


def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def _post(client: Any, url: str) -> Any:
    """An anonymous POST with the signed double-submit token (``csrf.py``)."""
    token = new_form_token(client.app.state.parvis.config.secret_key)
    client.cookies.set(CSRF_COOKIE, token)
    return client.post(url, headers={"x-csrf-token": token})


@pytest.mark.parametrize("slots", [1, 2])
def test_reading_views_run_at_most_read_threads_at_once_and_writes_do_not_wait(slots_town, slots):
    # One thread for writes: before reads had slots of their own, the blocked reads held it.
    town = slots_town(threads=1, read_threads=slots)
    with town.client() as client:
        threads, results = _in_threads(
            [lambda: client.get("/p/slots/read") for _ in range(slots + 1)]
        )
        _until(lambda: GATE.running == slots)
        time.sleep(0.3)  # the one more read had time to start, were it let in
        assert GATE.running == slots
        # A write runs while every read slot is held and a read waits for one.
        written = _post(client, "/p/slots/write")
        assert (written.status_code, written.text) == (200, "written")
        assert GATE.running == slots
        GATE.release.set()
        for thread in threads:
            thread.join(WAIT)
    assert [(r.status_code, r.text) for r in results] == [(200, "read")] * (slots + 1)
    assert GATE.most == slots


def test_a_slow_read_holds_one_slot_not_every_page(slots_town):
    town = slots_town(read_threads=2)
    with town.client() as client:
        threads, results = _in_threads([lambda: client.get("/p/slots/read")])
        _until(lambda: GATE.running == 1)
        # Another page still finds a slot, and a write the thread pool.
        assert client.get("/p/slots/two-missing").status_code == 404
        assert _post(client, "/p/slots/write").status_code == 200
        GATE.release.set()
        threads[0].join(WAIT)
    assert results[0].status_code == 200


def test_every_view_at_once_gets_its_connections(slots_town):
    """3 reading views, each holding two connections at once, and a write: the pool opens
    them all (``Config.database_connections``), no view waits for another to give one back."""
    reads = 3
    town = slots_town(threads=1, read_threads=reads)
    GATE.barrier = threading.Barrier(reads)
    with town.client() as client:
        threads, results = _in_threads([lambda: client.get("/p/slots/two")] * reads)
        for thread in threads:
            thread.join(WAIT * 3)
        assert _post(client, "/p/slots/write").status_code == 200
    assert [(r.status_code, r.text) for r in results] == [(200, "two")] * reads


def test_read_threads_from_the_file_and_the_environment(monkeypatch, tmp_path, make_town):
    toml = tmp_path / "parvis.toml"
    toml.write_text("read_threads = 5\nthreads = 7\n")
    assert Config.load(toml, secret_key="k").read_threads == 5
    monkeypatch.setenv("PARVIS_READ_THREADS", "3")
    config = Config.load(toml, secret_key="k")
    assert (config.read_threads, config.threads) == (3, 7)
    assert config.database_connections() == 7 + 2 * 3 + 2 + 1  # 2: export_streams
    town = make_town(read_threads=config.read_threads)
    assert town.parvis.view_threads.read_slots == 3
    assert Config().read_threads == 4


@pytest.mark.parametrize("value", ["0", "-2"])
def test_read_threads_below_one_are_refused_at_start(monkeypatch, tmp_path, value):
    monkeypatch.setenv("PARVIS_READ_THREADS", value)
    with pytest.raises(ValueError, match="read_threads must be a whole number of at least 1"):
        Config.load(tmp_path / "none.toml", secret_key="k")


def test_a_cancelled_caller_waits_for_its_running_view_without_spinning(monkeypatch):
    """A caller cancelled (an anyio cancel scope, as a server's shutdown or a task group does)
    while its view runs waits for it to end, as anyio's threads do; anyio delivers a scope's
    cancellation again at every turn of the event loop, so that wait must be shielded, not
    retried: it waited in a loop of cancelled awaits, a core busy until the view ended."""
    import asyncio

    import anyio

    from parvis.view_threads import ViewThreads

    waits = []
    wrap = asyncio.wrap_future

    def counted(future: Any) -> Any:
        waits.append(future)
        return wrap(future)

    monkeypatch.setattr(asyncio, "wrap_future", counted)
    started, ended = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        time.sleep(0.3)
        ended.set()
        return "done"

    async def main() -> None:
        threads = ViewThreads(1)
        async with anyio.create_task_group() as tasks:
            with anyio.CancelScope() as scope:

                async def cancel() -> None:
                    await anyio.to_thread.run_sync(started.wait, WAIT)
                    scope.cancel()

                tasks.start_soon(cancel)
                await threads.run(slow, write=False)
            assert scope.cancelled_caught
            assert ended.is_set()  # the view ended before the cancellation went on
        threads.reads.shutdown()

    # A thread of its own: the browser tests' Playwright keeps an event loop running in the
    # main thread for the whole session, where asyncio.run refuses to start another.
    errors: list[BaseException] = []

    def run_loop() -> None:
        try:
            asyncio.run(main())
        except BaseException as error:  # raised again in the test's thread
            errors.append(error)

    loop_thread = threading.Thread(target=run_loop)
    loop_thread.start()
    loop_thread.join(WAIT)
    assert not loop_thread.is_alive(), "the event loop did not end"
    if errors:
        raise errors[0]
    assert len(waits) <= 3, f"{len(waits)} waits for one view"
