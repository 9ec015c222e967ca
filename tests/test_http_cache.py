"""Anonymous pages set no cookie and can be cached (ETag, 304, Cache-Control) until the town's
content changes, in every process; pages of a logged-in resident or holding a form never are;
forms stay protected against CSRF without a session."""

from __future__ import annotations

import pytest

from parvis import httpcache
from parvis.app import create_app
from parvis.models import Space, Town
from parvis.testing import csrf_token_from, login, post_form


def _add_space(town, slug: str, title: str) -> None:
    with town.session() as session:
        session.add(Space(town_id=town.town_id, slug=slug, title=title, published=True))


def test_an_anonymous_visit_sets_no_cookie_and_is_public(town, client):
    for path in ("/", "/spaces", "/accessibility"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "set-cookie" not in response.headers, path
        assert response.headers["cache-control"].startswith("public"), path
        assert "s-maxage" in response.headers["cache-control"]
        assert response.headers["etag"].startswith('W/"'), path
        assert "Accept-Language" in response.headers["vary"]
    assert not client.cookies


def test_a_repeated_request_gets_304_until_a_write(town, client):
    first = client.get("/spaces")
    tag = first.headers["etag"]
    again = client.get("/spaces", headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == tag
    # Another language is another page.
    english = client.get("/spaces", headers={"If-None-Match": tag, "Accept-Language": "en"})
    assert english.status_code == 200 and english.headers["etag"] != tag

    _add_space(town, "new-park", "A new park")
    after = client.get("/spaces", headers={"If-None-Match": tag})
    assert after.status_code == 200
    assert "A new park" in after.text
    assert after.headers["etag"] != tag


def test_a_write_in_one_app_changes_the_pages_of_another(town, parvis_config, monkeypatch):
    """Two app instances (two processes in production) on one database: the version is in the
    database, so the second serves neither a stale cached page nor a stale 304."""
    # One clock tick for the whole test: only a write may change the ETag here, not the minute.
    monkeypatch.setattr(httpcache, "CLOCK_SECONDS", 10**9)
    other = create_app(parvis_config)
    try:
        from starlette.testclient import TestClient

        with TestClient(other, base_url=f"http://{town.host}") as second:
            before = second.get("/spaces")
            assert "A new park" not in before.text
            cached = second.get("/spaces")
            assert cached.headers["etag"] == before.headers["etag"]
            assert len(other.state.parvis.page_cache) >= 1

            with town.client() as first:
                login(first, town.admin_email, town.admin_password)
                response = post_form(
                    first,
                    "/admin/spaces/new",
                    {"title": "A new park", "slug": "new-park", "kind": "general"},
                    page="/admin/spaces/new",
                )
                assert response.status_code in (200, 303)
            _add_space(town, "other-square", "Other square")  # and through a unit of work

            after = second.get("/spaces", headers={"If-None-Match": before.headers["etag"]})
            assert after.status_code == 200
            assert "Other square" in after.text
            assert after.headers["etag"] != before.headers["etag"]
    finally:
        other.state.parvis.db.dispose()


def test_the_version_moves_only_on_writes_a_visitor_can_see(town, client, resident):
    def version() -> int:
        with town.session() as session:
            return session.get(Town, town.town_id).content_version

    start = version()
    client.get("/")
    client.get("/spaces")
    assert version() == start  # reading writes nothing
    login(client, resident.email)  # a log-in session only
    assert version() == start
    _add_space(town, "library", "Library")
    assert version() == start + 1


def test_logged_in_pages_are_never_shared(town, client, resident):
    anonymous = client.get("/spaces").headers["etag"]
    login(client, resident.email)
    for path in ("/", "/spaces", "/account"):
        response = client.get(path, headers={"If-None-Match": anonymous})
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "private, no-store", path
        assert "etag" not in response.headers, path


def test_a_page_with_a_form_is_private_and_protected(town, client):
    page = client.get("/login")
    assert page.headers["cache-control"] == "private, no-store"
    assert "etag" not in page.headers
    cookies = page.headers["set-cookie"]
    assert "parvis_csrf=" in cookies and "parvis_session" not in cookies
    assert "httponly" in cookies.lower() and "samesite=lax" in cookies.lower()
    token = csrf_token_from(page.text)
    # The same visitor keeps the same token (no new cookie on each page with a form).
    again = client.get("/signup")
    assert csrf_token_from(again.text) == token and "set-cookie" not in again.headers

    data = {"email": "nobody@example.org", "password": "wrong password"}
    assert client.post("/login", data=data).status_code == 403  # no token
    wrong = client.post("/login", data={**data, "csrf_token": token + "x"})
    assert wrong.status_code == 403
    assert client.post("/login", data={**data, "csrf_token": token}).status_code != 403

    # A made-up pair (cookie and field alike, unsigned) is refused.
    with town.client() as forger:
        forger.cookies.set("parvis_csrf", "made.up")
        assert forger.post("/login", data={**data, "csrf_token": "made.up"}).status_code == 403
        forger.cookies.set("parvis_csrf", token)  # a real token without its cookie elsewhere
        assert forger.post("/login", data={**data, "csrf_token": "other"}).status_code == 403


def test_a_logged_in_session_accepts_only_its_own_token(town, client, resident):
    anonymous_token = csrf_token_from(client.get("/login").text)
    login(client, resident.email)
    # The double-submit cookie is still in the browser, but a session only takes its token.
    response = client.post("/logout", data={"csrf_token": anonymous_token})
    assert response.status_code == 403
    own = csrf_token_from(client.get("/").text)
    assert own != anonymous_token
    response = client.post("/logout", data={"csrf_token": own}, follow_redirects=False)
    assert response.status_code == 303


def test_a_cached_slot_is_computed_once_per_content_version_for_visitors(make_town, resident):
    import types

    from parvis.api import Fragment, cached_slot, hookimpl

    calls: list[str] = []

    @hookimpl
    @cached_slot("layout.footer")
    def parvis_slot(name, request):
        if name != "layout.footer":
            return []
        calls.append(name)
        return [Fragment("ticker", f"<p>ticker {len(calls)}</p>")]

    plugin = types.ModuleType("parvis_ticker.plugin")
    plugin.__file__ = __file__
    plugin.parvis_slot = parvis_slot
    town = make_town("ticker.example", extra_plugins={"ticker": plugin})
    with town.client() as client:
        # /login is not a cached page (it holds a form): only the fragment is kept.
        assert "ticker 1" in client.get("/login").text
        assert "ticker 1" in client.get("/login").text
        assert calls == ["layout.footer"]
        _add_space(town, "pool", "Pool")
        assert "ticker 2" in client.get("/login").text
        with town.session() as session:
            from parvis.testing import make_user

            make_user(session, town.town_id, "ticker@example.org")
        login(client, "ticker@example.org")
        client.get("/account")
        client.get("/account")
        assert len(calls) == 5  # a resident's fragments are always computed


def test_the_space_page_links_each_module_to_its_own_page(town, client, space_with_module):
    from parvis.models import Module

    first = space_with_module("idea_call", phase="vote")
    with town.session() as session:
        second = Module(
            space_id=first.space_id, type="idea_call", slug="m2", title="Second",
            published=True, phase="vote",
        )  # fmt: skip
        session.add(second)
        session.flush()
        second_id = second.id
    page = client.get(f"/s/{first.space_slug}").text
    assert f'href="{first.url}"' in page
    assert f'href="/s/{first.space_slug}/idea_call/{second_id}/"' in page


@pytest.mark.parametrize("shared", [True, ("layout.footer",)])
def test_a_shared_slot_is_kept_for_residents_too(make_town, shared):
    """``@cached_slot(..., shared=True)`` (or ``shared=`` the slot's name): a fragment that
    depends on nothing of the viewer is computed once per content version for visitors and
    residents alike."""
    import types

    from parvis.api import Fragment, cached_slot, hookimpl
    from parvis.testing import make_user

    calls: list[str] = []
    headers: list[str] = []

    @hookimpl
    @cached_slot("layout.footer", "layout.header", shared=shared)
    def parvis_slot(name, request):  # one fragment per page, counted per page
        if name == "layout.header":
            headers.append(request.url.path)  # shared only with ``shared=True``
            return []
        if name != "layout.footer":
            return []
        calls.append(request.url.path)
        return [Fragment("ticker", f"<p>ticker {calls.count(request.url.path)}</p>")]

    plugin = types.ModuleType("parvis_shared_ticker.plugin")
    plugin.__file__ = __file__
    plugin.parvis_slot = parvis_slot
    town = make_town("shared.example", extra_plugins={"ticker": plugin})
    with town.session() as session:
        make_user(session, town.town_id, "shared@example.org")
    with town.client() as visitor, town.client() as client:
        assert "ticker 1" in visitor.get("/spaces").text
        login(client, "shared@example.org")
        assert "ticker 1" in client.get("/spaces").text
        assert "ticker 1" in client.get("/spaces").text
        assert calls.count("/spaces") == 1  # the visitor's, kept for the resident too
        assert headers.count("/spaces") == (1 if shared is True else 3)
        _add_space(town, "rink", "Rink")
        assert "ticker 2" in client.get("/spaces").text
        assert "ticker 2" in visitor.get("/spaces").text
        assert calls.count("/spaces") == 2
