"""The app's router: Starlette's, with the routes a request names looked up instead of tried in
turn (``Routes``), and the gate of mounted plugin and module apps (``Gate``)."""

from __future__ import annotations

from typing import Any

from starlette.routing import BaseRoute, Match, Mount, Route, Router, get_route_path
from starlette.types import Receive, Scope, Send


class Gate:
    """Marks a mounted plugin or module app so the view decorator can check it for the town."""

    def __init__(self, router: Router, plugin: str, module_type: str | None = None) -> None:
        self.router = router
        self.routes = router.routes
        self.plugin = plugin
        self.module_type = module_type

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["parvis.plugin"] = self.plugin
        if self.module_type:
            scope["parvis.module_type"] = self.module_type
        await self.router(scope, receive, send)


class Routes(Router):
    """Starlette's router, finding the route of a request without trying each route before it
    in turn (about a hundred calls a page, a tenth of a ballot's routing):

    - a module route's mount by the module type in its path (``/s/<space>/<type>/<id>/...``).
      The module mounts come before every route but the static mounts (``build_routes``),
      which match no ``/s/`` path: the first full match is the one Starlette finds;
    - a path no route but those written exactly as it (``/``, ``/spaces``, ``/login``) can
      match, among those (``exact_routes``): in their order, the first full match, else the
      first that matches the path but not the method (405), as Starlette picks.

    Any other path, or one its mount does not fully match, goes Starlette's way."""

    def __init__(self, routes: list[BaseRoute], **options: Any) -> None:
        super().__init__(routes, **options)
        self.modules = {
            route.path.split("/")[3]: route
            for route in routes
            if isinstance(route, Mount) and isinstance(route.app, Gate) and route.app.module_type
        }
        self.exact = exact_routes(routes)

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = get_route_path(scope)
            found = self.exact.get(path)
            if found is not None:
                await self._first_of(found, scope, receive, send)
                return
            parts = path.split("/", 4)
            mount = self.modules.get(parts[3]) if len(parts) > 3 and parts[1] == "s" else None
            if mount is not None:
                match, child_scope = mount.matches(scope)
                if match is Match.FULL:
                    await self._handle(mount, child_scope, scope, receive, send)
                    return
        await super().app(scope, receive, send)

    async def _first_of(
        self, routes: list[Route], scope: Scope, receive: Receive, send: Send
    ) -> None:
        partial = None
        for route in routes:
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                await self._handle(route, child_scope, scope, receive, send)
                return
            if partial is None:  # the path matches: only the method may not
                partial = (route, child_scope)
        assert partial is not None
        await self._handle(*partial, scope, receive, send)

    async def _handle(
        self, route: BaseRoute, child_scope: Scope, scope: Scope, receive: Receive, send: Send
    ) -> None:
        scope.setdefault("router", self)
        scope["route"] = route
        scope.update(child_scope)
        await route.handle(scope, receive, send)


def exact_routes(routes: list[BaseRoute]) -> dict[str, list[Route]]:
    """Paths without parameters, each with the routes written exactly as it, in order; only
    those no other route (a mount, a route with parameters) matches."""
    exact: dict[str, list[Route]] = {}
    for route in routes:
        if isinstance(route, Route) and not route.param_convertors:
            exact.setdefault(route.path, []).append(route)
    for path, own in list(exact.items()):
        probe = {"type": "http", "path": path, "root_path": "", "method": "GET"}
        if any(r not in own and r.matches(probe)[0] is not Match.NONE for r in routes):
            del exact[path]
    return exact
