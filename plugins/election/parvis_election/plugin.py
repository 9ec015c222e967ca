"""Election plugin hooks: the ``election`` module type (set-up → candidacies → review →
campaign → voting → counting → results → archived), its role, actions, GDPR, demo and CLI."""

from __future__ import annotations

from typing import Any

import click

from parvis.api import (
    RESIDENT,
    SPACE_ADMIN,
    Action,
    App,
    AuditAction,
    Event,
    ModuleType,
    Phase,
    Role,
    hookimpl,
)

from . import gdpr, manage_views, services, views, vote_views
from .audit_actions import AUDIT_ACTIONS
from .i18n import _l
from .summary import activity, summarize

OFFICER = "election_officer"


@hookimpl
def parvis_roles() -> list[Role]:
    return [Role(OFFICER, _l("Election officer"), space_scoped=True, order=40)]


@hookimpl
def parvis_audit_actions() -> list[AuditAction]:
    return AUDIT_ACTIONS


@hookimpl
def parvis_actions() -> list[Action]:
    staff = (OFFICER, SPACE_ADMIN)
    return [
        Action("election.apply", _l("Stand as a candidate"), (RESIDENT,), phase_gated=True),
        Action("election.vote", _l("Vote in an election"), (RESIDENT,), phase_gated=True),
        Action(
            "election.manage",
            _l("Manage an election: parameters, constituencies, sign-in list"),
            staff,
        ),
        Action("election.review", _l("Accept or refuse candidacies"), staff, phase_gated=True),
        Action(
            "election.count",
            _l("Enter paper ballots and count an election"),
            staff,
            phase_gated=True,
        ),
    ]


PHASES = [
    Phase("setup", _l("Set-up")),
    Phase(
        "candidacies",
        _l("Candidacies"),
        frozenset({"election.apply", "election.review"}),
    ),
    Phase("review", _l("Review of candidacies"), frozenset({"election.review"})),
    Phase("campaign", _l("Campaign")),
    Phase("voting", _l("Voting"), frozenset({"election.vote"})),
    Phase("counting", _l("Counting"), frozenset({"election.count"})),
    Phase("results", _l("Results published")),
    Phase("archived", _l("Archived")),
]


@hookimpl
def parvis_module_types() -> list[ModuleType]:
    return [
        ModuleType(
            services.MODULE_TYPE,
            _l("Election (neighbourhood councils)"),
            phases=PHASES,
            # The ballot first: a request tries the routes in order (and an address is built
            # by trying them too), and a vote is the busiest request.
            routes=[*vote_views.routes, *views.routes, *manage_views.routes],
            order=40,
            summarize=summarize,
            activity=activity,
            result_phases=services.RESULTS_PUBLISHED,
        )
    ]


@hookimpl
def parvis_event(event: Event, app: App) -> None:
    """Online voting closing freezes each constituency's electorate; reopening it thaws it."""
    if event.name != "module.phase_changed":
        return
    old, new = event.payload["old"], event.payload["new"]
    keys = [p.key for p in PHASES]
    voting = keys.index("voting")
    if old not in keys or new not in keys or (old == "voting") == (new == "voting"):
        return
    from parvis.api import Module, Town

    from . import electorate
    from .config import ElectionConfig

    with app.db.session() as session:
        module = session.get(Module, event.payload["module_id"])
        town = session.get(Town, event.town_id)
        if module is None or town is None or module.type != services.MODULE_TYPE:
            return
        if keys.index(new) > voting:
            electorate.freeze(session, module, ElectionConfig.of(module), town)
        else:
            electorate.thaw(session, module)


@hookimpl
def parvis_export_user_data(session: Any, user: Any) -> dict[str, Any]:
    return gdpr.export_user_data(session, user)


@hookimpl
def parvis_erase_user_data(session: Any, user: Any) -> None:
    gdpr.erase_user_data(session, user)


@hookimpl
def parvis_demo_data(session: Any, town: Any) -> None:
    from . import demo

    demo.load(session, town)


@hookimpl
def parvis_commands(cli: click.Group) -> None:
    from .recount import recount

    @cli.group("election")
    def election() -> None:
        """Elections: recount a published ballot file."""

    election.add_command(recount)
