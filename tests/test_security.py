"""CSRF on every state-changing route, security headers, cookies, authorization denials."""

from __future__ import annotations

import pytest
from starlette.routing import Mount, Route

from parvis.models import Space
from parvis.testing import login, make_user, post_form


def _post_routes(app):
    def walk(routes, prefix=""):
        for route in routes:
            if isinstance(route, Mount):
                yield from walk(getattr(route.app, "routes", []), prefix + route.path)
            elif isinstance(route, Route) and "POST" in (route.methods or ()):
                yield prefix + route.path

    return list(walk(app.routes))


def test_every_post_route_refuses_a_request_without_csrf_token(town, client, resident):
    login(client, resident.email)
    paths = _post_routes(town.app)
    assert len(paths) > 15
    for path in paths:
        concrete = path.replace("{space}", "x").replace("{module:int}", "1").replace("{token}", "t")
        for name in ("space_id", "module_id", "grant_id", "rule_id", "user_id", "upload"):
            concrete = concrete.replace("{" + name + ":int}", "1")
        concrete = concrete.replace(":int}", "}").replace("{", "").replace("}", "")
        response = client.post(concrete, data={"x": "1"}, follow_redirects=False)
        assert response.status_code == 403, (
            f"{path} answered {response.status_code} without a token"
        )
        wrong = client.post(concrete, data={"csrf_token": "forged"}, follow_redirects=False)
        assert wrong.status_code == 403, path


def test_security_headers_and_cookie_flags(client):
    response = client.get("/login")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_pages_have_no_inline_script_or_style(client):
    for path in ("/", "/login", "/signup", "/spaces", "/accessibility"):
        html = client.get(path).text
        assert "<script>" not in html and "style=" not in html, path


@pytest.mark.parametrize(
    "path",
    [
        "/admin",
        "/admin/spaces/new",
        "/admin/areas",
        "/admin/roles",
        "/admin/permissions",
        "/admin/town",
        "/admin/audit",
        "/admin/activity",
    ],
)
def test_admin_pages_are_denied_to_visitors_and_residents(town, client, path):
    assert client.get(path, follow_redirects=False).headers["location"].startswith("/login")
    with town.session() as session:
        make_user(session, town.town_id, "plain@example.org")
    login(client, "plain@example.org")
    assert client.get(path).status_code == 403


def test_admin_posts_are_denied_to_residents(town, client, resident):
    with town.session() as session:
        space = Space(town_id=town.town_id, slug="s", title="S", published=True)
        session.add(space)
        session.flush()
        space_id = space.id
    login(client, resident.email)
    for path, data in [
        ("/admin/spaces/new", {"title": "Hack", "kind": "general"}),
        (f"/admin/spaces/{space_id}", {"title": "Hacked", "kind": "general"}),
        ("/admin/areas", {"name": "X"}),
        ("/admin/roles", {"email": resident.email, "role": "town_admin"}),
        ("/admin/town", {"name": "Hacked"}),
    ]:
        assert post_form(client, path, data).status_code == 403, path
    with town.session() as session:
        assert session.get(Space, space_id).title == "S"


def test_space_admin_manages_only_their_space(town, client):
    with town.session() as session:
        mine = Space(town_id=town.town_id, slug="mine", title="Mine", published=False)
        other = Space(town_id=town.town_id, slug="other", title="Other", published=False)
        session.add_all([mine, other])
        session.flush()
        mine_id, other_id = mine.id, other.id
        make_user(session, town.town_id, "sa@example.org", roles=(f"space_admin@{mine_id}",))
    login(client, "sa@example.org")
    dashboard = client.get("/admin").text
    assert "Mine" in dashboard and "Other" not in dashboard  # filtered in SQL
    assert client.get(f"/admin/spaces/{mine_id}").status_code == 200
    assert client.get(f"/admin/spaces/{other_id}").status_code == 403
    assert client.get("/s/mine").status_code == 200  # unpublished, but theirs
    assert client.get("/s/other").status_code == 404
    assert client.get("/admin/roles").status_code == 403


def test_unpublished_space_is_hidden_from_visitors(town, client):
    with town.session() as session:
        session.add(Space(town_id=town.town_id, slug="draft", title="Draft", published=False))
    assert client.get("/s/draft").status_code == 404
    assert "Draft" not in client.get("/").text
