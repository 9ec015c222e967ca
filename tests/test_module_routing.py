"""The app's router finds a module route's mount by the module type in its path (``routes.Routes``):
the mount it picks must be the one Starlette's walk through the routes finds first."""

from __future__ import annotations

from starlette.routing import Match

from parvis.routes import Routes


def _scope(path: str) -> dict:
    return {"type": "http", "path": path, "root_path": "", "method": "POST"}


def _first_full(routes: list, path: str):
    return next(r for r in routes if r.matches(_scope(path))[0] is Match.FULL)


def test_each_module_type_is_found_as_starlette_finds_it(client):
    """For any path under a module, the mount the router picks is the first route that fully
    matches it (no route before the module mounts takes a ``/s/`` path)."""
    router = client.app.router
    assert isinstance(router, Routes) and router.modules
    for key, mount in router.modules.items():
        for path in (f"/s/some-space/{key}/7/", f"/s/some-space/{key}/7/ballot", f"/s/a/{key}/1/x"):
            assert _first_full(router.routes, path) is mount


def test_a_module_route_and_a_space_page_answer(town, space_with_module, client):
    """A module's route through the look-up; a space page, a module that does not exist and a
    path with no module id the usual way."""
    call = space_with_module("idea_call", phase="vote")
    assert client.get(call.url).status_code == 200
    assert client.get(f"/s/{call.space_slug}/").status_code in (200, 301, 302, 307, 308)
    assert client.get(f"/s/{call.space_slug}/idea_call/{call.module_id + 99}/").status_code == 404
    assert client.get(f"/s/{call.space_slug}/idea_call/").status_code == 404


def _starlette_pick(routes: list, scope: dict):
    """The route Starlette's walk picks: the first full match, else the first partial one."""
    matches = [(r, r.matches(scope)[0]) for r in routes]
    full = [r for r, m in matches if m is Match.FULL]
    partial = [r for r, m in matches if m is Match.PARTIAL]
    return (full or partial or [None])[0]


def test_each_exact_path_is_found_as_starlette_finds_it(client):
    """For every path kept in ``Routes.exact`` and every method, the route looked up is the one
    Starlette's walk picks; paths another route may match (a mount, a parameter) are not kept."""
    router = client.app.router
    assert "/" in router.exact and "/login" in router.exact
    for path, own in router.exact.items():
        for method in ("GET", "HEAD", "POST", "PUT", "DELETE"):
            scope = {**_scope(path), "method": method}
            picked = next((r for r in own if r.matches(scope)[0] is Match.FULL), own[0])
            assert picked is _starlette_pick(router.routes, scope), (path, method)
    static = [r.path for r in router.routes if getattr(r, "path", "").startswith("/static/")]
    assert static and not any(p.startswith("/static/") for p in router.exact)


def test_exact_paths_answer_and_refuse_other_methods(client):
    assert client.get("/").status_code == 200
    assert client.get("/login").status_code == 200
    assert client.put("/login").status_code in (403, 405)  # the CSRF check comes first
    assert client.get("/nowhere-at-all").status_code == 404
