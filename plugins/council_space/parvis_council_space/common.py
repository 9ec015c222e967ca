"""What every part of an idea call shares: its kinds, which ideas are on the ballot, the
refusal error shown to the person who asked."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func

from parvis.api import format_currency

from .models import Idea

KIND = "council"
MODULE_TYPE = "idea_call"
# Ideas that go to the vote once reviewed (and stay listed with their result afterwards).
VOTABLE = ("feasible", "selected", "not_selected")


def on_ballot(module_id: int | ColumnElement[int]) -> tuple[ColumnElement[bool], ...]:
    """The conditions for an idea of the call to be on the ballot and counted.

    Review refuses "feasible" without a cost, so a votable idea always has one; the cost test
    keeps an idea nobody costed (older data, a hand edit) off the ballot rather than break a count.
    """
    return (
        Idea.module_id == module_id,
        Idea.status.in_(VOTABLE),
        func.coalesce(Idea.final_cost, Idea.estimated_cost).is_not(None),
    )


class ServiceError(ValueError):
    """A refusal with a message for the person who asked (shown beside the field if any)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def money(amount: int) -> str:
    """An amount in the town's currency, as residents read it."""
    return format_currency(amount)
