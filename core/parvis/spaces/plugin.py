"""Spaces registered as a core plugin."""

from __future__ import annotations

from starlette.routing import BaseRoute

from parvis.contrib import SpaceKind
from parvis.hookspecs import hookimpl
from parvis.i18n import lazy_gettext as _l
from parvis.spaces.views import routes


@hookimpl
def parvis_routes() -> list[BaseRoute]:
    return list(routes)


@hookimpl
def parvis_space_kinds() -> list[SpaceKind]:
    return [
        SpaceKind("general", _l("Consultation space"), order=0),
        SpaceKind("project", _l("Project"), order=50),
    ]
