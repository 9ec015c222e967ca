"""Several towns on one deployment see nothing of each other."""

from __future__ import annotations

from parvis.models import Area, Space
from parvis.testing import login, make_user, post_form


def _space(town, slug, title, published=True):
    with town.session() as session:
        space = Space(town_id=town.town_id, slug=slug, title=title, published=published)
        session.add(space)
        session.flush()
        return space.id


def test_two_towns_are_isolated(make_town):
    north = make_town("north.example", name="Northtown")
    south = make_town("south.example", name="Southtown", app=north.app)
    _space(north, "velodrome", "North velodrome")
    south_space = _space(south, "market", "South market")
    with north.session() as session:
        session.add(Area(town_id=north.town_id, slug="centre", name="North centre"))
        make_user(session, north.town_id, "same@example.org", name="North Nina")
    with south.session() as session:
        make_user(
            session, south.town_id, "same@example.org", name="South Sam", password="south pw 12345"
        )

    with north.client() as client:
        home = client.get("/").text
        assert "North velodrome" in home and "South market" not in home
        assert client.get("/s/market").status_code == 404
        assert "North centre" in client.get("/spaces").text
        # The same e-mail address is a different account in each town.
        login(client, "same@example.org")
        assert "North Nina" in client.get("/account").text
        # Another town's ids are not found, even for its admins.
    with south.client() as client:
        assert "North centre" not in client.get("/spaces").text
        bad = post_form(
            client,
            "/login",
            {"email": "same@example.org", "password": "correct horse battery"},
            page="/login",
        )
        assert bad.status_code == 400
        login(client, south.admin_email, south.admin_password)
        assert client.get(f"/admin/spaces/{south_space}").status_code == 200
    with north.client() as client:
        login(client, north.admin_email, north.admin_password)
        assert client.get(f"/admin/spaces/{south_space}").status_code == 404


def test_a_session_cookie_from_one_town_is_not_valid_in_another(make_town):
    north = make_town("north.example")
    south = make_town("south.example", app=north.app)
    with north.client() as client:
        login(client, north.admin_email, north.admin_password)
        cookie = client.cookies.get("parvis_session")
    with south.client() as client:
        client.cookies.set("parvis_session", cookie)
        assert client.get("/admin", follow_redirects=False).status_code == 303


def test_plugins_are_enabled_per_town(make_town):
    with_plugins = make_town("a.example")
    without = make_town("b.example", app=with_plugins.app, plugins=[])
    assert with_plugins.parvis.plugins, "built-in plugins are installed"
    for town, offered in ((with_plugins, True), (without, False)):
        space_id = _space(town, "s", "S")
        with town.client() as client:
            login(client, town.admin_email, town.admin_password)
            page = client.get(f"/admin/spaces/{space_id}").text
            # The "add a module" form exists only where a plugin offers module types.
            assert (f'action="/admin/spaces/{space_id}/modules"' in page) is offered
