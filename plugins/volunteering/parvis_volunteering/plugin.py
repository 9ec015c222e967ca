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
    def said(verb: str, sentence: Any) -> AuditAction:
        return AuditAction(f"volunteering.{verb}", sentence)

    return [
        said("register", _l("%(actor)s registered the association %(target)s")),
        said("association_edit", _l("%(actor)s edited the association %(target)s")),
        said("validate", _l("%(actor)s validated the association %(target)s")),
        said("refuse", _l("%(actor)s refused the association %(target)s")),
        said("suspend", _l("%(actor)s suspended the association %(target)s")),
        said("reinstate", _l("%(actor)s reinstated the association %(target)s")),
        said("invite_manager", _l("%(actor)s invited a manager to %(target)s")),
        said("manager_join", _l("%(actor)s became a manager of %(target)s")),
        said("manager_leave", _l("%(actor)s stopped managing %(target)s")),
        said("transfer", _l("%(actor)s handed over %(target)s")),
        said("mission_new", _l("%(actor)s published the mission %(target)s")),
        said("mission_edit", _l("%(actor)s edited the mission %(target)s")),
        said(
            "mission_close",
            _l("%(actor)s closed the mission %(target)s (%(told)s volunteers told)"),
        ),
        said("apply", _l("%(actor)s applied: %(target)s")),
        said("accepted", _l("%(actor)s accepted the application %(target)s")),
        said("waitlisted", _l("%(actor)s put the application %(target)s on the waiting list")),
        said("refused", _l("%(actor)s refused the application %(target)s")),
        said("withdrawn", _l("%(actor)s withdrew the application %(target)s")),
        said("invite_volunteer", _l("%(actor)s invited a volunteer to the mission %(target)s")),
        said("attendance", _l("%(actor)s said who came to %(target)s (%(changed)s volunteers)")),
        said("term_add", _l("%(actor)s added the term %(target)s")),
        said("term_toggle", _l("%(actor)s retired or restored the term %(target)s")),
    ]


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
