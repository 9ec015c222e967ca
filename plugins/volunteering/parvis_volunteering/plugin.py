"""Volunteering plugin hooks: associations validated by town staff publish missions, residents
keep an opt-in profile, get matched, apply, and are reminded."""

from __future__ import annotations

from typing import Any

import click
from starlette.requests import Request
from starlette.routing import BaseRoute

from parvis.api import (
    RESIDENT,
    TOWN_ADMIN,
    Action,
    AuditAction,
    MenuItem,
    Role,
    get_context,
    hookimpl,
)

from .audit_actions import AUDIT_ACTIONS
from .i18n import _, _l

REFERENT = "volunteering_referent"


@hookimpl
def parvis_roles() -> list[Role]:
    return [Role(REFERENT, _l("Volunteering referent (validates associations)"), order=60)]


@hookimpl
def parvis_actions() -> list[Action]:
    return [
        Action("volunteering.register", _l("Register an association"), (RESIDENT,)),
        Action("volunteering.apply", _l("Volunteer: profile and applications"), (RESIDENT,)),
        Action(
            "volunteering.staff",
            _l("Validate associations, see volunteering statistics"),
            (TOWN_ADMIN, REFERENT),
        ),
    ]


@hookimpl
def parvis_audit_actions() -> list[AuditAction]:
    return AUDIT_ACTIONS


@hookimpl
def parvis_routes() -> list[BaseRoute]:
    from .views import routes

    return list(routes)


@hookimpl
def parvis_menu_items(request: Request) -> list[MenuItem]:
    return [
        MenuItem(
            "volunteering",
            _("Volunteering"),
            get_context(request).url("volunteering:index"),
            order=40,
        )
    ]


@hookimpl
def parvis_export_user_data(session: Any, user: Any) -> dict[str, Any]:
    from . import gdpr

    return gdpr.export(session, user)


@hookimpl
def parvis_erase_user_data(session: Any, user: Any) -> None:
    from . import gdpr

    gdpr.erase(session, user)


@hookimpl
def parvis_demo_data(session: Any, town: Any) -> None:
    from . import demo

    demo.load(session, town)


@hookimpl
def parvis_commands(cli: click.Group) -> None:
    from . import commands

    cli.add_command(commands.group)
