"""A count's results as residents read them: rows for the results page and, for each
project, why it won or did not."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from parvis.api import Area, Module, format_currency

from .common import money
from .i18n import _
from .ideas import IdeaFilters
from .models import CountJob, Idea, Result


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
        return money(0)
    value = Fraction(fraction)
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
    cost = money(result.cost)
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
                left=money(result.remaining_budget or 0),
            )
        return _(
            "Selected (number %(order)s): with %(votes)s votes, its cost of %(cost)s fit in "
            "the %(left)s still available when its turn came.",
            order=result.selection_order,
            votes=votes,
            cost=cost,
            left=money(result.remaining_budget or 0),
        )
    if result.reason == "no_votes":
        return _("Not selected: nobody voted for it.")
    if result.reason == "does_not_fit":
        return _(
            "Not selected: with %(votes)s votes, its cost of %(cost)s was more than the "
            "%(left)s still available when its turn came.",
            votes=votes,
            cost=cost,
            left=money(result.remaining_budget or 0),
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
