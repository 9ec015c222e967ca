"""Cached anonymous pages answered in the event loop, before the session, CSRF check, routing
and the thread pool (``docs/performance.md``).

``CachedPages`` sits inside ``SecurityHeadersMiddleware`` (which adds the same headers as to
every response) and outside everything else. A ``GET``/``HEAD`` without a session cookie whose
URL the page cache holds a page for (``PageCache.holds_page``) is answered from the cache, or
with a 304, exactly as ``httpcache.fast_lookup`` would answer it in a view; anything else goes
on the usual way. The town's content version still comes from the database, read by a statement
that starts after the request arrived (as a view's would), so a write committed by any process
before the request is seen: ``VersionReader`` runs that statement in a thread of its own, one at
a time, for all the requests that arrived while the previous one ran.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Engine
from starlette.types import ASGIApp, Receive, Scope, Send

from parvis import httpcache, i18n
from parvis.models import Town, TownHost
from parvis.signed_session import request_cookies

if TYPE_CHECKING:
    from parvis.app import Parvis

# The session cookie's name (``create_app``): a visitor who sends one goes the usual way.
SESSION_COOKIE = "parvis_session"
# Distinct (language cookie, Accept-Language, default) triples whose language is kept.
LOCALE_ENTRIES = 1024

_VERSIONS = (
    select(TownHost.host, Town.id, Town.content_version, Town.default_locale, Town.setup_version)
    .join(Town, Town.id == TownHost.town_id)
    .where(TownHost.host.in_(bindparam("hosts", expanding=True)))
)


class TownVersion(NamedTuple):
    id: int
    content_version: int
    default_locale: str
    setup_version: int  # checks the town kept per process (``town_by_host.resolve_town``) on a miss


class VersionReader:
    """The (town, content version, default language) of host names, read from the database by
    one statement at a time in a thread of its own. A request waits for the next statement to
    start, never joins one already running: what it reads was committed before the statement,
    so before the request if it was committed before the request arrived."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # One statement outside any transaction: no BEGIN and ROLLBACK around it (on
        # PostgreSQL, two round trips fewer; SQLite's own BEGIN is skipped in ``db.py``).
        sqlite = engine.dialect.name == "sqlite"
        self._one_read = (
            {"sqlite_autocommit": True} if sqlite else {"isolation_level": "AUTOCOMMIT"}
        )
        self._next: tuple[asyncio.Future[dict[str, TownVersion]], set[str]] | None = None
        self._running = False
        self._loop: asyncio.AbstractEventLoop | None = None

    async def read(self, host: str) -> TownVersion | None:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # another event loop (a test client each): start afresh
            self._loop, self._next, self._running = loop, None, False
        if self._next is None:
            self._next = (loop.create_future(), set())
        future, hosts = self._next
        hosts.add(host)
        if not self._running:
            self._start()
        return (await asyncio.shield(future)).get(host)

    def _start(self) -> None:
        assert self._next is not None
        future, hosts = self._next
        self._next = None
        self._running = True
        loop = asyncio.get_running_loop()
        done = loop.run_in_executor(None, self._query, sorted(hosts))
        done.add_done_callback(lambda task: self._finish(future, task))

    def _finish(self, future: asyncio.Future[Any], task: asyncio.Future[Any]) -> None:
        self._running = False
        if task.cancelled():
            future.cancel()
        elif (error := task.exception()) is not None:
            future.set_exception(error)
        else:
            future.set_result(task.result())
        if self._next is not None:
            self._start()

    def _query(self, hosts: list[str]) -> dict[str, TownVersion]:
        with self.engine.connect().execution_options(**self._one_read) as connection:
            rows = connection.execute(_VERSIONS, {"hosts": hosts}).all()
        return {row[0]: TownVersion(*row[1:]) for row in rows}


class CachedPages:
    """ASGI middleware: see the module's docstring."""

    def __init__(self, app: ASGIApp, parvis: Parvis) -> None:
        self.app = app
        self.parvis = parvis
        self.versions = VersionReader(parvis.db.engine)
        self._locales: dict[tuple[str | None, str, str], str] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not self.parvis.sessionless_actor_only
        ):
            await self.app(scope, receive, send)
            return
        path, query = httpcache.page_url(scope)
        cache = self.parvis.page_cache
        if not cache.holds_page(path, query):
            await self.app(scope, receive, send)
            return
        headers = _first_headers(scope["headers"])
        cookies = request_cookies(scope)
        if SESSION_COOKIE in cookies:
            await self.app(scope, receive, send)
            return
        host = headers.get(b"host", "").split(":")[0].lower()
        read = True
        try:
            town = await self.versions.read(host)
        except Exception:
            town, read = None, False  # the usual way shows the error as it would have
        entry = None
        if town is not None:
            locale = self._locale(
                cookies.get(i18n.LANGUAGE_COOKIE),
                headers.get(b"accept-language", ""),
                town.default_locale,
            )
            tag = httpcache.page_tag(town.id, town.content_version, locale, self.parvis.build_id)
            entry = cache.get((tag, path, query))
        if entry is None:
            if read:
                scope[httpcache.TOWN_VERSION] = town  # not read again by ``fast_lookup``
            await self.app(scope, receive, send)
            return
        if httpcache.tag_matches(headers.get(b"if-none-match", ""), tag):
            await send({"type": "http.response.start", "status": 304, "headers": entry.raw_304})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": entry.raw_200})
        await send({"type": "http.response.body", "body": entry.body})

    def _locale(self, cookie: str | None, accept_language: str, default: str) -> str:
        """``i18n.negotiate_locale`` as ``httpcache.fast_lookup`` calls it, kept per inputs."""
        key = (cookie, accept_language, default)
        locale = self._locales.get(key)
        if locale is None:
            if len(self._locales) >= LOCALE_ENTRIES:
                self._locales.clear()
            locale = self._locales[key] = i18n.negotiate_locale(
                cookie, accept_language=accept_language, default=default
            )
        return locale


def _first_headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[bytes, str]:
    """The first value of each header (as Starlette's ``Headers.get``), decoded as latin-1."""
    found: dict[bytes, str] = {}
    for name, value in raw:
        if name not in found:
            found[name] = value.decode("latin-1")
    return found
