"""Site-level pages, mounted at ``/p/volunteering/``."""

from __future__ import annotations

from starlette.routing import BaseRoute

from . import manage, public, replies, roster, staff, stats, volunteer

routes: list[BaseRoute] = [
    *public.routes,
    *manage.routes,
    *replies.routes,
    *roster.routes,
    *volunteer.routes,
    *staff.routes,
    *stats.routes,
]
