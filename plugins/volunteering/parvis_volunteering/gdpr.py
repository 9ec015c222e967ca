"""Personal data: the export, and erasure that anonymises applications instead of deleting
them (an association's history of who came and how many hours stays true)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from parvis.api import User

from . import profiles
from .models import Application, Association, Invitation, Manager, Message, Mission, Slot


def export(session: Session, user: User) -> dict[str, Any]:
    data: dict[str, Any] = {}
    profile = profiles.of(session, user)
    if profile is not None:
        skills, causes, times = profiles.values(session, profile)
        data["profile"] = {
            "skills": skills,
            "causes": causes,
            "availability": [{"weekday": w, "part": p} for w, p in times],
            "area_id": profile.area_id,
            "phone": profile.phone,
            "suggest_missions": profile.suggest,
            "associations_may_invite": profile.contactable,
            "created_at": profile.created_at.isoformat(),
        }
    rows = session.execute(
        select(Application, Mission.title, Slot.date)
        .join(Mission, Mission.id == Application.mission_id)
        .join(Slot, Slot.id == Application.slot_id)
        .where(Application.user_id == user.id)
        .order_by(Application.id)
    )
    data["applications"] = [
        {
            "mission": title,
            "date": date.isoformat() if date else None,
            "status": a.status,
            "message": a.message,
            "reason": a.reason,
            "applied_at": a.created_at.isoformat(),
            "attended": a.attended,
            "hours": float(a.hours) if a.hours is not None else None,
        }
        for a, title, date in rows
    ]
    data["messages_written"] = [
        {"application_id": m.application_id, "body": m.body, "at": m.created_at.isoformat()}
        for m in session.scalars(
            select(Message).where(Message.author_id == user.id).order_by(Message.id)
        )
    ]
    data["manages"] = list(
        session.scalars(
            select(Association.name)
            .join(Manager, Manager.association_id == Association.id)
            .where(Manager.user_id == user.id)
        )
    )
    data["invitations"] = [
        {"mission_id": i.mission_id, "answer": i.answer, "at": i.created_at.isoformat()}
        for i in session.scalars(select(Invitation).where(Invitation.user_id == user.id))
    ]
    return (
        data
        if data.get("profile")
        or any(data[k] for k in ("applications", "messages_written", "manages", "invitations"))
        else {}
    )


def erase(session: Session, user: User) -> None:
    """Applications keep their state, dates and hours, without the person or their words;
    messages they wrote are blanked (the thread's other side stays readable)."""
    session.execute(
        update(Application).where(Application.user_id == user.id).values(user_id=None, message="")
    )
    session.execute(
        update(Message).where(Message.author_id == user.id).values(author_id=None, body="")
    )
    session.execute(delete(Invitation).where(Invitation.user_id == user.id))
    profile = profiles.of(session, user)
    if profile is not None:
        session.delete(profile)
    session.flush()
