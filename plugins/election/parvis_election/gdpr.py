"""Personal data: a person's participations (never their choices, which nothing links to them)
and candidacies; erasure keeps what the public record of an election needs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from parvis.api import Area, Module, User, Verification

from .models import Candidacy, Constituency, Participation
from .services import LIST_PUBLISHED


def _person_keys(session: Session, user: User) -> list[str]:
    """Every person key the account was verified under (a move keeps the history)."""
    return list(
        session.scalars(
            select(Verification.person_key).where(Verification.user_id == user.id).distinct()
        )
    )


def export_user_data(session: Session, user: User) -> dict[str, Any]:
    keys = _person_keys(session, user)
    participations = (
        session.execute(
            select(Module.title, Area.name, Participation.voted_at)
            .join(Module, Module.id == Participation.module_id)
            .join(Constituency, Constituency.id == Participation.constituency_id)
            .join(Area, Area.id == Constituency.area_id)
            .where(Participation.person_key.in_(keys))
            .order_by(Participation.voted_at)
        )
        if keys
        else []
    )
    cands = session.execute(
        select(Module.title, Candidacy)
        .join(Module, Module.id == Candidacy.module_id)
        .where(Candidacy.user_id == user.id)
    )
    data = {
        "participations": [
            {"election": title, "constituency": area, "voted_at": at.isoformat()}
            for title, area, at in participations
        ],
        "candidacies": [
            {
                "election": title,
                "name": c.name,
                "statement": c.statement,
                "gender": c.gender,
                "status": c.status,
                "reason": c.reason,
                "photo_id": c.photo_id,
                "created_at": c.created_at.isoformat(),
            }
            for title, c in cands
        ],
    }
    return data if data["participations"] or data["candidacies"] else {}


def erase_user_data(session: Session, user: User) -> None:
    """Candidacies not yet published go; published ones stay as the public record of the
    election (name, gender for parity) without the statement, photo or account. Participations
    hold no account, only the person key, and must stay: they stop a second ballot and prove
    participations = ballots."""
    rows = session.execute(
        select(Candidacy, Module.phase)
        .join(Module, Module.id == Candidacy.module_id)
        .where(Candidacy.user_id == user.id)
    ).all()
    for candidacy, phase in rows:
        if phase in LIST_PUBLISHED and candidacy.status == "accepted":
            candidacy.user_id = None
            candidacy.statement = ""
            candidacy.photo_id = None
        else:
            session.execute(delete(Candidacy).where(Candidacy.id == candidacy.id))
