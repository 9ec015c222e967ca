"""Quick polls answerable in place on the home page and on space pages."""

from __future__ import annotations

from typing import Any, NamedTuple

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from parvis.api import Context, Module, Space, in_keys, read_columns
from parvis_consultation.models import Answer, Option, Question, Response, Survey
from parvis_consultation.question_types.base import Bar
from parvis_consultation.responses import TOKEN_KEY, respondent_hash
from parvis_consultation.results import results_visible
from parvis_consultation.structure import RESPOND, get_survey, is_open

Found = tuple[Module, Space, Survey | None]
# Where ``ctx.extra`` keeps the home page's polls for the rest of the request.
HOME_POLLS = "consultation.home_polls"


# Built once (with bound parameters): building a statement costs about as much as running it.
_OPEN_POLLS = (
    select(Module, Survey)
    .join(Space, Space.id == Module.space_id)
    .outerjoin(Survey, Survey.module_id == Module.id)
    .where(
        Space.town_id == bindparam("town"),
        Space.published.is_(True),
        Module.published.is_(True),
        Module.type == "poll",
        Module.phase == "open",
    )
    .order_by(Module.position, Module.id)
)
# The home page has no ``Space`` objects loaded (it reads rows): the space comes along.
_HOME_POLLS = (
    _OPEN_POLLS.add_columns(Space).where(Survey.show_on_home.is_(True)).limit(bindparam("limit"))
)
_SPACE_POLLS = _OPEN_POLLS.where(Module.space_id == bindparam("space"))
# Questions with their options as plain rows (the widget reads these columns only), in one
# statement: a question without options comes once, with empty option columns.
_QUESTIONS = (
    select(Question.id, Question.module_id, Question.label, Option.id, Option.label)
    .outerjoin(Option, Option.question_id == Question.id)
    .where(in_keys(Question.module_id, "modules"))
    .order_by(Question.id, Option.position, Option.id)
)


class _Question(NamedTuple):
    id: int
    module_id: int
    label: str


class _Option(NamedTuple):
    id: int
    question_id: int
    label: str


_MINE_BY_USER = select(Response.module_id).where(
    in_keys(Response.module_id, "modules"),
    Response.user_id == bindparam("user"),
)
_MINE_BY_TOKEN = select(Response.module_id).where(
    in_keys(Response.module_id, "modules"),
    Response.token_hash == bindparam("token"),
)
_COUNTS = (
    select(Answer.option_id, func.count())
    .where(in_keys(Answer.module_id, "modules"), Answer.option_id.is_not(None))
    .group_by(Answer.option_id)
)


def open_polls(ctx: Context, session: Session, space: Space | None) -> list[Found]:
    """The open polls the visitor may see: those of ``space``, or (``None``) those shown on the
    home page, at most the ``home_polls`` setting."""
    if space is None:
        found = _home_polls(ctx, session)
    else:
        rows = session.execute(_SPACE_POLLS, {"town": ctx.town.id, "space": space.id})
        found = [(module, space, survey) for module, survey in rows.all()]
    return [(m, where, sv) for m, where, sv in found if ctx.can("consultation.view", where, m)]


def _home_polls(ctx: Context, session: Session) -> list[Found]:
    """The polls flagged for the home page, whoever looks: read once per request (``summarize``
    asks first, to leave them out of the home cards, then the slot)."""
    if HOME_POLLS in ctx.extra:
        return ctx.extra[HOME_POLLS]  # type: ignore[no-any-return]
    limit = int(ctx.setting("consultation", "home_polls"))
    rows = session.execute(_HOME_POLLS, {"town": ctx.town.id, "limit": limit})
    found = [(module, where, survey) for module, survey, where in rows.all()]
    ctx.extra[HOME_POLLS] = found
    return found


def home_poll_ids(ctx: Context) -> set[int]:
    """The polls the home page shows in place (beyond the limit, it does not), whoever looks:
    the home page's cards, shared by every visitor, leave these out (a visitor who may not see
    one finds it in neither place, as on its space page)."""
    return {m.id for m, _s, _sv in _home_polls(ctx, ctx.session)}


def poll_cards(ctx: Context, session: Session, found: list[Found]) -> list[dict[str, Any]]:
    """Questions, options, the visitor's own vote and counts for several polls in three
    queries, as plain values (``memo_fragment`` keeps the widget under them)."""
    if not found:
        return []
    module_ids = [m.id for m, _s, _sv in found]
    # A poll's question is its last one (by id), as the poll's page has it.
    questions: dict[int, _Question] = {}
    options: dict[int, list[_Option]] = {}
    for q_id, module_id, label, o_id, o_label in read_columns(
        session, _QUESTIONS, {"modules": module_ids}
    ).all():
        question = questions.get(module_id)
        if question is None or question.id != q_id:
            questions[module_id] = _Question(q_id, module_id, label)
        if o_id is not None:
            options.setdefault(q_id, []).append(_Option(o_id, q_id, o_label))
    mine: set[int] = set()
    if ctx.user is not None:
        params = {"modules": module_ids, "user": ctx.user.id}
        mine = {r[0] for r in read_columns(session, _MINE_BY_USER, params)}
    else:
        token = ctx.request.session.get(TOKEN_KEY)
        if token:
            params = {"modules": module_ids, "token": respondent_hash(ctx, token)}
            mine = {r[0] for r in read_columns(session, _MINE_BY_TOKEN, params)}
    counts: dict[int, int] = dict(read_columns(session, _COUNTS, {"modules": module_ids}).all())
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
                "url": ctx.module_url(module, space),
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
