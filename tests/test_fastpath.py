"""Cached anonymous pages answered before the session and the view (``fastpath.py``): the same
bytes and headers as the view's own cache hit, the current content version read from the
database for each request, never for a visitor with a session."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading

import pytest
from async_helpers import run_coroutine
from sqlalchemy import create_engine
from starlette.testclient import TestClient

from parvis import fastpath, httpcache
from parvis.app import create_app
from parvis.testing import login


@pytest.fixture(autouse=True)
def one_clock_tick(monkeypatch):
    """The page clock holds still: a minute rolling between two requests of a test would
    change the ETag and the page cache's key, which these tests do not expect."""
    monkeypatch.setattr(httpcache, "CLOCK_SECONDS", 10**9)


@pytest.fixture
def views(monkeypatch):
    """How many requests reached a view's unit of work (``web._run_view``)."""
    from parvis import web

    calls: list[str] = []
    run_view = web._run_view

    def counting(func, request, *args):
        calls.append(request.url.path)
        return run_view(func, request, *args)

    monkeypatch.setattr(web, "_run_view", counting)
    return calls


def test_a_cached_page_is_answered_before_the_view_with_the_same_headers(town, client, views):
    rendered = client.get("/spaces")
    assert views == ["/spaces"]
    for _ in range(2):
        cached = client.get("/spaces")
        assert cached.content == rendered.content
        assert views == ["/spaces"]  # no view, no unit of work
        assert "set-cookie" not in cached.headers
        # The same headers, ``Vary`` too: the session middleware names the cookie once.
        assert cached.headers["vary"] == rendered.headers["vary"] == "Accept-Language, Cookie"
        assert dict(cached.headers.items()) == dict(rendered.headers.items())
        assert cached.headers["x-frame-options"] == "DENY"  # the security headers too

    not_modified = client.get("/spaces", headers={"If-None-Match": rendered.headers["etag"]})
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified.headers["etag"] == rendered.headers["etag"]
    assert "content-security-policy" in not_modified.headers
    head = client.head("/spaces")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(rendered.content))
    with town.parvis.db.count_queries() as counter:
        client.get("/spaces")
    assert counter.count == 1  # the town's content version, outside any transaction
    assert views == ["/spaces"]


def test_each_language_is_its_own_page(town, client, views):
    french = client.get("/spaces", headers={"Accept-Language": "fr"})
    english = client.get("/spaces", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert french.headers["etag"] != english.headers["etag"]
    client.cookies.set("parvis_lang", "fr")
    by_cookie = client.get("/spaces", headers={"Accept-Language": "en"})
    client.cookies.clear()
    again = client.get("/spaces", headers={"Accept-Language": "en"})
    assert by_cookie.content == french.content and again.content == english.content
    assert len(views) == 2


def test_a_visitor_with_a_session_never_gets_the_cached_page(town, client, resident, views):
    anonymous = client.get("/")
    login(client, resident.email)
    views.clear()
    page = client.get("/", headers={"If-None-Match": anonymous.headers["etag"]})
    assert page.status_code == 200 and page.content != anonymous.content
    assert page.headers["cache-control"] == "private, no-store"
    assert views == ["/"]
    with town.client() as stranger:  # a session cookie that is not even valid
        stranger.cookies.set(fastpath.SESSION_COOKIE, "forged")
        stranger.get("/")
    assert views == ["/", "/"]


# Another process's unit of work: nothing in this process hears of its commit.
_WRITER = """
import sys
from parvis import versions
from parvis.db import Database
from parvis.models import Space
db = Database(sys.argv[1])
versions.install(db.write_sessionmaker)
with db.session() as session:
    versions.set_town(session, int(sys.argv[2]))
    session.add(Space(town_id=int(sys.argv[2]), slug="park", title="A new park", published=True))
db.dispose()
"""


def test_a_write_in_another_process_is_seen_by_the_next_request(town, parvis_config, views):
    other = create_app(parvis_config)
    try:
        with TestClient(other, base_url=f"http://{town.host}") as second:
            before = second.get("/spaces")
            assert second.get("/spaces").content == before.content
            assert views == ["/spaces"]
            args = [parvis_config.database_url, str(town.town_id)]
            subprocess.run([sys.executable, "-c", _WRITER, *args], check=True, timeout=120)
            after = second.get("/spaces")
            assert "A new park" in after.text
            assert after.headers["etag"] != before.headers["etag"]
            assert views == ["/spaces", "/spaces"]
            assert second.get("/spaces").headers["etag"] == after.headers["etag"]
            assert views == ["/spaces", "/spaces"]
    finally:
        other.state.parvis.db.dispose()


class _Reader(fastpath.VersionReader):
    """Statements that wait for the test to let them finish."""

    def __init__(self) -> None:
        super().__init__(create_engine("sqlite://"))
        self.statements: list[list[str]] = []
        self.release = threading.Semaphore(0)

    def _query(self, hosts: list[str]) -> dict[str, fastpath.TownVersion]:
        self.statements.append(hosts)
        self.release.acquire()
        version = len(self.statements)
        return {host: fastpath.TownVersion(1, version, "fr", 1) for host in hosts}


def test_a_request_never_joins_a_statement_already_running():
    async def scenario() -> None:
        reader = _Reader()
        first = asyncio.ensure_future(reader.read("a.example"))
        while not reader.statements:
            await asyncio.sleep(0.001)
        # Arrived while the first statement runs: both wait for the next one, together.
        later = [asyncio.ensure_future(reader.read(h)) for h in ("a.example", "b.example")]
        await asyncio.sleep(0.01)
        assert reader.statements == [["a.example"]]
        reader.release.release()
        assert (await first).content_version == 1
        reader.release.release()
        assert [(await f).content_version for f in later] == [2, 2]
        assert reader.statements == [["a.example"], ["a.example", "b.example"]]

    run_coroutine(scenario())


def test_the_cache_knows_which_urls_hold_a_page():
    cache = httpcache.PageCache(max_bytes=8 * 1000)
    page = httpcache._Entry(b"x" * 900, None, (), raw_200=[(b"etag", b"1")])
    cache.put(("tag1", "/", b""), page)
    cache.put(("tag2", "/", b""), page)
    cache.put(("slot", "m", "q", "n", "tag1", "/s", b""), httpcache._Entry(b"", None, ()))
    assert cache.holds_page("/", b"") and not cache.holds_page("/s", b"")
    for n in range(10):  # the two pages of "/" age out
        cache.put((f"t{n}", "/spaces", b""), page)
    assert not cache.holds_page("/", b"") and cache.holds_page("/spaces", b"")


def test_a_failed_read_leaves_the_request_to_the_usual_way(town, client, views, monkeypatch):
    client.get("/spaces")

    def broken(self, hosts):
        raise RuntimeError("database gone")

    monkeypatch.setattr(fastpath.VersionReader, "_query", broken)
    again = client.get("/spaces")
    assert again.status_code == 200 and views == ["/spaces", "/spaces"]
    assert again.headers["cache-control"].startswith("public")


def test_the_version_read_hands_its_connection_back_as_it_found_it(town):
    """The read runs outside any transaction (no BEGIN on SQLite, AUTOCOMMIT on PostgreSQL): the
    pooled connection it used must go back transactional, or the next unit of work on it would
    commit each statement as it runs and a rollback would undo nothing."""
    from sqlalchemy import event, select, update

    from parvis.db import make_engine
    from parvis.models import Town

    engine = make_engine(town.parvis.config.database_url, connections=2)
    used = []
    event.listen(engine, "checkout", lambda dbapi, _record, _proxy: used.append(dbapi))
    try:
        read = fastpath.VersionReader(engine)._query([town.host])
        assert read[town.host].id == town.town_id
        with engine.connect() as connection:
            connection.execute(update(Town).values(name="Not kept"))
            connection.rollback()
        assert len(used) >= 2 and all(c is used[0] for c in used)  # the read's, handed back
        with engine.connect() as connection:
            assert "Not kept" not in connection.scalars(select(Town.name)).all()
    finally:
        engine.dispose()
