"""Consultation plugin hooks: surveys and quick polls as module types."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.requests import Request

from parvis.api import (
    ANONYMOUS,
    MODERATOR,
    RESIDENT,
    SPACE_ADMIN,
    Action,
    Context,
    Fragment,
    Module,
    ModuleType,
    Phase,
    Setting,
    Space,
    Translator,
    cached_slot,
    followers,
    get_context,
    hookimpl,
    queue_mail,
    render_fragment,
    site_url,
    unsubscribe_url,
    using_locale,
)
from parvis_consultation import gdpr
from parvis_consultation.models import Option, Question, Response, Survey
from parvis_consultation.responses import respondent_hash
from parvis_consultation.results import Bar, results_visible
from parvis_consultation.structure import get_survey, is_open
from parvis_consultation.summary import summarize
from parvis_consultation.views import ROUTES

T = Translator("parvis_consultation")
_ = T.gettext
_l = T.lazy_gettext

RESPOND = "consultation.respond"


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
            "New answers without an account accepted per network address, per survey and hour.",
            1,
            100_000,
        ),
        Setting("home_polls", int, 2, "How many quick polls the home page shows at most.", 0, 10),
    ]


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
        ),
        ModuleType(
            "poll",
            _l("Quick poll"),
            phases=_phases(False),
            routes=ROUTES,
            order=31,
            summarize=summarize,
        ),
    ]


# --- slots --------------------------------------------------------------------------------------


@hookimpl
@cached_slot("layout.head", "home.main", "space.main")
def parvis_slot(
    name: str, request: Request, session: Session, context: dict[str, Any]
) -> list[Fragment]:
    if name == "layout.head":  # the stylesheet of the polls shown on core pages
        html = render_fragment(request, "consultation/_head.html")
        return [Fragment("consultation.css", html)]
    if name not in ("home.main", "space.main"):
        return []
    ctx = get_context(request)
    query = (
        select(Module, Space, Survey)
        .join(Space, Space.id == Module.space_id)
        .outerjoin(Survey, Survey.module_id == Module.id)
        .where(
            Space.town_id == ctx.town.id,
            Space.published.is_(True),
            Module.published.is_(True),
            Module.type == "poll",
            Module.phase == "open",
        )
        .order_by(Module.position, Module.id)
    )
    if name == "home.main":
        limit = int(ctx.setting("consultation", "home_polls"))
        query = query.where(Survey.show_on_home.is_(True)).limit(limit)
    else:
        space = context.get("space")
        if space is None:
            return []
        query = query.where(Module.space_id == space.id)
    found = [
        (m, s, sv)
        for m, s, sv in session.execute(query).all()
        if ctx.can("consultation.view", s, m)
    ]
    if not found:
        return []
    polls = _poll_cards(ctx, session, found)
    if not polls:
        return []
    html = render_fragment(request, "consultation/_polls.html", {"polls": polls, "slot": name})
    return [Fragment(f"consultation-polls-{name}", html, order=20)]


def _poll_cards(ctx: Context, session: Session, found: list[tuple[Any, Any, Any]]) -> list[dict]:
    """Questions, options, the visitor's own vote and counts for several polls in four queries."""
    module_ids = [m.id for m, _s, _sv in found]
    questions = {
        q.module_id: q
        for q in session.scalars(
            select(Question).where(Question.module_id.in_(module_ids)).order_by(Question.id)
        )
    }
    options: dict[int, list[Option]] = {}
    if questions:
        for option in session.scalars(
            select(Option)
            .where(Option.question_id.in_([q.id for q in questions.values()]))
            .order_by(Option.position, Option.id)
        ):
            options.setdefault(option.question_id, []).append(option)
    mine: set[int] = set()
    if ctx.user is not None:
        mine = set(
            session.scalars(
                select(Response.module_id).where(
                    Response.module_id.in_(module_ids), Response.user_id == ctx.user.id
                )
            )
        )
    else:
        token = ctx.request.session.get("consultation_token")
        if token:
            token_hash = respondent_hash(ctx, token)
            mine = set(
                session.scalars(
                    select(Response.module_id).where(
                        Response.module_id.in_(module_ids), Response.token_hash == token_hash
                    )
                )
            )
    from parvis_consultation.models import Answer

    counts: dict[int, int] = dict(
        session.execute(
            select(Answer.option_id, func.count())
            .where(Answer.module_id.in_(module_ids), Answer.option_id.is_not(None))
            .group_by(Answer.option_id)
        ).all()
    )
    cards = []
    for module, space, survey in found:
        question = questions.get(module.id)
        if question is None or len(options.get(question.id, [])) < 2:
            continue
        survey = survey or get_survey(session, module.id)
        answered = module.id in mine
        can_manage = ctx.can("consultation.manage", space, module)
        show = results_visible(module, survey, can_manage=can_manage, answered=answered)
        opts = options[question.id]
        total = sum(counts.get(o.id, 0) for o in opts)
        decision = is_open(module, survey) and (
            ctx.can(RESPOND, space, module) or (ctx.user is None and survey.allow_anonymous)
        )
        cards.append(
            {
                "module": module,
                "space": space,
                "question": question,
                "options": opts,
                "answered": answered,
                "show_results": show and (answered or can_manage),
                "can_vote": decision and not answered,
                "bars": [
                    Bar(o.label, counts.get(o.id, 0), counts.get(o.id, 0) / total if total else 0)
                    for o in opts
                ],
                "total": total,
            }
        )
    return cards


# --- events -------------------------------------------------------------------------------------


def decision_mail(
    town: str, space: str, title: str, decision: str, url: str, unsubscribe: str
) -> tuple[str, str]:
    """The e-mail to a follower, in the current locale (set by the caller's ``using_locale``)."""
    subject = _("Consultation “%(title)s”: what the town decided", title=title)
    body = (
        _(
            "Hello,\n\nYou follow “%(space)s” on the participation platform of %(town)s. "
            "The town has published what it decided after the consultation “%(title)s”:",
            space=space,
            town=town,
            title=title,
        )
        + "\n\n"
        + decision
        + "\n\n"
        + _("Read it online: %(url)s", url=url)
        + "\n\n"
        + _(
            "You get this e-mail because you follow this space. To stop every e-mail about the "
            "spaces you follow: %(unsubscribe)s",
            unsubscribe=unsubscribe,
        )
        + "\n"
    )
    return subject, body


@hookimpl
def parvis_event(event: Any, app: Any) -> None:
    if event.name != "consultation.decision_published":
        return
    from parvis.api import Town

    with app.db.session() as session:
        module = session.get(Module, event.payload["module_id"])
        if module is None:
            return
        space = session.get(Space, module.space_id)
        town = session.get(Town, event.town_id)
        survey = session.scalar(select(Survey).where(Survey.module_id == module.id))
        if space is None or town is None or survey is None:
            return
        # Built by the view from ``ctx.base_url``: a host of the town, never a forged Host header.
        url = event.payload["url"]
        base_url = site_url(app, session, town.id)
        for follower in followers(session, space):
            with using_locale(app, follower.locale or town.default_locale):
                subject, body = decision_mail(
                    town.name,
                    space.title,
                    module.title,
                    survey.decision,
                    url,
                    unsubscribe_url(app, base_url, follower.user_id),
                )
            queue_mail(session, follower.email, subject, body, town.id)


# --- personal data ------------------------------------------------------------------------------


@hookimpl
def parvis_export_user_data(session: Session, user: Any) -> dict[str, Any]:
    return {"consultation_responses": gdpr.user_data(session, user.id)}


@hookimpl
def parvis_erase_user_data(session: Session, user: Any) -> None:
    gdpr.erase_user(session, user.id)


@hookimpl
def parvis_demo_data(session: Session, town: Any) -> None:
    from parvis_consultation.demo import create_demo

    create_demo(session, town)


@hookimpl
def parvis_audit_actions() -> list[Any]:
    from parvis_consultation.audit_actions import AUDIT_ACTIONS

    return list(AUDIT_ACTIONS)
