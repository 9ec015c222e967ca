"""Requests straight through an app's ASGI interface, as a server sends them: for what a test
client hides (it reads a streamed body whole before the test sees it), such as the memory a
streamed download takes, or a client that reads slowly (``asgi_scope`` with your own
``receive`` and ``send``)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import tracemalloc
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from parvis.fastpath import SESSION_COOKIE
from parvis.models import User
from parvis.testing.helpers import TestTown, session_cookie


@dataclass(frozen=True)
class AsgiResponse:
    """What ``asgi_get`` received: ``body`` is empty unless kept; ``size`` counts its bytes
    anyway; ``peak_memory`` is the peak of traced memory (bytes) during the request, or 0."""

    status: int
    headers: dict[str, str]
    body: bytes
    size: int
    peak_memory: int


def asgi_scope(path: str, headers: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The scope a server gives the app for a GET of ``path`` (with its query string, if any)
    at host ``testserver``, with ``headers`` (e.g. ``{"cookie": ..., "accept-language": "fr"}``)."""
    path, _sep, query = path.partition("?")
    sent = {"host": "testserver", **(headers or {})}
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in sent.items()],
        "client": ("127.0.0.1", 4000),
        "server": ("testserver", 80),
    }


def asgi_get(
    app: Any,
    path: str,
    headers: Mapping[str, str] | None = None,
    *,
    keep_body: bool = True,
    trace_memory: bool = False,
) -> AsgiResponse:
    """GET ``path`` through ``app``'s ASGI interface, in an event loop of its own run in a
    thread (so it works whether this thread runs a loop or not). The body is read chunk by
    chunk as a server reads it, and dropped as it comes unless ``keep_body``; the client stays
    connected until the response ends. ``trace_memory`` measures the peak of the memory the
    request allocates (``tracemalloc``, every thread), and implies ``keep_body=False``: a
    streamed download's peak then does not grow with its size."""
    keep = keep_body and not trace_memory
    status = size = 0
    received: dict[str, str] = {}
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        if not chunks:
            chunks.append(b"")  # the request's (empty) body is sent once
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # connected until the response ends
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status, size
        if message["type"] == "http.response.start":
            status = message["status"]
            received.update((k.decode(), v.decode()) for k, v in message["headers"])
        elif message["type"] == "http.response.body":
            body = message.get("body", b"")
            size += len(body)
            if keep:
                chunks.append(body)

    peak = 0
    if trace_memory:
        tracemalloc.start()
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            pool.submit(asyncio.run, app(asgi_scope(path, headers), receive, send)).result()
        if trace_memory:
            peak = tracemalloc.get_traced_memory()[1]
    finally:
        if trace_memory:
            tracemalloc.stop()
    return AsgiResponse(status, received, b"".join(chunks), size, peak)


def signed_in(town: TestTown, email: str) -> dict[str, str]:
    """The headers of a request by the town's user ``email``, signed in (a ``session_cookie``
    recorded now): for ``asgi_get``, which keeps no cookies."""
    with town.session() as session:
        user = session.scalars(
            select(User).where(User.town_id == town.town_id, User.email == email)
        ).one()
        signed = session_cookie(session, town.parvis.config.secret_key, user, "t" * 32)
    return {"cookie": f"{SESSION_COOKIE}={signed}"}
