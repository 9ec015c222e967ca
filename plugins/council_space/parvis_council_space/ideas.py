"""Ideas of a call: listing and filtering, proposing and editing, support, review, merging
and the follow-up of winning projects.

Views and CLI commands call these functions inside their unit of work; nothing here renders."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parvis.api import Area, Module, User, parse_whole, utcnow

from .common import ServiceError
from .counters import refresh_support_count
from .i18n import _
from .models import FollowupUpdate, Idea, Support

SORTS = ("newest", "cost_asc", "cost_desc", "supports", "title")


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
    refresh_support_count(session, idea.id)


def supported_ids(session: Session, user: User | None, idea_ids: Iterable[int]) -> set[int]:
    ids = list(idea_ids)
    if user is None or not ids:
        return set()
    return set(
        session.scalars(
            select(Support.idea_id).where(Support.user_id == user.id, Support.idea_id.in_(ids))
        )
    )


IMAGE_LIMIT = 20  # images per person (each costs a decode) ...
IMAGE_WINDOW = 3600  # ... in this many seconds


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
    refresh_support_count(session, target.id)
    refresh_support_count(session, duplicate.id)


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
