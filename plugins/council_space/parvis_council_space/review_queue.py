"""The staff's review queue of a call: ideas oldest first, private notes, decisions in bulk."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from parvis.api import Module, User

from .common import ServiceError
from .i18n import _
from .ideas import review_idea
from .models import Idea, IdeaNote

# Statuses a reviewer can still decide on (merged and counted ideas are settled).
REVIEWABLE = ("submitted", "feasible", "not_feasible")
BULK_ACTIONS = ("feasible", "not_feasible")


@dataclass
class QueueRow:
    idea: Idea
    notes: list[tuple[IdeaNote, str]] = field(default_factory=list)


def queue(session: Session, module: Module, status: str | None) -> list[QueueRow]:
    """Ideas waiting for review first, then the decided ones; oldest first within each."""
    query = select(Idea).where(Idea.module_id == module.id, Idea.status.in_(REVIEWABLE))
    if status in REVIEWABLE:
        query = query.where(Idea.status == status)
    ideas = session.scalars(query.order_by(Idea.created_at, Idea.id)).all()
    rows = {i.id: QueueRow(i) for i in ideas}
    waiting = [r for r in rows.values() if r.idea.status == "submitted"]
    decided = [r for r in rows.values() if r.idea.status != "submitted"]
    if rows:
        notes = session.execute(
            select(IdeaNote, User.display_name)
            .outerjoin(User, User.id == IdeaNote.author_id)
            .where(IdeaNote.idea_id.in_(rows))
            .order_by(IdeaNote.created_at, IdeaNote.id)
        ).all()
        for note, name in notes:
            rows[note.idea_id].notes.append((note, name or _("Former participant")))
    return waiting + decided


def add_note(session: Session, idea: Idea, author: User, body: str) -> IdeaNote:
    if not body.strip():
        raise ServiceError(_("Write the note."), "body")
    note = IdeaNote(idea_id=idea.id, author_id=author.id, body=body.strip())
    session.add(note)
    session.flush()
    return note


def bulk_review(
    session: Session, module: Module, ids: list[int], action: str, reason: str
) -> list[Idea]:
    """Decide on every chosen idea or on none: each is checked before any is changed."""
    if not ids:
        raise ServiceError(_("Choose at least one idea."), "ideas")
    if action not in BULK_ACTIONS:
        raise ServiceError(_("Choose a decision."), "action")
    if not reason.strip():
        raise ServiceError(_("Give the public reason for this decision."), "reason")
    ideas = session.scalars(
        select(Idea)
        .where(Idea.module_id == module.id, Idea.id.in_(ids), Idea.status.in_(REVIEWABLE))
        .order_by(Idea.id)
    ).all()
    if len(ideas) != len(set(ids)):
        raise ServiceError(_("Some chosen ideas cannot be reviewed any more."), "ideas")
    if action == "feasible":
        uncosted = [i.title for i in ideas if i.cost is None]
        if uncosted:
            raise ServiceError(
                _(
                    "These ideas have no cost yet, set it on each idea's page before putting "
                    "them to the vote: %(titles)s",
                    titles=", ".join(uncosted),
                ),
                "ideas",
            )
    for idea in ideas:
        review_idea(session, idea, feasible=action == "feasible", reason=reason, final_cost=None)
    return list(ideas)
