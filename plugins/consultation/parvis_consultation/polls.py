"""Quick polls answerable in place on the home page and on space pages."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from sqlalchemy import Integer, Select, bindparam, exists, func, literal, select, type_coerce
from sqlalchemy.orm import Session

from parvis.api import Context, Module, Space, driver_rows, utcnow
from parvis_consultation.models import Answer, Option, Question, Response, Survey
from parvis_consultation.responses import TOKEN_KEY, respondent_hash
from parvis_consultation.structure import RESPOND
from parvis_consultation.widget import PollWidget

# Where ``ctx.extra`` keeps the home page's polls for the rest of the request.
HOME_POLLS = "consultation.home_polls"
HOME_LIMIT = "consultation.home_limit"


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
    # Its last question (``None``: none) and that question's (option id, label, count of
    # answers), in the options' order.
    question_id: int | None
    label: str
    options: list[tuple[int, str, int]]


class _SpaceRef(NamedTuple):
    """What permission checks and module links read of a space."""

    id: int
    slug: str


def _open_polls(home: bool, *columns: Any) -> Select[Any]:
    """``columns`` of the open polls of one space (parameter ``space``) or (``home``) of the
    home page: at most ``limit`` of the town's (``town``) flagged ones, in the town's order."""
    polls = (
        select(*columns)
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
    if not home:
        polls = polls.outerjoin(Survey, Survey.module_id == Module.id)
        return polls.where(Module.space_id == bindparam("space"))
    # Only polls the widget can show take one of the ``limit`` places: a last question with
    # two options at least (``poll_cards``), else another open poll would be left out.
    own_last = (
        select(func.max(Question.id))
        .where(Question.module_id == Module.id)
        .correlate(Module)
        .scalar_subquery()
    )
    choices = (
        select(func.count(Option.id))
        .where(Option.question_id == own_last)
        .correlate(Module)
        .scalar_subquery()
    )
    polls = polls.join(Survey, Survey.module_id == Module.id)
    return polls.where(Survey.show_on_home.is_(True), choices >= 2).limit(bindparam("limit"))


# The ids of the polls the home page shows in place, whoever looks (``summary`` reads them in
# its own statement: parameters ``town`` and ``limit``).
HOME_POLL_IDS = select(_open_polls(True, Module.id).subquery("home_polls").c.id)


def _polls_statement(home: bool, mine: str) -> Select[Any]:
    """Every column of the widgets in one statement: the open polls (the home page's, at most
    ``limit``, or one space's), each with its last question (by id, as the poll's page has it),
    that question's options with their counts, and whether the viewer answered (``mine``:
    ``"user"``, ``"token"`` or ``""`` for nobody). A poll without options comes once, with
    empty option columns. Built once per variant (with bound parameters)."""
    polls = _open_polls(
        home,
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
            # Tested for truth only: as stored (0 or 1 on SQLite), without a result processor.
            type_coerce(p.c.allow_anonymous, Integer),
            p.c.poll_results,
            p.c.opens_at,
            p.c.closes_at,
            type_coerce(answered, Integer),
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
        params["limit"] = home_limit(ctx)
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
        if last is None or last.id != row[0]:
            last = _Poll(
                *row[:5],
                bool(row[5]),  # no settings: the defaults of ``get_survey``
                row[6] or "answered",
                row[7],
                row[8],
                bool(row[9]),
                row[10],
                row[11] or "",
                [],
            )
            polls.append(last)
        if row[12] is not None:
            last.options.append((row[12], row[13], int(row[14])))
    return polls


def home_limit(ctx: Context) -> int:
    """How many polls the home page shows at most (the town's setting), read once a request:
    the summaries and the slot both ask."""
    if HOME_LIMIT not in ctx.extra:
        ctx.extra[HOME_LIMIT] = int(ctx.setting("consultation", "home_polls"))
    return ctx.extra[HOME_LIMIT]  # type: ignore[no-any-return]


def _home_polls(ctx: Context, session: Session) -> list[_Poll]:
    """The polls flagged for the home page, read once per request."""
    if HOME_POLLS not in ctx.extra:
        ctx.extra[HOME_POLLS] = _read_polls(ctx, session, None)
    return ctx.extra[HOME_POLLS]  # type: ignore[no-any-return]


def poll_cards(ctx: Context, session: Session, space: Space | None) -> list[PollWidget]:
    """The widgets of the open polls of ``space`` or (``None``) of the home page the visitor
    may see: question, options, the visitor's own vote and counts, from one statement."""
    polls = _home_polls(ctx, session) if space is None else _read_polls(ctx, session, space)
    if not polls:
        return []
    now = utcnow()
    spaces: dict[int, _SpaceRef] = {}
    cards = []
    anonymous = ctx.user is None
    for poll in polls:
        options = poll.options
        if poll.question_id is None or len(options) < 2:
            continue
        where = spaces.get(poll.space_id)
        if where is None:
            where = spaces[poll.space_id] = _SpaceRef(poll.space_id, poll.space_slug)
        # What permission checks and links read of a space and a module (no ``cast`` call).
        as_space: Any = where
        as_module: Any = poll
        if not ctx.can("consultation.view", as_space, as_module):
            continue
        answered = poll.answered
        can_manage = ctx.can("consultation.manage", as_space, as_module)
        # ``results.results_visible`` of an open poll: managers, or per the poll's setting.
        show = can_manage or (answered and poll.poll_results == "answered")
        total = sum([o[2] for o in options])
        can_vote = (
            not answered
            and _within_dates(poll, now)
            and (ctx.can(RESPOND, as_space, as_module) or (anonymous and poll.allow_anonymous))
        )
        cards.append(
            PollWidget(
                ctx.module_url(as_module, as_space),
                poll.question_id,
                poll.label,
                [(o[0], o[1], o[2], o[2] / total if total else 0) for o in options],
                answered,
                show and (answered or can_manage),
                can_vote,
            )
        )
    return cards


def _within_dates(poll: _Poll, now: dt.datetime) -> bool:
    """``structure.is_open`` of a poll read in its open phase: within its dates, when set."""
    if poll.opens_at is not None and now < poll.opens_at:
        return False
    return not (poll.closes_at is not None and now >= poll.closes_at)
