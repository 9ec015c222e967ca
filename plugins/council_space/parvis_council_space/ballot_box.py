"""Cast ballots: who may vote, reading a submitted ballot, recording it (one per voter and
call), and loading every ballot of a call for a count.

(``ballot.py`` is the ballot a resident is still filling in, before it is cast.)"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable
from typing import Any, NamedTuple

from sqlalchemy import (
    Integer,
    String,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from parvis.api import Area, Module, Space, User, eligible, parse_int, utcnow, write_unseen

from . import counting
from .common import ServiceError, money, on_ballot
from .config import CallConfig
from .i18n import _
from .ideas import IdeaFilters, IdeaRow
from .models import Ballot, BallotChoice, CountJob, Idea


def vote_options(
    session: Session, module: Module, filters: IdeaFilters | None = None
) -> list[IdeaRow]:
    """The projects on the ballot (all of them, or those ``filters`` keep, in its order)."""
    query = (
        select(Idea, Area.name, User.display_name)
        .outerjoin(Area, Area.id == Idea.area_id)
        .outerjoin(User, User.id == Idea.author_id)
        .where(*on_ballot(module.id))
    )
    if filters is not None:
        query = IdeaFilters(**{**filters.__dict__, "status": None}).apply(query)
    else:
        query = query.order_by(Idea.title, Idea.id)
    return [IdeaRow(i, a or "", n or "") for i, a, n in session.execute(query)]


def voter_key(user: User, person_key: str | None = None) -> str:
    """``p:<person key>`` in area-only calls (one ballot per person, whatever their accounts),
    ``u:<user id>`` elsewhere."""
    return f"{PERSON_VOTER}{person_key}" if person_key else f"u:{user.id}"


PERSON_VOTER = "p:"


def check_voter(session: Session, space: Space, config: CallConfig, user: User) -> str:
    """The call's own restriction (on top of the ``council_space.vote`` permission); returns
    the voter key of the user's ballot.

    An area-only call needs a live verification of residency in the council's neighbourhood
    (core's ``eligible``): the neighbourhood in a profile proves nothing. Its ballots are keyed
    by person, so deleting an account and verifying a new one finds the same ballot."""
    if not config.area_only or space.area_id is None:
        return voter_key(user)
    verdict = eligible(session, user, area_id=space.area_id)
    if not verdict:
        raise ServiceError(verdict.reason)
    return voter_key(user, verdict.person_key)


def parse_ballot(
    config: CallConfig, options: dict[int, Any], form: Any
) -> tuple[dict[int, int], list[str]]:
    """Read and check a ballot from the submitted form: ({idea id: points}, errors).

    Approval and budget ballots send ``idea`` values; points ballots send ``points-<id>``.
    Ids that are not projects of this vote are refused (never silently dropped).
    """
    errors: list[str] = []
    choices: dict[int, int] = {}
    if config.ballot_rule == "cumulative":
        for key in form:
            if not key.startswith("points-"):
                continue
            raw = (form.get(key) or "").strip()
            if not raw:
                continue
            idea_id = parse_int(key.removeprefix("points-"))
            if idea_id is None or idea_id not in options:
                errors.append(_("This ballot names a project that is not in this vote."))
                continue
            points = parse_int(raw)
            if points is None:
                errors.append(
                    _("Points must be whole numbers, 0 or more (“%(value)s”).", value=raw[:20])
                )
                continue
            if points > 0:
                choices[idea_id] = points
        total = sum(choices.values())
        if not errors and total > config.max_points:
            errors.append(
                _(
                    "You gave %(total)s points, but you have %(max)s to share.",
                    total=total,
                    max=config.max_points,
                )
            )
    else:
        for raw in form.getlist("idea"):
            idea_id = parse_int(raw)
            if idea_id is None or idea_id not in options:
                errors.append(_("This ballot names a project that is not in this vote."))
                continue
            choices[idea_id] = 1
        if config.ballot_rule == "approval" and len(choices) > config.max_projects:
            errors.append(
                _(
                    "You chose %(count)s projects; you may choose %(max)s at most.",
                    count=len(choices),
                    max=config.max_projects,
                )
            )
        if config.ballot_rule == "knapsack":
            total = sum(options[i].cost for i in choices if i in options)
            if total > config.budget:
                errors.append(
                    _(
                        "The projects you chose cost %(total)s in all, more than the budget "
                        "of %(budget)s.",
                        total=money(total),
                        budget=money(config.budget),
                    )
                )
    if not choices and not errors:
        errors.append(_("Choose at least one project."))
    return choices, list(dict.fromkeys(errors))


class Option(NamedTuple):
    """A project on the ballot as the cast path checks it (``parse_ballot`` reads its cost)."""

    id: int
    cost: int


# ``ctx.memo``: kept until the town's content changes (a project's status or cost, a published
# count: all bump it; ballots do not, so voting keeps the options warm).
Memo = Callable[[Hashable, Callable[[], Any]], Any]


def _no_memo(_key: Hashable, build: Callable[[], Any]) -> Any:
    return build()


def ballot_options(
    session: Session, module: Module, *, memo: Memo = _no_memo
) -> tuple[dict[int, Option], str | None]:
    """What casting a ballot needs: the projects of this vote by id (one query, kept by
    ``memo``, so a ballot checks the ids it names with no query), and why ballots are refused
    even in the vote phase (``guards.ballots_refusal``), if they are."""
    options, published = memo(
        ("council_space.ballot_options", module.id), lambda: _read_options(session, module.id)
    )
    return options, (
        _("The results of this vote are published: ballots are no longer accepted.")
        if published
        else None
    )


def _read_options(session: Session, module_id: int) -> tuple[dict[int, Option], bool]:
    rows = session.execute(_ballot_options(), {"module": module_id}).all()
    options = {row.id: Option(row.id, row.cost) for row in rows if row.id != -1}
    return options, len(options) != len(rows)


@functools.cache
def _ballot_options() -> Any:
    """``ballot_options``'s statement, built once (building it cost more than running it): a
    row of id -1 if a count of the call is published, then every project on the ballot."""
    module_id = bindparam("module", type_=Integer)
    published = select(CountJob.id).where(
        CountJob.module_id == module_id, CountJob.published_at.is_not(None)
    )
    return union_all(
        select(literal(-1).label("id"), literal(0).label("cost")).where(published.exists()),
        select(Idea.id, func.coalesce(Idea.final_cost, Idea.estimated_cost)).where(
            *on_ballot(module_id)
        ),
    )


def cast_ballot(
    session: Session,
    module: Module,
    key: str,
    choices: dict[int, int],
    user_id: int | None = None,
) -> bool:
    """Record or replace the voter's only ballot in this call, in the caller's transaction;
    returns whether it replaced an earlier one.

    One upsert on the UNIQUE (module, voter key) constraint: a second ballot is impossible, and
    when two requests of one voter race, the second waits on the row and replaces the first's
    choices (its DELETE runs after the first commits). On PostgreSQL a first ballot and its
    choices are one statement (the choices in a ``WITH`` of an insert that does nothing when
    the voter has a ballot), whole by itself, so the vote view commits it on its own
    (``@view(autocommit=True)``); a replacement then goes the usual way, whose first write opens
    the transaction (the upsert's row lock held until its DELETE and INSERT commit)."""
    now = utcnow()
    rows = sorted(choices.items())
    if session.get_bind().dialect.name == "postgresql":
        # The tables are unseen (no content version): written past the ORM's bookkeeping. The
        # choices go as text ("12,15"): a list of ints costs the driver more to send.
        params = {
            "module_id": module.id,
            "voter_key": key,
            "user_id": user_id,
            "now": now,
            "ideas": ",".join(str(idea_id) for idea_id, _points in rows),
            "points": ",".join(str(points) for _idea_id, points in rows),
        }
        if write_unseen(session, _pg_first_ballot(), params):
            return False
    table = Ballot.__table__
    upsert = _dialect_insert(session)(table).values(
        module_id=module.id, voter_key=key, user_id=user_id, created_at=now, updated_at=now
    )
    ballot_id, created_at = session.execute(
        upsert.on_conflict_do_update(
            index_elements=[table.c.module_id, table.c.voter_key], set_={"updated_at": now}
        ).returning(table.c.id, table.c.created_at)
    ).one()
    replaced = created_at != now
    if replaced:
        session.execute(delete(BallotChoice).where(BallotChoice.ballot_id == ballot_id))
    session.execute(
        insert(BallotChoice),
        [
            {"ballot_id": ballot_id, "idea_id": idea_id, "points": points}
            for idea_id, points in rows
        ],
    )
    return replaced


@functools.cache
def _pg_first_ballot() -> Any:
    """The ballot unless the voter has one, and its choices inserted with it: its id, or no row
    (``cast_ballot`` then replaces the existing ballot's choices itself)."""
    from sqlalchemy.dialects.postgresql import ARRAY
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    def numbers(name: str) -> Any:
        text = bindparam(name, type_=String)
        return cast(func.string_to_array(text, literal_column("','")), ARRAY(Integer))

    table = Ballot.__table__
    now = bindparam("now", type_=table.c.created_at.type)
    ballot = (
        pg_insert(table)
        .values(
            module_id=bindparam("module_id"),
            voter_key=bindparam("voter_key"),
            user_id=bindparam("user_id"),
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=[table.c.module_id, table.c.voter_key])
        .returning(table.c.id)
        .cte("ballot")
    )
    picks = (
        func.unnest(numbers("ideas"), numbers("points"))
        .table_valued("idea_id", "points")
        .render_derived()
    )
    chosen = (
        insert(BallotChoice)
        .from_select(
            ["ballot_id", "idea_id", "points"],
            select(ballot.c.id, picks.c.idea_id, picks.c.points)
            .select_from(ballot)
            .join(picks, true()),
        )
        .cte("chosen")
    )
    return select(ballot.c.id).add_cte(ballot, chosen)


def _dialect_insert(session: Session) -> Any:
    """``INSERT ... ON CONFLICT`` exists on both databases, under each dialect's ``insert``."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


def current_choices(session: Session, module: Module, key: str) -> dict[int, int]:
    rows = session.execute(
        select(BallotChoice.idea_id, BallotChoice.points)
        .join(Ballot, Ballot.id == BallotChoice.ballot_id)
        .where(Ballot.module_id == module.id, Ballot.voter_key == key)
    )
    return {idea_id: points for idea_id, points in rows}


def ballot_count(session: Session, module: Module) -> int:
    return session.scalar(select(func.count(Ballot.id)).where(Ballot.module_id == module.id)) or 0


def load_election(session: Session, module: Module, config: CallConfig) -> counting.Election:
    ideas = list(session.scalars(select(Idea).where(*on_ballot(module.id)).order_by(Idea.id)))
    known = {i.id for i in ideas}
    by_ballot: dict[int, dict[str, int]] = {}
    rows = session.execute(
        select(Ballot.id, BallotChoice.idea_id, BallotChoice.points)
        .outerjoin(BallotChoice, BallotChoice.ballot_id == Ballot.id)
        .where(Ballot.module_id == module.id)
        .order_by(Ballot.id)
    )
    for ballot_id, idea_id, points in rows:
        choices = by_ballot.setdefault(ballot_id, {})
        if idea_id is not None and idea_id in known:
            choices[str(idea_id)] = points
    ballots: list[Any]
    if config.ballot_rule == "cumulative":
        ballots = list(by_ballot.values())
    else:
        ballots = [frozenset(c) for c in by_ballot.values()]
    projects = tuple(counting.Project(str(i.id), i.cost) for i in ideas)
    return counting.Election(config.budget, projects, tuple(ballots))
