"""HTTP caching of anonymous pages: ``ETag`` and 304, ``Cache-Control``, the in-process page
cache.

A request is *anonymous* when it is a ``GET``/``HEAD`` from a visitor with no session (nobody
logged in, no form sent, no flash message): what it gets depends only on the town, the URL, the
language and the town's content version (``versions.py``), so its ``ETag`` is made of those plus
a one-minute clock (pages show "closes in 3 days") and the deployment's build. A response is
shared (``Cache-Control: public``) only when, in addition, it is a 200 that holds no form (a
form's CSRF token belongs to one visitor) and sets no cookie; every other response of a view is
``private, no-store``.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Scope

from parvis import i18n, page_bytes, versions
from parvis.contrib import Fragment
from parvis.driver import driver_rows
from parvis.models import Town, TownHost
from parvis.signed_session import request_cookies
from parvis.town_by_host import request_state

if TYPE_CHECKING:
    from parvis.app import Parvis
    from parvis.context import Context
    from parvis.plugins import PluginInfo

SlotImpl = Callable[..., list[Fragment]]
T = TypeVar("T")

CLOCK_SECONDS = 60
SHARED_MAX_AGE = 10
PUBLIC = f"public, max-age=0, s-maxage={SHARED_MAX_AGE}"
PRIVATE = "private, no-store"
VARY = "Accept-Language, Cookie"


def build_id(version: str, infos: dict[str, PluginInfo]) -> str:
    """Changes with any upgrade of core or a plugin, so that no ETag outlives a deployment."""
    parts = [version, *(f"{name}={info.version}" for name, info in sorted(infos.items()))]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:8]


def is_anonymous(ctx: Context) -> bool:
    request = ctx.request
    return (
        request.method in ("GET", "HEAD")
        and ctx.user is None
        and ctx.form is None
        and not request.session
    )


def etag(ctx: Context) -> str:
    return page_tag(ctx.town.id, ctx.town.content_version, ctx.locale, ctx.parvis.build_id)


def page_tag(town_id: int, version: int, locale: str, build: str) -> str:
    clock = int(time.time()) // CLOCK_SECONDS
    return f'W/"{town_id}-{version}-{locale}-{clock}-{build}"'


def tag_matches(header: str, tag: str) -> bool:
    if not header:  # most requests
        return False
    bare = tag.removeprefix("W/")
    return any(part.strip().removeprefix("W/") == bare for part in header.split(","))


def _public_headers(tag: str) -> dict[str, str]:
    return {"etag": tag, "cache-control": PUBLIC, "vary": VARY}


@dataclass(frozen=True)
class _Entry:
    body: bytes
    media_type: str | None
    headers: tuple[tuple[str, str], ...]
    value: tuple[Any, ...] = ()  # a slot's fragments
    extra_size: int = 0
    # A page's complete headers, as ``fast_lookup`` would send them (``fastpath.py``).
    raw_200: list[tuple[bytes, bytes]] = field(default_factory=list)
    raw_304: list[tuple[bytes, bytes]] = field(default_factory=list)
    # A shared fragment's long markup and its UTF-8 bytes (``page_bytes.py``).
    encoded: page_bytes.Encoded = ()

    @property
    def size(self) -> int:
        return len(self.body) + self.extra_size


class PageCache:
    """Rendered anonymous pages of the views declared ``@view(cache=True)`` (``page_cache``),
    or fragments (``fragment_cache``: ``shared_fragment``, ``@cached_slot``), least recently
    used first out. Keys carry the content version: a write anywhere in the town makes every
    entry of the town unreachable (they age out), in every process alike."""

    def __init__(self, max_bytes: int = 32 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[tuple[Any, ...], _Entry] = OrderedDict()
        self._lock = threading.Lock()
        # How many pages (any version, language, minute) each (path, query) has here.
        self._pages: dict[tuple[Any, ...], int] = {}

    def holds_page(self, path: str, query: bytes) -> bool:
        """Whether a page of this URL is kept, whatever its version (``fastpath.py``)."""
        return (path, query) in self._pages

    def fits(self, size: int) -> bool:
        """Whether an entry of ``size`` bytes would be kept by ``put``."""
        return size <= self.max_bytes // 8

    def get(self, key: tuple[Any, ...]) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key: tuple[Any, ...], entry: _Entry) -> None:
        if not self.fits(entry.size):
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._count(key, old, -1)
            self._entries[key] = entry
            self._count(key, entry, 1)
            while self.size > self.max_bytes:
                self._count(*self._entries.popitem(last=False), -1)

    def _count(self, key: tuple[Any, ...], entry: _Entry, sign: int) -> None:
        self.size += sign * entry.size
        if entry.raw_200:
            url = key[1:]
            pages = self._pages[url] = self._pages.get(url, 0) + sign
            if not pages:
                del self._pages[url]

    def __len__(self) -> int:
        return len(self._entries)


def page_url(scope: Scope) -> tuple[str, bytes]:
    """A page's URL in its cache key: the path and query as the server received them."""
    return scope["path"], scope.get("query_string", b"")


def _page_response(body: bytes, media_type: str | None, kept: Any, tag: str) -> Response:
    return Response(body, media_type=media_type, headers={**dict(kept), **_public_headers(tag)})


# Headers of a cached page that are the response's own (not the session's or security's).
_KEPT = ("content-type", "content-language", "link")


# Where ``fastpath.CachedPages`` leaves what it read of the town (id, content_version,
# default_locale), or ``None`` for an unknown host, when it did not find the page.
TOWN_VERSION = "parvis.town_version"
# What a cached page's key needs from the town: one narrow statement, built once.
_TOWN_VERSION = (
    select(Town.id, Town.content_version, Town.default_locale, Town.setup_version)
    .join(TownHost, TownHost.town_id == Town.id)
    .where(TownHost.host == bindparam("host"))
)


def fast_lookup(parvis: Parvis, session: Session, request: Request) -> Response | None:
    """The cached page (or a 304) of a ``cache=True`` view for a visitor without a session,
    before any context is built: one narrow query (town, versions, language) and a dictionary
    look-up. ``None`` when it is not there (the request then goes the usual way)."""
    if not parvis.sessionless_actor_only:
        return None  # a plugin may recognise a visitor without a session (a header, say)
    if TOWN_VERSION in request.scope:
        row = request.scope[TOWN_VERSION]  # read for this request by ``fastpath.CachedPages``
    else:
        host = (request.headers.get("host") or "").split(":")[0].lower()
        rows = driver_rows(session, _TOWN_VERSION, {"host": host})
        row = rows[0] if rows else None
    if row is None:
        return None
    town_id, content_version, default_locale, setup_version = row
    # On a miss, the town kept per process is checked against these (``town_by_host.checked_town``)
    # instead of reading them again: read before anything the view reads, as that one is.
    request_state(request)["town_versions"] = (town_id, setup_version, content_version)
    locale = i18n.negotiate_locale(
        request_cookies(request.scope).get(i18n.LANGUAGE_COOKIE),
        accept_language=request.headers.get("accept-language", ""),
        default=default_locale,
    )
    tag = page_tag(town_id, content_version, locale, parvis.build_id)
    if tag_matches(request.headers.get("if-none-match", ""), tag):
        return Response(status_code=304, headers=_public_headers(tag))
    entry = parvis.page_cache.get((tag, *page_url(request.scope)))
    if entry is None:
        return None
    return _page_response(entry.body, entry.media_type, entry.headers, tag)


def lookup(ctx: Context, cache: bool | None) -> Response | None:
    """A 304 when the visitor's copy is current; the cached page if there is one."""
    if not is_anonymous(ctx):
        return None
    tag = ctx.extra["httpcache.etag"] = etag(ctx)
    if tag_matches(ctx.request.headers.get("if-none-match", ""), tag):
        ctx.extra["httpcache.done"] = True
        return Response(status_code=304, headers=_public_headers(tag))
    if cache:
        entry = ctx.parvis.page_cache.get((tag, *page_url(ctx.request.scope)))
        if entry is not None:
            ctx.extra["httpcache.done"] = True
            return _page_response(entry.body, entry.media_type, entry.headers, tag)
    return None


def set_headers(ctx: Context, response: Response, cache: bool | None) -> None:
    """``Cache-Control`` (and ``ETag``) of a view's response; keeps a ``cache=True`` page.
    Every view's response comes here: its headers are read and written as the raw list
    (``Response.headers`` wraps that same list)."""
    if ctx.extra.get("httpcache.done"):
        return
    raw = response.raw_headers
    names = {name for name, _value in raw}
    if b"cache-control" in names:
        return
    request = ctx.request
    public = (
        cache is not False
        and response.status_code == 200
        and is_anonymous(ctx)
        and not request.scope.get("state", {}).get("holds_form", False)
        and b"set-cookie" not in names
    )
    if not public:
        raw.append(_PRIVATE)
        return
    tag = ctx.extra.get("httpcache.etag") or etag(ctx)
    if names.isdisjoint(_PUBLIC_NAMES):  # most responses: appended, no ``MutableHeaders``
        raw += ((b"etag", tag.encode("latin-1")), *_PUBLIC_REST)
    else:
        response.headers.update(_public_headers(tag))
    body = getattr(response, "body", None)
    # Entries the cache would refuse (off, or too big) are not built at all.
    if cache and isinstance(body, bytes) and ctx.parvis.page_cache.fits(len(body)):
        kept = tuple((k, v) for k, v in response.headers.items() if k in _KEPT)
        raw_200 = _page_response(body, response.media_type, kept, tag).raw_headers
        raw_304 = Response(status_code=304, headers=_public_headers(tag)).raw_headers
        entry = _Entry(body, response.media_type, kept, raw_200=raw_200, raw_304=raw_304)
        ctx.parvis.page_cache.put((tag, *page_url(request.scope)), entry)


_PRIVATE = (b"cache-control", PRIVATE.encode("latin-1"))
# ``_public_headers`` as raw headers, in its order (``etag`` first, then these).
_PUBLIC_NAMES = frozenset((b"etag", b"cache-control", b"vary"))
_PUBLIC_REST = ((b"cache-control", PUBLIC.encode("latin-1")), (b"vary", VARY.encode("latin-1")))


def shared_fragment(
    ctx: Context, name: str, build: Callable[[], T], size: Callable[[T], int] = len
) -> T:
    """``build()``, kept in this process (``Parvis.fragment_cache``) and given to every visitor
    of the town alike, anonymous or logged in, for one content version, language, minute (for
    "closes in 3 days") and theme: for what a page shows everyone and costs much to render.
    ``build`` must return plain data or markup that depends on nothing of the viewer (no user,
    no permission, no form) and no ORM object; ``size(value)`` is about its size in bytes (the
    cache is bounded by ``fragment_cache_mb``).
    A unit of work that has written neither reads nor keeps a kept value (``Parvis.memo``'s
    rule)."""
    cache = ctx.parvis.fragment_cache
    if not cache.max_bytes or versions.wrote(ctx.session):
        return build()  # a unit of work that wrote sees its own writes, not the kept value
    tag = page_tag(ctx.town.id, ctx.town.content_version, ctx.locale, ctx.parvis.build_id)
    key = ("fragment", name, ctx.town.theme, tag)
    entry = cache.get(key)
    if entry is not None:
        page_bytes.shown(ctx.request, entry.encoded)
        return entry.value[0]  # type: ignore[no-any-return]
    value = build()
    if not versions.wrote(ctx.session):  # what it read may yet be rolled back
        # Its long markup's bytes kept too, for the pages that show it (``page_bytes.py``).
        encoded = page_bytes.encode_kept(value)
        extra = size(value) + sum(len(data) for _text, data in encoded)
        cache.put(key, _Entry(b"", None, (), (value,), extra, encoded=encoded))
        page_bytes.shown(ctx.request, encoded)
    return value


def cached_slot(
    *names: str, shared: bool | Collection[str] = False
) -> Callable[[SlotImpl], SlotImpl]:
    """Declare a ``parvis_slot`` implementation's fragments for ``names`` cacheable: they are
    computed once per page, town content version, language and minute, then kept in the
    process (``Parvis.fragment_cache``). Put it under ``@hookimpl``; the implementation must
    take ``name`` and ``request``. By default only anonymous visitors (see ``is_anonymous``)
    get the kept fragments; with ``shared=True`` (or ``shared=`` some of the names) logged-in
    residents and staff get them too (of those names), so declare it only for fragments that
    depend on nothing of the viewer. Fragments holding a form are never kept (the form's token
    belongs to one visitor)."""
    wanted = frozenset(names)
    everyone = wanted if shared is True else wanted & frozenset(shared or ())

    def decorator(fn: SlotImpl) -> SlotImpl:
        @functools.wraps(fn)
        def wrapper(**kwargs: Any) -> list[Fragment]:
            # Called with the names ``fn`` declares (the wrapper's signature is ``fn``'s).
            name, request = kwargs["name"], kwargs["request"]
            if name not in wanted:  # every slot of every page comes here: answer it first
                return fn(**kwargs)
            ctx = request.scope.get("state", {}).get("ctx")  # no ``State`` built
            if (
                ctx is None
                or request.method not in ("GET", "HEAD")
                or not (name in everyone or is_anonymous(ctx))
                or versions.wrote(ctx.session)
            ):
                return fn(**kwargs)
            tag = page_tag(ctx.town.id, ctx.town.content_version, ctx.locale, ctx.parvis.build_id)
            key = ("slot", fn.__module__, fn.__qualname__, name, tag, *page_url(request.scope))
            cache = ctx.parvis.fragment_cache
            entry = cache.get(key)
            if entry is not None:
                return list(entry.value)
            fragments = fn(**kwargs)
            # A fragment holding a form holds a visitor's token: never kept.
            if cache.max_bytes and not getattr(request.state, "holds_form", False):
                size = sum(len(f.html) for f in fragments)
                cache.put(key, _Entry(b"", None, (), tuple(fragments), size))
            return fragments

        return wrapper

    return decorator
