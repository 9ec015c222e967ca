"""Personal data of a participant in council spaces: export and erasure."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from parvis.api import Module, User

from .counters import refresh_comment_count, refresh_report_count, refresh_support_count
from .models import (
    Ballot,
    BallotChoice,
    Comment,
    CommentReport,
    CouncilMember,
    DigestState,
    Idea,
    Support,
)


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
            for m in session.scalars(select(CouncilMember).where(CouncilMember.user_id == user.id))
        ],
    }


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
        refresh_report_count(session, comment_id)
    session.execute(update(Comment).where(Comment.hidden_by == user.id).values(hidden_by=None))
    session.execute(delete(Comment).where(Comment.author_id == user.id))
    for idea_id in set(ids):
        refresh_comment_count(session, idea_id)
    supported = list(session.scalars(select(Support.idea_id).where(Support.user_id == user.id)))
    session.execute(delete(Support).where(Support.user_id == user.id))
    for idea_id in supported:
        refresh_support_count(session, idea_id)
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
    session.execute(
        update(CouncilMember).where(CouncilMember.user_id == user.id).values(user_id=None)
    )
    session.execute(delete(DigestState).where(DigestState.user_id == user.id))
    session.flush()
