"""Consultation plugin hooks: surveys and quick polls as module types."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment
from markupsafe import Markup, escape
from sqlalchemy.orm import Session
from starlette.requests import Request

from parvis.api import (
    ANONYMOUS,
    MODERATOR,
    RESIDENT,
    SPACE_ADMIN,
    Action,
    App,
    AuditAction,
    Event,
    Fragment,
    ModuleType,
    Phase,
    Setting,
    Town,
    User,
    cached_slot,
    csrf_token,
    fills_slots,
    get_context,
    hookimpl,
)
from parvis_consultation import gdpr, question_types
from parvis_consultation.audit_actions import AUDIT_ACTIONS
from parvis_consultation.decision import DECISION_PUBLISHED, notify_decision
from parvis_consultation.demo import create_demo
from parvis_consultation.hookspecs import add_question_type_specs
from parvis_consultation.i18n import _l
from parvis_consultation.polls import poll_cards
from parvis_consultation.structure import RESPOND
from parvis_consultation.summary import activity, summarize
from parvis_consultation.views import ROUTES
from parvis_consultation.widget import polls_section


@hookimpl
def parvis_add_hookspecs(pm: Any) -> None:
    add_question_type_specs(pm)


@hookimpl
def parvis_jinja_env(env: Environment) -> None:
    # Templates find a question's type (its input and results templates) by its key.
    env.globals["consultation_question_type"] = question_types.get


@hookimpl
def parvis_actions() -> list[Action]:
    return [
        Action("consultation.view", _l("See consultations"), default_roles=(ANONYMOUS,)),
        Action(
            RESPOND, _l("Answer a survey or a poll"), default_roles=(RESIDENT,), phase_gated=True
        ),
        Action("consultation.manage", _l("Build surveys and polls"), default_roles=(SPACE_ADMIN,)),
        Action(
            "consultation.export",
            _l("Export the answers of a survey"),
            default_roles=(SPACE_ADMIN,),
        ),
        Action(
            "consultation.moderate",
            _l("Moderate free-text answers"),
            default_roles=(MODERATOR, SPACE_ADMIN),
        ),
    ]


@hookimpl
def parvis_settings() -> list[Setting]:
    return [
        Setting(
            "anonymous_per_ip_per_hour",
            int,
            30,
            _l("New answers without an account accepted per network address, per survey and hour."),
            1,
            100_000,
            label=_l("Answers without an account per address and hour"),
        ),
        Setting(
            "home_polls",
            int,
            2,
            _l("How many quick polls the home page shows at most."),
            0,
            10,
            label=_l("Quick polls on the home page"),
        ),
    ]


# Where ``summarize`` gives a results link (closed and public, or decided).
RESULT_PHASES = frozenset({"closed", "decided"})


def _phases(with_decision: bool) -> list[Phase]:
    phases = [
        Phase("draft", _l("Draft")),
        Phase("open", _l("Open"), actions=frozenset({RESPOND})),
        Phase("closed", _l("Closed")),
    ]
    if with_decision:
        phases.append(Phase("decided", _l("Decision published")))
    return phases


@hookimpl
def parvis_module_types() -> list[ModuleType]:
    return [
        ModuleType(
            "survey",
            _l("Survey"),
            phases=_phases(True),
            routes=ROUTES,
            order=30,
            summarize=summarize,
            activity=activity,
            result_phases=RESULT_PHASES,
        ),
        ModuleType(
            "poll",
            _l("Quick poll"),
            phases=_phases(False),
            routes=ROUTES,
            order=31,
            summarize=summarize,
            activity=activity,
            result_phases=RESULT_PHASES,
        ),
    ]


# --- slots --------------------------------------------------------------------------------------


@hookimpl
# Asked for these three slots only; the stylesheet link is everyone's; the polls hold the
# viewer's forms and votes.
@fills_slots("layout.head", "home.main", "space.main")
@cached_slot("layout.head", "home.main", "space.main", shared=("layout.head",))
def parvis_slot(
    name: str, request: Request, session: Session, context: dict[str, Any]
) -> list[Fragment]:
    if name == "layout.head":  # the stylesheet of the polls shown on core pages
        href = get_context(request).url("static-consultation", path="/consultation.css")
        return [
            Fragment("consultation.css", Markup(f'<link rel="stylesheet" href="{escape(href)}">'))
        ]
    if name not in ("home.main", "space.main"):
        return []
    ctx = get_context(request)
    space = None
    if name == "space.main":
        space = context.get("space")
        if space is None:
            return []
    polls = poll_cards(ctx, session, space)
    if not polls:
        return []
    # The visitor's own token only where a form needs it (it makes the page private).
    token = csrf_token(request) if any(p.can_vote for p in polls) else ""
    html = polls_section(polls, name, ctx.user is not None, token)
    return [Fragment(f"consultation-polls-{name}", html, order=20)]


# --- events -------------------------------------------------------------------------------------


@hookimpl
def parvis_event(event: Event, app: App) -> None:
    if event.name == DECISION_PUBLISHED:
        notify_decision(app, event)


# --- personal data ------------------------------------------------------------------------------


@hookimpl
def parvis_export_user_data(session: Session, user: User) -> dict[str, Any]:
    return {"consultation_responses": gdpr.user_data(session, user.id)}


@hookimpl
def parvis_erase_user_data(session: Session, user: User) -> None:
    gdpr.erase_user(session, user.id)


@hookimpl
def parvis_demo_data(session: Session, town: Town) -> None:
    create_demo(session, town)


@hookimpl
def parvis_audit_actions() -> list[AuditAction]:
    return list(AUDIT_ACTIONS)
