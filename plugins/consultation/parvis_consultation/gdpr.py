"""A person's answers: exported on request, withdrawn or unlinked when the account goes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from parvis.api import Module
from parvis_consultation import tallies
from parvis_consultation.models import Answer, Draft, Response
from parvis_consultation.structure import get_survey, is_open


def user_data(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Response.id, Response.module_id, Module.title, Response.updated_at)
        .join(Module, Module.id == Response.module_id)
        .where(Response.user_id == user_id)
        .order_by(Response.id)
    ).all()
    if not rows:
        return []
    answers: dict[int, list[dict[str, Any]]] = {}
    for a in session.scalars(
        select(Answer).where(Answer.response_id.in_([r[0] for r in rows])).order_by(Answer.id)
    ):
        item: dict[str, Any] = {"question_id": a.question_id}
        for name in ("option_id", "row_id", "text", "number", "rank"):
            value = getattr(a, name)
            if value is not None:
                item[name] = value
        if a.date is not None:
            item["date"] = a.date.isoformat()
        if a.is_other:
            item["other"] = True
        answers.setdefault(a.response_id, []).append(item)
    return [
        {
            "module_id": module_id,
            "survey": title,
            "updated_at": updated.isoformat(),
            "answers": answers.get(rid, []),
        }
        for rid, module_id, title, updated in rows
    ]


def erase_user(session: Session, user_id: int) -> None:
    """Answers to a survey still open are withdrawn (the person left before it closed, and
    may come back with a new account): they leave the tallies too. Answers to a closed survey
    stay in its published results (and tallies), no longer linked to anyone."""
    closed = []
    for response_id, module in session.execute(
        select(Response.id, Module)
        .join(Module, Module.id == Response.module_id)
        .where(Response.user_id == user_id)
    ):
        if not is_open(module, get_survey(session, module.id)):
            closed.append(response_id)
    session.execute(update(Response).where(Response.id.in_(closed)).values(user_id=None))
    modules = session.scalars(
        select(Response.module_id).where(Response.user_id == user_id).distinct()
    ).all()
    for module_id in modules:
        scale_ids = tallies.scale_questions(session, module_id)
        removed = tallies.contributions_of(
            session, module_id, Response.user_id == user_id, scale_ids
        )
        tallies.record(session, module_id, removed)
    session.execute(delete(Response).where(Response.user_id == user_id))
    session.execute(delete(Draft).where(Draft.user_id == user_id))
