"""Petitions: every hook of the plugin, and nothing else core loads."""

from __future__ import annotations

from typing import Any

import click
from sqlalchemy import delete, func, select
from starlette.routing import Route

from parvis.api import (
    RESIDENT,
    SPACE_ADMIN,
    Action,
    App,
    Event,
    Fragment,
    JobType,
    MenuItem,
    Module,
    ModuleType,
    Phase,
    QueuedJob,
    Role,
    Setting,
    Space,
    SpaceKind,
    get_context,
    hookimpl,
    queue_mail,
    render_fragment,
)
from parvis_petitions.i18n import T, _, _l
from parvis_petitions.models import Signature
from parvis_petitions.views import about, index, sign

# What the event handler saw; a real plugin would notify someone.
RECEIVED_EVENTS: list[Event] = []


@hookimpl
def parvis_settings() -> list[Setting]:
    return [Setting("goal", int, 100, "Signatures needed for the town to answer.")]


@hookimpl
def parvis_actions() -> list[Action]:
    return [
        Action(
            "petitions.sign", _l("Sign a petition"), default_roles=(RESIDENT,), phase_gated=True
        ),
        Action("petitions.manage", _l("Manage petitions"), default_roles=(SPACE_ADMIN,)),
    ]


@hookimpl
def parvis_roles() -> list[Role]:
    return [Role("petition_steward", _l("Petition steward"), space_scoped=True)]


@hookimpl
def parvis_space_kinds() -> list[SpaceKind]:
    return [SpaceKind("petition_board", _l("Petition board"))]


@hookimpl
def parvis_module_types() -> list[ModuleType]:
    return [
        ModuleType(
            key="petition",
            label=_l("Petition"),
            phases=[
                Phase("collecting", _l("Collecting signatures"), frozenset({"petitions.sign"})),
                Phase("closed", _l("Closed")),
            ],
            routes=[
                Route("/", index, name="index"),
                Route("/sign", sign, methods=["POST"], name="sign"),
            ],
        )
    ]


@hookimpl
def parvis_routes() -> list[Any]:
    return [Route("/about", about, name="about")]


@hookimpl
def parvis_commands(cli: click.Group) -> None:
    @cli.command("petitions-count")
    def petitions_count() -> None:
        """Print how many petitions exist."""
        click.echo("petitions: ok")


@hookimpl
def parvis_jinja_env(env: Any) -> None:
    env.filters["signatures"] = lambda n: T.ngettext("%(num)d signature", "%(num)d signatures", n)


@hookimpl
def parvis_menu_items(request: Any) -> list[MenuItem]:
    return [
        MenuItem(
            "petitions", _("About petitions"), get_context(request).url("petitions:about"), order=50
        )
    ]


@hookimpl
def parvis_template_vars(request: Any) -> dict[str, Any]:
    return {"petitions_motto": _("Your signature counts.")}


@hookimpl
def parvis_slot(name: str, request: Any, session: Any, context: dict[str, Any]) -> list[Fragment]:
    if name != "home.main":
        return []
    total = session.scalar(select(func.count()).select_from(Signature)) or 0
    html = render_fragment(request, "petitions/_home.html", {"total": total})
    return [Fragment("petitions-total", html, order=10)]


@hookimpl
def parvis_event(event: Event, app: Any) -> None:
    if event.name.startswith("petitions."):
        RECEIVED_EVENTS.append(event)


def remind(app: App, job: QueuedJob) -> None:
    """The ``petitions.remind`` job: tell the town hall about a petition, from a worker."""
    with app.session() as session:
        module = session.get(Module, job.payload["module_id"])
        if module is not None:
            queue_mail(session, "mairie@example.org", _("Reminder"), module.title, job.town_id)


@hookimpl
def parvis_job_types() -> list[JobType]:
    return [JobType("petitions.remind", remind, max_attempts=3, retry_after=60)]


@hookimpl
def parvis_export_user_data(session: Any, user: Any) -> dict[str, Any]:
    rows = session.execute(
        select(Signature.module_id, Signature.signed_at).where(Signature.user_id == user.id)
    )
    return {"signatures": [{"module_id": m, "signed_at": s.isoformat()} for m, s in rows]}


@hookimpl
def parvis_erase_user_data(session: Any, user: Any) -> None:
    # The signature still counts, but no longer says who signed.
    session.execute(
        Signature.__table__.update().where(Signature.user_id == user.id).values(user_id=None)
    )


@hookimpl
def parvis_demo_data(session: Any, town: Any) -> None:
    space = Space(town_id=town.id, slug="petitions", title="Pétitions", published=True)
    session.add(space)
    session.flush()
    session.add(
        Module(
            space_id=space.id,
            type="petition",
            slug="bancs",
            title="Plus de bancs",
            phase="collecting",
        )
    )


def reset_signatures(session: Any, module_id: int) -> None:
    """Used by the plugin's own tests."""
    session.execute(delete(Signature).where(Signature.module_id == module_id))
