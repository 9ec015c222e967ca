"""Quick polls answerable in place on the home page and on space pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple, cast

from sqlalchemy import Select, bindparam, exists, func, literal, select
from sqlalchemy.orm import Session

from parvis.api import Context, Module, Space, driver_rows, utcnow
from parvis_consultation.models import Answer, Option, Question, Response, Survey
from parvis_consultation.question_types.base import Bar
from parvis_consultation.responses import TOKEN_KEY, respondent_hash
from parvis_consultation.structure import RESPOND

# Where ``ctx.extra`` keeps the home page's polls for the rest of the request.
HOME_POLLS = "consultation.home_polls"


class _Question(NamedTuple):
    id: int
    module_id: int
    label: str


class _Option(NamedTuple):
    id: int
    question_id: int
    label: str


class _Poll(NamedTuple):
    """An open poll as the widget reads it: the columns of its module (what permission checks
    and links read: ``id``, ``type``, ``phase``, ``space_id``), its space's and its settings'
    (a poll without settings has the defaults of ``structure.get_survey``)."""

    id: int
    type: str
    phase: str
    space_id: int
    space_slug: str
    allow_anonymous: bool
    poll_results: str
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    answered: bool
    question: _Question | None
    # (option, its count of answers), in the option's order.
    options: list[tuple[_Option, int]]


class _SpaceRef(NamedTuple):
    """What permission checks and module links read of a space."""

    id: int
    slug: str


def _polls_statement(home: bool, mine: str) -> Select[Any]:
    """Every column of the widgets in one statement: the open polls (the home page's, at most
    ``limit``, or one space's), each with its last question (by id, as the poll's page has it),
    that question's options with their counts, and whether the viewer answered (``mine``:
    ``"user"``, ``"token"`` or ``""`` for nobody). A poll without options comes once, with
    empty option columns. Built once per variant (with bound parameters)."""
    polls = (
        select(
            Module.id,
            Module.type,
            Module.phase,
            Module.space_id,
            Module.position,
            Space.slug,
            Survey.allow_anonymous,
            Survey.poll_results,
            Survey.opens_at,
            Survey.closes_at,
        )
        .join(Space, Space.id == Module.space_id)
        .where(
            Space.town_id == bindparam("town"),
            Space.published.is_(True),
            Module.published.is_(True),
            Module.type == "poll",
            Module.phase == "open",
        )
        .order_by(Module.position, Module.id)
    )
    if home:
        polls = polls.join(Survey, Survey.module_id == Module.id)
        polls = polls.where(Survey.show_on_home.is_(True)).limit(bindparam("limit"))
    else:
        polls = polls.outerjoin(Survey, Survey.module_id == Module.id)
        polls = polls.where(Module.space_id == bindparam("space"))
    p = polls.subquery("polls")
    if mine == "user":
        answered: Any = exists().where(
            Response.module_id == p.c.id, Response.user_id == bindparam("user")
        )
    elif mine == "token":
        answered = exists().where(
            Response.module_id == p.c.id, Response.token_hash == bindparam("token")
        )
    else:
        answered = literal(False)
    last_question = (
        select(func.max(Question.id))
        .where(Question.module_id == p.c.id)
        .correlate(p)
        .scalar_subquery()
    )
    count = (
        select(func.count())
        .where(
            Answer.module_id == p.c.id,
            Answer.question_id == Question.id,
            Answer.option_id == Option.id,
        )
        .scalar_subquery()
    )
    return (
        select(
            p.c.id,
            p.c.type,
            p.c.phase,
            p.c.space_id,
            p.c.slug,
            p.c.allow_anonymous,
            p.c.poll_results,
            p.c.opens_at,
            p.c.closes_at,
            answered,
            Question.id,
            Question.label,
            Option.id,
            Option.label,
            count,
        )
        .select_from(p)
        .outerjoin(Question, Question.id == last_question)
        .outerjoin(Option, Option.question_id == Question.id)
        .order_by(p.c.position, p.c.id, Option.position, Option.id)
    )


_STATEMENTS = {
    (home, mine): _polls_statement(home, mine)
    for home in (True, False)
    for mine in ("user", "token", "")
}


def _read_polls(ctx: Context, session: Session, space: Space | None) -> list[_Poll]:
    """The open polls of ``space`` or (``None``) of the home page, whoever may see them."""
    params: dict[str, Any] = {"town": ctx.town.id}
    if space is None:
        params["limit"] = int(ctx.setting("consultation", "home_polls"))
    else:
        params["space"] = space.id
    mine = ""
    if ctx.user is not None:
        mine, params["user"] = "user", ctx.user.id
    else:
        token = ctx.request.session.get(TOKEN_KEY)
        if token:
            mine, params["token"] = "token", respondent_hash(ctx, token)
    polls: list[_Poll] = []
    last: _Poll | None = None
    # Straight through the driver's cursor once checked (``driver_rows``): the same parameter
    # names each time for each variant.
    for row in driver_rows(session, _STATEMENTS[space is None, mine], params):
        (mid, mtype, phase, space_id, slug, anonymous, results, opens, closes, answered) = row[:10]
        q_id, q_label, o_id, o_label, count = row[10:]
        if last is None or last.id != mid:
            question = None if q_id is None else _Question(q_id, mid, q_label)
            last = _Poll(
                mid,
                mtype,
                phase,
                space_id,
                slug,
                bool(anonymous),  # no settings: the defaults of ``get_survey``
                results or "answered",
                opens,
                closes,
                bool(answered),
                question,
                [],
            )
            polls.append(last)
        if o_id is not None:
            last.options.append((_Option(o_id, q_id, o_label), int(count)))
    return polls


def _home_polls(ctx: Context, session: Session) -> list[_Poll]:
    """The polls flagged for the home page, read once per request (``summarize`` asks first,
    to leave them out of the home cards, then the slot)."""
    if HOME_POLLS not in ctx.extra:
        ctx.extra[HOME_POLLS] = _read_polls(ctx, session, None)
    return ctx.extra[HOME_POLLS]  # type: ignore[no-any-return]


def home_poll_ids(ctx: Context) -> set[int]:
    """The polls the home page shows in place (beyond the limit, it does not), whoever looks:
    the home page's cards, shared by every visitor, leave these out (a visitor who may not see
    one finds it in neither place, as on its space page)."""
    return {p.id for p in _home_polls(ctx, ctx.session)}


def poll_cards(ctx: Context, session: Session, space: Space | None) -> list[dict[str, Any]]:
    """The widgets of the open polls of ``space`` or (``None``) of the home page the visitor
    may see: question, options, the visitor's own vote and counts, as plain values
    (``memo_fragment`` keeps the widget under them), from one statement."""
    polls = _home_polls(ctx, session) if space is None else _read_polls(ctx, session, space)
    if not polls:
        return []
    now = utcnow()
    spaces: dict[int, _SpaceRef] = {}
    cards = []
    for poll in polls:
        options = poll.options
        if poll.question is None or len(options) < 2:
            continue
        where = spaces.get(poll.space_id)
        if where is None:
            where = spaces[poll.space_id] = _SpaceRef(poll.space_id, poll.space_slug)
        as_space, as_module = cast(Space, where), cast(Module, poll)
        if not ctx.can("consultation.view", as_space, as_module):
            continue
        answered = poll.answered
        can_manage = ctx.can("consultation.manage", as_space, as_module)
        # ``results.results_visible`` of an open poll: managers, or per the poll's setting.
        show = can_manage or (answered and poll.poll_results == "answered")
        total = sum(count for _o, count in options)
        can_vote = (
            not answered
            and _within_dates(poll, now)
            and (
                ctx.can(RESPOND, as_space, as_module) or (ctx.user is None and poll.allow_anonymous)
            )
        )
        cards.append(
            {
                "url": ctx.module_url(as_module, as_space),
                "question": poll.question,
                "options": [o for o, _count in options],
                "answered": answered,
                "show_results": show and (answered or can_manage),
                "can_vote": can_vote,
                "bars": [Bar(o.label, n, n / total if total else 0) for o, n in options],
                "total": total,
            }
        )
    return cards


def _within_dates(poll: _Poll, now: dt.datetime) -> bool:
    """``structure.is_open`` of a poll read in its open phase: within its dates, when set."""
    if poll.opens_at is not None and now < poll.opens_at:
        return False
    return not (poll.closes_at is not None and now >= poll.closes_at)
