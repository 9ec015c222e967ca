"""What the council space does, independent of the web: ideas, review, ballots, counts, digests.

Views and CLI commands call these functions inside their unit of work; nothing here renders.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    delete,
    func,
    insert,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parvis.api import (
    Area,
    Follow,
    Module,
    Space,
    Town,
    User,
    eligible,
    parse_whole,
    queue_mail,
    site_url,
    slugify,
    unsubscribe_url,
    using_locale,
    utcnow,
)

# Core helpers this module used to copy, still reached as ``services.<name>`` by the views.
from parvis.api import parse_int as parse_int
from parvis.api import town_areas as town_areas

from . import counting, guards
from .config import CallConfig
from .i18n import _
from .models import (
    Ballot,
    BallotChoice,
    Comment,
    CommentReport,
    CountJob,
    DigestItem,
    DigestState,
    Document,
    FollowupUpdate,
    Idea,
    Result,
    Support,
)

logger = logging.getLogger("parvis.council_space")

KIND = "council"
MODULE_TYPE = "idea_call"
# Ideas that go to the vote once reviewed (and stay listed with their result afterwards).
VOTABLE = ("feasible", "selected", "not_selected")


def on_ballot(module_id: int) -> tuple[ColumnElement[bool], ...]:
    """The conditions for an idea of the call to be on the ballot and counted.

    Review refuses "feasible" without a cost, so a votable idea always has one; the cost test
    keeps an idea nobody costed (older data, a hand edit) off the ballot rather than break a count.
    """
    return (
        Idea.module_id == module_id,
        Idea.status.in_(VOTABLE),
        func.coalesce(Idea.final_cost, Idea.estimated_cost).is_not(None),
    )


SORTS = ("newest", "cost_asc", "cost_desc", "supports", "title")
MAX_PDF_BYTES = 5 * 1024 * 1024


class ServiceError(ValueError):
    """A refusal with a message for the person who asked (shown beside the field if any)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# --- ideas ----------------------------------------------------------------------------------


@dataclass
class IdeaFilters:
    area_id: int | None = None
    status: str | None = None
    sort: str = "newest"
    min_cost: int | None = None
    max_cost: int | None = None

    @classmethod
    def from_query(cls, params: Any, statuses: Iterable[str]) -> IdeaFilters:
        def as_int(name: str) -> int | None:  # "3 500" as typed in French, too
            number = parse_whole(params.get(name))
            return number if number is not None and 0 <= number < 10**12 else None

        status = params.get("status") or None
        sort = params.get("sort") or "newest"
        return cls(
            area_id=as_int("area"),
            status=status if status in set(statuses) else None,
            sort=sort if sort in SORTS else "newest",
            min_cost=as_int("min_cost"),
            max_cost=as_int("max_cost"),
        )

    def apply(self, query: Select[Any]) -> Select[Any]:
        cost = func.coalesce(Idea.final_cost, Idea.estimated_cost)
        if self.area_id is not None:
            query = query.where(Idea.area_id == self.area_id)
        if self.status:
            query = query.where(Idea.status == self.status)
        if self.min_cost is not None:
            query = query.where(cost >= self.min_cost)
        if self.max_cost is not None:
            query = query.where(cost <= self.max_cost)
        order = {
            "newest": (Idea.created_at.desc(), Idea.id.desc()),
            # Ideas not yet costed come last both ways (SQLite and PostgreSQL disagree otherwise).
            "cost_asc": (cost.asc().nulls_last(), Idea.id),
            "cost_desc": (cost.desc().nulls_last(), Idea.id),
            "supports": (Idea.support_count.desc(), Idea.id),
            "title": (Idea.title, Idea.id),
        }[self.sort]
        return query.order_by(*order)


@dataclass
class IdeaRow:
    idea: Idea
    area_name: str
    author_name: str


def list_ideas(session: Session, module: Module, filters: IdeaFilters) -> list[IdeaRow]:
    """The call's ideas with their neighbourhood and author, in one query."""
    query = (
        select(Idea, Area.name, User.display_name)
        .outerjoin(Area, Area.id == Idea.area_id)
        .outerjoin(User, User.id == Idea.author_id)
        .where(Idea.module_id == module.id)
    )
    return [
        IdeaRow(idea, area or "", author or "")
        for idea, area, author in session.execute(filters.apply(query))
    ]


def get_idea(session: Session, module: Module, idea_id: Any) -> Idea | None:
    """An idea of this call only: ids of other calls or towns are simply not found."""
    try:
        idea_id = int(idea_id)
    except (TypeError, ValueError):
        return None
    return session.scalar(select(Idea).where(Idea.id == idea_id, Idea.module_id == module.id))


@dataclass
class IdeaInput:
    title: str
    description: str
    estimated_cost: int | None
    area_id: int
    location: str = ""
    image_id: int | None = None


def propose_idea(session: Session, module: Module, author: User, data: IdeaInput) -> Idea:
    idea = Idea(
        module_id=module.id,
        author_id=author.id,
        title=data.title,
        description=data.description,
        estimated_cost=data.estimated_cost,
        area_id=data.area_id,
        location=data.location,
        image_id=data.image_id,
    )
    session.add(idea)
    session.flush()
    return idea


def can_edit_idea(idea: Idea, module: Module, user: User | None) -> bool:
    return (
        user is not None
        and idea.author_id == user.id
        and module.phase == "submission"
        and idea.status == "submitted"
    )


def update_idea(session: Session, idea: Idea, data: IdeaInput) -> None:
    idea.title = data.title
    idea.description = data.description
    idea.estimated_cost = data.estimated_cost
    idea.area_id = data.area_id
    idea.location = data.location
    if data.image_id is not None:
        idea.image_id = data.image_id
    idea.updated_at = utcnow()


def set_support(session: Session, idea: Idea, user: User, wanted: bool) -> None:
    existing = session.scalar(
        select(Support.id).where(Support.idea_id == idea.id, Support.user_id == user.id)
    )
    if wanted and existing is None:
        try:
            with session.begin_nested():
                session.add(Support(idea_id=idea.id, user_id=user.id))
        except IntegrityError:
            return  # a concurrent click already recorded it
    elif not wanted and existing is not None:
        session.execute(delete(Support).where(Support.id == existing))
    else:
        return
    _refresh_support_count(session, idea.id)


def _recount(session: Session, row: Any, counter: Any, count: Any) -> None:
    """Set ``counter`` on the rows matching ``row`` (an ``id ==`` condition) from ``count``.

    The row is locked first, in a statement of its own: a concurrent writer waits for the
    commit, and its recount (a later statement, so a later snapshot) sees every row committed
    before it. Without the lock, two simultaneous clicks each count without the other's."""
    table = counter.class_
    # FOR NO KEY UPDATE: it waits for other recounts but not for inserts that merely
    # reference the row (their foreign-key lock), so it cannot deadlock with them.
    session.execute(select(table.id).where(row).with_for_update(key_share=True))
    session.execute(update(table).where(row).values({counter.key: count.scalar_subquery()}))
    session.expire_all()


def _refresh_support_count(session: Session, idea_id: int) -> None:
    count = select(func.count(Support.id)).where(Support.idea_id == idea_id)
    _recount(session, Idea.id == idea_id, Idea.support_count, count)


def _refresh_comment_count(session: Session, idea_id: int) -> None:
    count = select(func.count(Comment.id)).where(Comment.idea_id == idea_id)
    _recount(session, Idea.id == idea_id, Idea.comment_count, count)


def supported_ids(session: Session, user: User | None, idea_ids: Iterable[int]) -> set[int]:
    ids = list(idea_ids)
    if user is None or not ids:
        return set()
    return set(
        session.scalars(
            select(Support.idea_id).where(Support.user_id == user.id, Support.idea_id.in_(ids))
        )
    )


def add_comment(session: Session, idea: Idea, author: User, body: str) -> Comment:
    comment = Comment(idea_id=idea.id, author_id=author.id, body=body)
    session.add(comment)
    session.flush()
    _refresh_comment_count(session, idea.id)
    return comment


def idea_comments(session: Session, idea: Idea) -> list[tuple[Comment, str]]:
    rows = session.execute(
        select(Comment, User.display_name)
        .outerjoin(User, User.id == Comment.author_id)
        .where(Comment.idea_id == idea.id)
        .order_by(Comment.created_at, Comment.id)
    )
    return [(c, name or _("Former participant")) for c, name in rows]


COMMENT_LIMIT = 10  # comments per person ...
COMMENT_WINDOW = 600  # ... in this many seconds
IMAGE_LIMIT = 20  # images per person (each costs a decode) ...
IMAGE_WINDOW = 3600  # ... in this many seconds


def get_comment(session: Session, module: Module, comment_id: Any) -> Comment | None:
    """A comment on an idea of this call only (ids of other calls or towns are not found)."""
    try:
        comment_id = int(comment_id)
    except (TypeError, ValueError):
        return None
    return session.scalar(
        select(Comment)
        .join(Idea, Idea.id == Comment.idea_id)
        .where(Comment.id == comment_id, Idea.module_id == module.id)
    )


def hide_comment(session: Session, comment: Comment, moderator: User | None, reason: str) -> None:
    """Hide a comment with a public reason; its text is kept for the record (and GDPR)."""
    if not reason.strip():
        raise ServiceError(_("Give the public reason for hiding this comment."), "reason")
    comment.hidden_at = utcnow()
    comment.hidden_by = moderator.id if moderator else None
    comment.hidden_reason = reason.strip()


def restore_comment(session: Session, comment: Comment) -> None:
    comment.hidden_at = None
    comment.hidden_by = None
    comment.hidden_reason = ""


def report_comment(session: Session, comment: Comment, user: User) -> bool:
    """Record ``user``'s report of ``comment``; False when they had already reported it."""
    exists = session.scalar(
        select(CommentReport.id).where(
            CommentReport.comment_id == comment.id, CommentReport.user_id == user.id
        )
    )
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            session.add(CommentReport(comment_id=comment.id, user_id=user.id))
    except IntegrityError:
        return False  # a concurrent click already recorded it
    _refresh_report_count(session, comment.id)
    return True


def _refresh_report_count(session: Session, comment_id: int) -> None:
    count = select(func.count(CommentReport.id)).where(CommentReport.comment_id == comment_id)
    _recount(session, Comment.id == comment_id, Comment.report_count, count)


def reported_ids(session: Session, user: User | None, comment_ids: Iterable[int]) -> set[int]:
    ids = list(comment_ids)
    if user is None or not ids:
        return set()
    return set(
        session.scalars(
            select(CommentReport.comment_id).where(
                CommentReport.user_id == user.id, CommentReport.comment_id.in_(ids)
            )
        )
    )


@dataclass
class ModerationRow:
    comment: Comment
    idea: Idea
    author_name: str


def moderation_rows(session: Session, module: Module) -> list[ModerationRow]:
    """The call's comments for moderators: reported and visible ones first, in one query."""
    rows = session.execute(
        select(Comment, Idea, User.display_name)
        .join(Idea, Idea.id == Comment.idea_id)
        .outerjoin(User, User.id == Comment.author_id)
        .where(Idea.module_id == module.id)
        .order_by(
            Comment.hidden_at.is_not(None),
            Comment.report_count.desc(),
            Comment.created_at.desc(),
            Comment.id.desc(),
        )
    )
    return [ModerationRow(c, i, name or _("Former participant")) for c, i, name in rows]


# --- review ---------------------------------------------------------------------------------


def review_idea(
    session: Session, idea: Idea, *, feasible: bool, reason: str, final_cost: int | None
) -> None:
    if not reason.strip():
        raise ServiceError(_("Give the public reason for this decision."), "reason")
    if final_cost is not None and final_cost < 0:
        raise ServiceError(_("The cost cannot be negative."), "final_cost")
    if feasible and final_cost is None and idea.estimated_cost is None:
        raise ServiceError(_("Set the final cost of a feasible idea."), "final_cost")
    idea.status = "feasible" if feasible else "not_feasible"
    idea.review_reason = reason.strip()
    idea.final_cost = final_cost if final_cost is not None else idea.final_cost
    if feasible and idea.final_cost is None:
        idea.final_cost = idea.estimated_cost
    idea.merged_into_id = None
    idea.updated_at = utcnow()


def merge_idea(session: Session, duplicate: Idea, target: Idea, reason: str) -> None:
    """Mark ``duplicate`` as merged into ``target``; its supporters now support the target."""
    if duplicate.id == target.id:
        raise ServiceError(_("An idea cannot be merged into itself."), "merge_into")
    if target.module_id != duplicate.module_id or target.status == "merged":
        raise ServiceError(
            _("Choose an idea of this call that is not merged itself."), "merge_into"
        )
    if not reason.strip():
        raise ServiceError(_("Give the public reason for this decision."), "reason")
    already = select(Support.user_id).where(Support.idea_id == target.id)
    session.execute(
        update(Support)
        .where(Support.idea_id == duplicate.id, Support.user_id.not_in(already))
        .values(idea_id=target.id)
    )
    session.execute(delete(Support).where(Support.idea_id == duplicate.id))
    # Ideas merged into the duplicate follow it to the target.
    session.execute(
        update(Idea).where(Idea.merged_into_id == duplicate.id).values(merged_into_id=target.id)
    )
    duplicate.status = "merged"
    duplicate.merged_into_id = target.id
    duplicate.review_reason = reason.strip()
    duplicate.updated_at = utcnow()
    session.flush()
    _refresh_support_count(session, target.id)
    _refresh_support_count(session, duplicate.id)


# --- ballots --------------------------------------------------------------------------------


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
                        total=_money(total),
                        budget=_money(config.budget),
                    )
                )
    if not choices and not errors:
        errors.append(_("Choose at least one project."))
    return choices, list(dict.fromkeys(errors))


def _money(amount: int) -> str:
    from parvis.api import format_currency

    return format_currency(amount)


def ballot_options(
    session: Session, module: Module, form: Any
) -> tuple[dict[int, Any], str | None]:
    """What casting a ballot needs, in one narrow query: the projects of this vote among the ids
    the form names (rows with ``id`` and ``cost``), and why ballots are refused even in the vote
    phase (``guards.ballots_refusal``), if they are."""
    named = [
        parse_int(key.removeprefix("points-")) for key in form if key.startswith("points-")
    ] + [parse_int(raw) for raw in form.getlist("idea")]
    ids = sorted({i for i in named if i is not None})
    published = select(CountJob.id).where(
        CountJob.module_id == module.id, CountJob.published_at.is_not(None)
    )
    rows = session.execute(
        union_all(
            select(literal(-1).label("id"), literal(0).label("cost")).where(published.exists()),
            select(Idea.id, func.coalesce(Idea.final_cost, Idea.estimated_cost)).where(
                *on_ballot(module.id), Idea.id.in_(ids)
            ),
        )
    ).all()
    options = {row.id: row for row in rows if row.id != -1}
    refused = len(options) != len(rows)
    return options, (
        _("The results of this vote are published: ballots are no longer accepted.")
        if refused
        else None
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
    choices (its DELETE runs after the first commits)."""
    now = utcnow()
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
            for idea_id, points in sorted(choices.items())
        ],
    )
    return replaced


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


# --- counting -------------------------------------------------------------------------------


def request_count(session: Session, town: Town, module: Module, user: User | None) -> CountJob:
    """Queue a count of a closed vote (``guards.GuardError`` while ballots may still come)."""
    guards.check_countable(module)
    config = CallConfig.of(module)
    running = session.scalar(
        select(CountJob).where(
            CountJob.module_id == module.id, CountJob.status.in_(("pending", "running"))
        )
    )
    if running is not None:
        raise ServiceError(_("A count of this call is already under way."))
    job = CountJob(
        module_id=module.id,
        town_id=town.id,
        rule=config.effective_counting_rule,
        completion=config.completion and config.effective_counting_rule != "greedy",
        budget=config.budget,
        requested_by=user.id if user else None,
    )
    session.add(job)
    session.flush()
    return job


def _fraction(value: Fraction | None) -> str | None:
    return None if value is None else str(value)


def claim_job(db: Any) -> int | None:
    """Take the oldest pending job for this worker; several workers may run at once."""
    with db.session() as session:
        query = select(CountJob).where(CountJob.status == "pending").order_by(CountJob.id).limit(1)
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        job = session.scalar(query)
        if job is None:
            return None
        claimed = session.execute(
            update(CountJob)
            .where(CountJob.id == job.id, CountJob.status == "pending")
            .values(status="running", started_at=utcnow())
        )
        return job.id if claimed.rowcount == 1 else None


# From the web process, counts with at least this many ballots run in a child process so that
# their CPU work does not compete with requests for the GIL.
PROCESS_THRESHOLD = 2000


def run_job(db: Any, job_id: int, *, child_process: bool = False) -> None:
    """Count one claimed job, saving progress now and then so the results page can show it."""
    with db.session(write=False) as session:
        job = session.get(CountJob, job_id)
        module = session.get(Module, job.module_id) if job else None
        if job is None or module is None:
            return
        config = CallConfig.of(module)
        config.budget = job.budget
        election = load_election(session, module, config)
        rule, completion = job.rule, job.completion
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < 0.5 and done != total:
            return
        last[0] = now
        with db.session() as s:
            s.execute(update(CountJob).where(CountJob.id == job_id).values(done=done, total=total))

    try:
        if child_process and len(election.ballots) >= PROCESS_THRESHOLD:
            from . import subprocess_count

            result = subprocess_count.count(rule, election, completion, progress)
        else:
            result = counting.count(
                rule,
                election.budget,
                election.projects,
                election.ballots,
                completion=completion,
                progress=progress if rule == "mes_add1" else None,
            )
    except Exception as exc:
        logger.exception("Count %s failed", job_id)
        with db.session() as s:
            s.execute(
                update(CountJob)
                .where(CountJob.id == job_id)
                .values(status="failed", error=str(exc)[:2000], finished_at=utcnow())
            )
        return
    with db.session() as s:
        store_results(s, job_id, result, len(election.ballots))


def store_results(
    session: Session, job_id: int, result: counting.CountResult, ballots: int
) -> None:
    session.execute(delete(Result).where(Result.job_id == job_id))
    session.add_all(
        Result(
            job_id=job_id,
            idea_id=int(o.project_id),
            selected=o.selected,
            reason=str(o.reason),
            stage=str(o.stage),
            votes=o.votes,
            cost=o.cost,
            selection_order=o.selection_order,
            remaining_budget=o.remaining_budget,
            payment_per_supporter=_fraction(o.payment_per_supporter),
            supporters_money=_fraction(o.supporters_money),
        )
        for o in result.outcomes
    )
    session.execute(
        update(CountJob)
        .where(CountJob.id == job_id)
        .values(
            status="done",
            finished_at=utcnow(),
            ballots=ballots,
            total_cost=result.total_cost,
            endowment=_fraction(result.endowment_per_voter),
            done=max(1, result.mes_runs),
            total=max(1, result.mes_runs),
        )
    )


def count_now(session: Session, town: Town, module: Module) -> CountJob:
    """Count in the caller's transaction (demo data, small calls in tests)."""
    job = request_count(session, town, module, None)
    config = CallConfig.of(module)
    election = load_election(session, module, config)
    result = counting.count(
        job.rule, election.budget, election.projects, election.ballots, completion=job.completion
    )
    store_results(session, job.id, result, len(election.ballots))
    session.refresh(job)
    return job


def count_pending(db: Any, limit: int | None = None, *, child_process: bool = False) -> int:
    """Run pending counts until none is left (or ``limit``); returns how many were run."""
    done = 0
    while limit is None or done < limit:
        job_id = claim_job(db)
        if job_id is None:
            break
        run_job(db, job_id, child_process=child_process)
        done += 1
    return done


_worker_lock = threading.Lock()
_workers: dict[int, threading.Thread] = {}


def start_background_worker(db: Any) -> None:
    """Count pending jobs in a daemon thread of this process (at most one per database)."""
    with _worker_lock:
        running = _workers.get(id(db))
        if running is not None and running.is_alive():
            return
        thread = threading.Thread(
            target=_background, args=(db,), name="council-space-count", daemon=True
        )
        _workers[id(db)] = thread
        thread.start()


def _background(db: Any) -> None:
    try:
        # A job requested while this thread finishes is picked up by the next request's thread.
        count_pending(db, child_process=True)
    except Exception:
        logger.exception("Background count failed")


def latest_job(session: Session, module: Module, *, published: bool) -> CountJob | None:
    query = select(CountJob).where(CountJob.module_id == module.id)
    if published:
        query = query.where(CountJob.published_at.is_not(None)).order_by(
            CountJob.published_at.desc(), CountJob.id.desc()
        )
    else:
        query = query.order_by(CountJob.id.desc())
    return session.scalar(query.limit(1))


def publish_job(session: Session, module: Module, job: CountJob) -> None:
    """Publish a finished count of this closed vote; from then on no ballot is accepted."""
    if job.status != "done":
        raise ServiceError(_("Only a finished count can be published."))
    guards.check_publishable(session, module, job)
    job.published_at = utcnow()
    selected = select(Result.idea_id).where(Result.job_id == job.id, Result.selected.is_(True))
    session.execute(
        update(Idea)
        .where(Idea.module_id == job.module_id, Idea.status.in_(VOTABLE))
        .values(status="not_selected")
    )
    session.execute(
        update(Idea)
        .where(Idea.module_id == job.module_id, Idea.id.in_(selected))
        .values(status="selected", followup_status=func.coalesce(Idea.followup_status, "planned"))
    )
    session.expire_all()


def selected_titles(session: Session, job: CountJob) -> list[str]:
    """Titles of the projects a count selects, in selection order."""
    return list(
        session.scalars(
            select(Idea.title)
            .join(Result, Result.idea_id == Idea.id)
            .where(Result.job_id == job.id, Result.selected.is_(True))
            .order_by(Result.selection_order, Idea.id)
        )
    )


@dataclass
class ResultRow:
    idea: Idea
    area_name: str
    result: Result | None
    explanation: str


def results_rows(
    session: Session, module: Module, job: CountJob, filters: IdeaFilters
) -> list[ResultRow]:
    query = (
        select(Idea, Area.name, Result)
        .outerjoin(Area, Area.id == Idea.area_id)
        .outerjoin(Result, (Result.idea_id == Idea.id) & (Result.job_id == job.id))
        .where(Idea.module_id == module.id)
    )
    filters = IdeaFilters(**{**filters.__dict__})
    rows = [
        ResultRow(idea, area or "", result, explain(result, idea, job))
        for idea, area, result in session.execute(filters.apply(query))
    ]
    if filters.sort == "newest":  # results read best as winners in order, then the others
        rows.sort(
            key=lambda r: (
                r.result is None,
                not (r.result and r.result.selected),
                (r.result.selection_order or 0) if r.result else 0,
                -(r.result.votes if r.result else 0),
                r.idea.id,
            )
        )
    return rows


def _amount(fraction: str | None) -> str:
    if not fraction:
        return _money(0)
    value = Fraction(fraction)
    from parvis.api import format_currency

    return format_currency(round(float(value), 2))


def explain(result: Result | None, idea: Idea, job: CountJob) -> str:
    """Why a project won or did not, in words residents understand (translated)."""
    if result is None:
        if idea.status == "merged":
            return _(
                "Merged with another idea before the vote: %(reason)s", reason=idea.review_reason
            )
        if idea.status == "not_feasible":
            return _(
                "Not put to the vote, judged not feasible: %(reason)s", reason=idea.review_reason
            )
        return _("Not part of this count.")
    votes = result.votes
    cost = _money(result.cost)
    if result.selected:
        if result.stage == "equal_shares":
            return _(
                "Selected (number %(order)s): its %(votes)s supporters could pay its cost of "
                "%(cost)s from their equal shares of the budget, at most %(pay)s each.",
                order=result.selection_order,
                votes=votes,
                cost=cost,
                pay=_amount(result.payment_per_supporter),
            )
        if result.stage == "completion":
            return _(
                "Selected (number %(order)s) to use the budget left by equal shares: with "
                "%(votes)s votes, its cost of %(cost)s fit in the %(left)s still available.",
                order=result.selection_order,
                votes=votes,
                cost=cost,
                left=_money(result.remaining_budget or 0),
            )
        return _(
            "Selected (number %(order)s): with %(votes)s votes, its cost of %(cost)s fit in "
            "the %(left)s still available when its turn came.",
            order=result.selection_order,
            votes=votes,
            cost=cost,
            left=_money(result.remaining_budget or 0),
        )
    if result.reason == "no_votes":
        return _("Not selected: nobody voted for it.")
    if result.reason == "does_not_fit":
        return _(
            "Not selected: with %(votes)s votes, its cost of %(cost)s was more than the "
            "%(left)s still available when its turn came.",
            votes=votes,
            cost=cost,
            left=_money(result.remaining_budget or 0),
        )
    if result.reason == "not_affordable_by_supporters":
        return _(
            "Not selected: even together, its %(votes)s supporters' equal shares of the budget "
            "(%(money)s) were less than its cost of %(cost)s.",
            votes=votes,
            money=_amount(result.supporters_money),
            cost=cost,
        )
    if result.reason == "outbid":
        return _(
            "Not selected: its %(votes)s supporters spent most of their shares on projects "
            "that served more residents per euro; they had %(money)s left, less than its cost "
            "of %(cost)s.",
            votes=votes,
            money=_amount(result.supporters_money),
            cost=cost,
        )
    return _("Not selected.")


# --- follow-up ------------------------------------------------------------------------------


def add_followup(
    session: Session, idea: Idea, author: User | None, status: str, body: str
) -> FollowupUpdate:
    if idea.status != "selected":
        raise ServiceError(_("Only winning projects have a follow-up."))
    update_row = FollowupUpdate(
        idea_id=idea.id, author_id=author.id if author else None, status=status, body=body
    )
    idea.followup_status = status
    session.add(update_row)
    session.flush()
    return update_row


def followups(session: Session, idea_ids: Iterable[int]) -> dict[int, list[FollowupUpdate]]:
    ids = list(idea_ids)
    found: dict[int, list[FollowupUpdate]] = {i: [] for i in ids}
    if ids:
        for row in session.scalars(
            select(FollowupUpdate)
            .where(FollowupUpdate.idea_id.in_(ids))
            .order_by(FollowupUpdate.created_at.desc(), FollowupUpdate.id.desc())
        ):
            found[row.idea_id].append(row)
    return found


# --- documents ------------------------------------------------------------------------------


def store_pdf(
    session: Session, town: Town, space: Space, data: bytes, filename: str, max_bytes: int
) -> Document:
    if len(data) > max_bytes:
        raise ServiceError(
            _("This file is too large (%(max)s MB at most).", max=max_bytes // (1024 * 1024)),
            "minutes",
        )
    if not data.startswith(b"%PDF-"):
        raise ServiceError(_("This file is not a PDF document."), "minutes")
    stem = slugify(filename.rsplit(".", 1)[0], max_length=80) or "document"
    doc = Document(
        town_id=town.id, space_id=space.id, filename=f"{stem}.pdf", size=len(data), data=data
    )
    session.add(doc)
    session.flush()
    return doc


# --- digests --------------------------------------------------------------------------------


def record_digest(
    session: Session, space: Space, kind: str, title: str, path: str, target: str | None = None
) -> None:
    if space.kind != KIND:
        return
    session.add(
        DigestItem(
            town_id=space.town_id,
            space_id=space.id,
            kind=kind,
            title=title,
            path=path,
            target=target,
        )
    )


def retitle_digest(session: Session, target: str, title: str) -> None:
    """An edited news item or meeting: its digest items show the new title."""
    session.execute(update(DigestItem).where(DigestItem.target == target).values(title=title))


def withdraw_digest(session: Session, target: str) -> None:
    """A deleted news item or meeting is not mailed in any later digest."""
    session.execute(delete(DigestItem).where(DigestItem.target == target))


@dataclass
class _Digest:
    email: str
    locale: str | None
    items: list[tuple[str, DigestItem]] = field(default_factory=list)


def send_digests(app: Any, now: Any = None) -> int:
    """Queue ONE e-mail per follower of council spaces with what happened since their last
    digest (or since they started following), in their language; returns how many e-mails
    were queued. ``app`` is the Parvis app (a hook's ``app`` or ``app_for_command``).

    Links use each town's own address (``site_url``), never a request's Host header."""
    now = now or utcnow()
    queued = 0
    with app.db.session() as session:
        rows = session.execute(
            select(User.id, User.email, User.locale, User.town_id, Space.title, DigestItem)
            .join(Follow, Follow.user_id == User.id)
            .join(Space, Space.id == Follow.space_id)
            .join(DigestItem, DigestItem.space_id == Space.id)
            .outerjoin(DigestState, DigestState.user_id == User.id)
            .where(
                Space.kind == KIND,
                Space.published.is_(True),
                User.confirmed_at.is_not(None),
                User.notify_followed.is_(True),
                DigestItem.created_at <= now,
                DigestItem.created_at > func.coalesce(DigestState.last_sent_at, Follow.created_at),
            )
            .order_by(User.id, Space.title, DigestItem.created_at, DigestItem.id)
        )
        digests: dict[int, _Digest] = {}
        towns: dict[int, int] = {}
        for user_id, email, locale, town_id, space_title, item in rows:
            digest = digests.setdefault(user_id, _Digest(email, locale))
            digest.items.append((space_title, item))
            towns[user_id] = town_id
        town_locales: dict[int, str] = {}
        bases = {town_id: site_url(app, session, town_id) for town_id in set(towns.values())}
        if towns:
            query = select(Town.id, Town.default_locale).where(Town.id.in_(set(towns.values())))
            town_locales = {town_id: locale for town_id, locale in session.execute(query)}
        for user_id, digest in digests.items():
            locale = digest.locale or town_locales.get(towns[user_id]) or "fr"
            with using_locale(app, locale):
                base_url = bases[towns[user_id]]
                subject, body = _digest_mail(
                    digest, base_url, unsubscribe_url(app, base_url, user_id)
                )
            queue_mail(session, digest.email, subject, body, towns[user_id])
            state = session.get(DigestState, user_id)
            if state is None:
                session.add(DigestState(user_id=user_id, last_sent_at=now))
            else:
                state.last_sent_at = now
            queued += 1
    return queued


def _digest_mail(digest: _Digest, base_url: str, unsubscribe: str) -> tuple[str, str]:
    labels = {
        "call": _("New call for ideas"),
        "news": _("News"),
        "meeting": _("Meeting"),
        "results": _("Results published"),
    }
    lines = [
        _("Hello,"),
        "",
        _("Here is what happened in the councils you follow:"),
    ]
    current = None
    for space_title, item in digest.items:
        if space_title != current:
            lines += ["", f"## {space_title}"]
            current = space_title
        lines.append(f"- {labels.get(item.kind, item.kind)}: {item.title}")
        lines.append(f"  {base_url}{item.path}")
    lines += [
        "",
        _(
            "You get this summary because you follow these councils. To stop every e-mail about "
            "the spaces you follow: %(unsubscribe)s",
            unsubscribe=unsubscribe,
        ),
    ]
    count = len(digest.items)
    subject = _("%(count)s new items in the councils you follow", count=count)
    return subject, "\n".join(lines)


# --- personal data --------------------------------------------------------------------------


def export_user_data(session: Session, user: User) -> dict[str, Any]:
    ideas = session.scalars(select(Idea).where(Idea.author_id == user.id).order_by(Idea.id))
    comments = session.scalars(
        select(Comment).where(Comment.author_id == user.id).order_by(Comment.id)
    )
    supports = session.scalars(select(Support.idea_id).where(Support.user_id == user.id))
    ballots = session.execute(
        select(Ballot.module_id, Ballot.updated_at, BallotChoice.idea_id, BallotChoice.points)
        .join(BallotChoice, BallotChoice.ballot_id == Ballot.id)
        .where(Ballot.user_id == user.id)
        .order_by(Ballot.module_id, BallotChoice.idea_id)
    )
    by_call: dict[int, dict[str, Any]] = {}
    for module_id, at, idea_id, points in ballots:
        entry = by_call.setdefault(
            module_id, {"call": module_id, "cast_at": at.isoformat(), "choices": {}}
        )
        entry["choices"][str(idea_id)] = points
    return {
        "ideas": [
            {
                "id": i.id,
                "call": i.module_id,
                "title": i.title,
                "description": i.description,
                "estimated_cost": i.estimated_cost,
                "location": i.location,
                "created_at": i.created_at.isoformat(),
            }
            for i in ideas
        ],
        "comments": [
            {
                "idea": c.idea_id,
                "body": c.body,
                "created_at": c.created_at.isoformat(),
                "hidden_reason": c.hidden_reason if c.hidden_at else None,
            }
            for c in comments
        ],
        "comment_reports": sorted(
            session.scalars(
                select(CommentReport.comment_id).where(CommentReport.user_id == user.id)
            )
        ),
        "supports": sorted(supports),
        "ballots": list(by_call.values()),
        "council_memberships": [
            {"space": m.space_id, "name": m.name, "council_role": m.council_role}
            for m in session.scalars(
                select(_member_model()).where(_member_model().user_id == user.id)
            )
        ],
    }


def _member_model() -> Any:
    from .models import CouncilMember

    return CouncilMember


def erase_user_data(session: Session, user: User) -> None:
    """Comments are removed; ideas stay (they belong to the call) without their author;
    ballots of a vote still open are withdrawn, counted ones stay but lose any link to the
    person."""
    ids = list(session.scalars(select(Comment.idea_id).where(Comment.author_id == user.id)))
    reported = list(
        session.scalars(select(CommentReport.comment_id).where(CommentReport.user_id == user.id))
    )
    session.execute(delete(CommentReport).where(CommentReport.user_id == user.id))
    for comment_id in reported:
        _refresh_report_count(session, comment_id)
    session.execute(update(Comment).where(Comment.hidden_by == user.id).values(hidden_by=None))
    session.execute(delete(Comment).where(Comment.author_id == user.id))
    for idea_id in set(ids):
        _refresh_comment_count(session, idea_id)
    supported = list(session.scalars(select(Support.idea_id).where(Support.user_id == user.id)))
    session.execute(delete(Support).where(Support.user_id == user.id))
    for idea_id in supported:
        _refresh_support_count(session, idea_id)
    session.execute(update(Idea).where(Idea.author_id == user.id).values(author_id=None))
    for ballot, phase in session.execute(
        select(Ballot, Module.phase)
        .join(Module, Module.id == Ballot.module_id)
        .where(Ballot.user_id == user.id)
    ):
        if phase == "vote":
            # The vote is still open: the person left before the count, so their ballot goes
            # (a new account of theirs may vote again, once).
            session.delete(ballot)
        else:
            ballot.user_id = None
            ballot.voter_key = f"erased:{ballot.id}"
    member = _member_model()
    session.execute(update(member).where(member.user_id == user.id).values(user_id=None))
    session.execute(delete(DigestState).where(DigestState.user_id == user.id))
    session.flush()
