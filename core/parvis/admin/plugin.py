"""The administration registered as a core plugin."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import BaseRoute

from parvis.admin import branding, styleguide
from parvis.admin.audit_actions import CORE_AUDIT_ACTIONS
from parvis.admin.views import routes
from parvis.context import get_context
from parvis.contrib import AuditAction, MenuItem
from parvis.hookspecs import hookimpl
from parvis.i18n import lazy_gettext as _l
from parvis.permissions import SPACE_ADMIN


@hookimpl
def parvis_routes() -> list[BaseRoute]:
    return [*routes, *styleguide.routes, *branding.routes]


@hookimpl
def parvis_audit_actions() -> list[AuditAction]:
    return list(CORE_AUDIT_ACTIONS)


@hookimpl
def parvis_menu_items(request: Request) -> list[MenuItem]:
    ctx = get_context(request)
    has_space_role = any(SPACE_ADMIN in roles for roles in ctx.actor.space_roles.values())
    if ctx.actor.is_town_admin or has_space_role:
        return [MenuItem("admin", str(_l("Administration")), ctx.url("admin:dashboard"), order=900)]
    return []
