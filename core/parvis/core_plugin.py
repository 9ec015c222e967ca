"""Core's own contributions: its roles, actions and menu, through the public hooks."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from parvis.context import get_context
from parvis.contrib import Action, JobType, MenuItem, Role
from parvis.hookspecs import hookimpl
from parvis.i18n import gettext as _
from parvis.i18n import lazy_gettext as _l
from parvis.permissions import (
    ANONYMOUS,
    MODERATOR,
    RESIDENT,
    SPACE_ADMIN,
    TOWN_ADMIN,
    VERIFIED,
)


@hookimpl
def parvis_roles() -> list[Role]:
    return [
        Role(ANONYMOUS, _l("Visitor"), order=0),
        Role(RESIDENT, _l("Resident (confirmed account)"), order=10),
        Role(VERIFIED, _l("Verified resident"), order=20),
        Role(MODERATOR, _l("Moderator"), order=30),
        Role(SPACE_ADMIN, _l("Space administrator"), space_scoped=True, order=40),
        Role(TOWN_ADMIN, _l("Town administrator"), order=50),
    ]


@hookimpl
def parvis_actions() -> list[Action]:
    return [
        Action("spaces.follow", _l("Follow a space"), default_roles=(RESIDENT,)),
        Action("spaces.manage", _l("Edit a space and its modules"), default_roles=(SPACE_ADMIN,)),
        Action("admin.access", _l("Open the administration"), default_roles=(SPACE_ADMIN,)),
        Action("admin.town", _l("Manage the town: neighbourhoods, roles, plugins, settings")),
        Action("content.moderate", _l("Moderate contributions"), default_roles=(MODERATOR,)),
    ]


@hookimpl
def parvis_job_types() -> list[JobType]:
    from parvis.mail import MAIL_JOB

    return [MAIL_JOB]


@hookimpl
def parvis_menu_items(request: Request) -> list[MenuItem]:
    ctx = get_context(request)
    # Translated once per language (every page asks): no lazy label to build and read.
    kept = ctx.parvis.core_menu.get(ctx.locale)
    if kept is None:
        kept = ctx.parvis.core_menu[ctx.locale] = (
            MenuItem("home", _("Home"), "/", order=0),
            MenuItem("spaces", _("Spaces"), ctx.url("spaces:list"), order=10),
        )
    return list(kept)


@hookimpl
def parvis_template_vars(request: Request) -> dict[str, Any]:
    ctx = get_context(request)
    return {"can": ctx.can, "url": ctx.url}
