"""Guardrails around a call's vote: results are counted and published only once the vote is
closed, from ballots that no longer change, and no ballot is taken once results are public.

A count made while ballots still arrive would publish a result that the next ballot can
contradict; these checks sit in the services so the web, the CLI and tests all meet them.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parvis.api import Module

from .i18n import _
from .models import Ballot, CountJob

# Phases after the vote: ballots can no longer be cast (the vote action is gated to "vote").
VOTE_CLOSED_PHASES = ("results", "follow_up")


class GuardError(ValueError):
    """A refused step, with the reason shown to the staff member who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def vote_closed(module: Module) -> bool:
    return module.phase in VOTE_CLOSED_PHASES


def check_countable(module: Module) -> None:
    """Counting for publication needs a closed vote."""
    if not vote_closed(module):
        raise GuardError(
            _(
                "The vote is not closed: results can be counted only once the call is in the "
                "Results phase. Move the call to the Results phase first."
            )
        )


def check_publishable(session: Session, module: Module, job: CountJob) -> None:
    """A count is published only after the vote, and only if no ballot changed since it ran."""
    check_countable(module)
    last_ballot = session.scalar(
        select(func.max(Ballot.updated_at)).where(Ballot.module_id == module.id)
    )
    if last_ballot is not None and last_ballot > job.created_at:
        raise GuardError(
            _("Ballots changed after this count was made: count the ballots again first.")
        )


def results_published(session: Session, module: Module) -> bool:
    return (
        session.scalar(
            select(CountJob.id)
            .where(CountJob.module_id == module.id, CountJob.published_at.is_not(None))
            .limit(1)
        )
        is not None
    )


def ballots_refusal(session: Session, module: Module) -> str | None:
    """Why a ballot is refused even in the vote phase (a phase moved back after publication)."""
    if results_published(session, module):
        return _("The results of this vote are published: ballots are no longer accepted.")
    return None
