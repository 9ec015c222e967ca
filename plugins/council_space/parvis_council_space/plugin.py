"""Council space plugin hooks: a ``council`` space kind with its showcase, and the
``idea_call`` module (submission → review → vote → results → follow-up)."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.routing import BaseRoute

from parvis.api import (
    RESIDENT,
    SPACE_ADMIN,
    Action,
    AuditAction,
    Fragment,
    JobType,
    ModuleType,
    Phase,
    Role,
    Setting,
    SpaceKind,
    Town,
    User,
    fills_slots,
    hookimpl,
    render_fragment,
)

from . import common, count_jobs, gdpr, showcase, views
from .i18n import _l

COUNCILLOR = "councillor"


@hookimpl
def parvis_settings() -> list[Setting]:
    return [
        Setting(
            "max_pdf_mb",
            int,
            5,
            _l("Meeting minutes larger than this are refused."),
            1,
            10,
            label=_l("Largest PDF of minutes (MB)"),
        ),
    ]


@hookimpl
def parvis_roles() -> list[Role]:
    return [Role(COUNCILLOR, _l("Councillor"), space_scoped=True, order=35)]


@hookimpl
def parvis_space_kinds() -> list[SpaceKind]:
    return [SpaceKind(common.KIND, _l("Neighbourhood council"), order=20)]


@hookimpl
def parvis_actions() -> list[Action]:
    staff = (COUNCILLOR, SPACE_ADMIN)
    return [
        Action("council_space.propose", _l("Propose an idea"), (RESIDENT,), phase_gated=True),
        Action("council_space.comment", _l("Comment on an idea"), (RESIDENT,), phase_gated=True),
        Action("council_space.support", _l("Support an idea"), (RESIDENT,), phase_gated=True),
        Action(
            "council_space.review",
            _l("Review ideas: feasibility, final cost, duplicates"),
            staff,
            phase_gated=True,
        ),
        Action("council_space.vote", _l("Vote in a call for ideas"), (RESIDENT,), phase_gated=True),
        Action("council_space.report", _l("Report a comment to the moderators"), (RESIDENT,)),
        Action(
            "council_space.manage",
            _l("Manage a council: members, news, meetings, calls, counts"),
            staff,
        ),
    ]


PHASES = [
    Phase(
        "submission",
        _l("Submission of ideas"),
        frozenset({"council_space.propose", "council_space.comment", "council_space.support"}),
    ),
    Phase("review", _l("Review"), frozenset({"council_space.review"})),
    Phase("vote", _l("Vote"), frozenset({"council_space.vote"})),
    Phase("results", _l("Results")),
    Phase("follow_up", _l("Follow-up")),
]


@hookimpl
def parvis_module_types() -> list[ModuleType]:
    from .summary import activity, summarize

    return [
        ModuleType(
            common.MODULE_TYPE,
            _l("Call for ideas (participatory budget)"),
            phases=PHASES,
            routes=views.idea_call_routes,
            order=30,
            summarize=summarize,
            activity=activity,
        )
    ]


@hookimpl
def parvis_routes() -> list[BaseRoute]:
    return list(views.council_routes)


@hookimpl
@fills_slots("layout.head", "space.top", "space.main")
def parvis_slot(
    name: str, request: Request, session: Session, context: dict[str, Any]
) -> list[Fragment]:
    space = context.get("space")
    module = context.get("module")
    # The only place that links the stylesheet: every council page and every idea call page
    # (an idea call may sit in a space of another kind).
    if name == "layout.head" and (
        (space is not None and space.kind == common.KIND)
        or (module is not None and module.type == common.MODULE_TYPE)
    ):
        html = render_fragment(request, "council_space/_head.html")
        return [Fragment("council_space.css", html)]
    if name not in ("space.top", "space.main") or space is None or space.kind != common.KIND:
        return []
    if name == "space.top":
        html = render_fragment(
            request,
            "council_space/_members.html",
            {"space": space, "members": showcase.members(session, space)},
        )
        return [Fragment("council_space.members", html, order=10)]
    html = render_fragment(
        request,
        "council_space/_showcase.html",
        {
            "space": space,
            "news": showcase.news(session, space, limit=5),
            "meetings": showcase.meetings(session, space)[:5],
        },
    )
    return [Fragment("council_space.showcase", html, order=10)]


@hookimpl
def parvis_job_types() -> list[JobType]:
    return [count_jobs.COUNT_JOB]


@hookimpl
def parvis_export_user_data(session: Session, user: User) -> dict[str, Any]:
    return gdpr.export_user_data(session, user)


@hookimpl
def parvis_erase_user_data(session: Session, user: User) -> None:
    gdpr.erase_user_data(session, user)


@hookimpl
def parvis_demo_data(session: Session, town: Town) -> None:
    from . import demo

    demo.load(session, town)


@hookimpl
def parvis_commands(cli: click.Group) -> None:
    from . import commands

    cli.add_command(commands.group)


@hookimpl
def parvis_audit_actions() -> list[AuditAction]:
    from .audit_actions import AUDIT_ACTIONS

    return list(AUDIT_ACTIONS)
