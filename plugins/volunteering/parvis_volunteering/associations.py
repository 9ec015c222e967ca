"""Associations: registration, staff validation, managers (invite, leave, hand over) and
suspension."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from parvis.api import App, User, utcnow

from . import missions, notify
from .i18n import _
from .models import (
    PENDING,
    PUBLISHED,
    REFUSED,
    SUSPENDED,
    VALIDATED,
    Association,
    Manager,
    ManagerInvite,
    Mission,
)


@dataclass
class AssociationData:
    name: str
    purpose: str
    website: str
    contact_email: str
    contact_phone: str
    area_ids: list[int]
    causes: list[str]


def register(session: Session, town_id: int, user: User, data: AssociationData) -> Association:
    """A resident registers an association and becomes its owner; staff validate it later."""
    association = Association(town_id=town_id, status=PENDING)
    update_details(association, data)
    session.add(association)
    session.flush()
    session.add(Manager(association_id=association.id, user_id=user.id, owner=True))
    session.flush()
    return association


def update_details(association: Association, data: AssociationData) -> None:
    association.name = data.name.strip()
    association.purpose = data.purpose.strip()
    association.website = data.website.strip()
    association.contact_email = data.contact_email.strip()
    association.contact_phone = data.contact_phone.strip()
    association.area_ids = sorted(set(data.area_ids))
    association.causes = list(dict.fromkeys(data.causes))


def get(session: Session, town_id: int, association_id: int) -> Association | None:
    return session.scalar(
        select(Association).where(Association.id == association_id, Association.town_id == town_id)
    )


def is_manager(session: Session, association_id: int, user: User | None) -> bool:
    if user is None:
        return False
    return (
        session.scalar(
            select(Manager.id).where(
                Manager.association_id == association_id, Manager.user_id == user.id
            )
        )
        is not None
    )


def managed(session: Session, town_id: int, user: User) -> list[Association]:
    return list(
        session.scalars(
            select(Association)
            .join(Manager, Manager.association_id == Association.id)
            .where(Manager.user_id == user.id, Association.town_id == town_id)
            .order_by(Association.name)
        )
    )


def managers(session: Session, association_id: int) -> list[tuple[Manager, User]]:
    return [
        (m, u)
        for m, u in session.execute(
            select(Manager, User)
            .join(User, User.id == Manager.user_id)
            .where(Manager.association_id == association_id)
            .order_by(Manager.owner.desc(), Manager.id)
        )
    ]


def queue(session: Session, town_id: int) -> list[Association]:
    """Associations waiting for the town's decision, oldest first."""
    return list(
        session.scalars(
            select(Association)
            .where(Association.town_id == town_id, Association.status == PENDING)
            .order_by(Association.created_at, Association.id)
        )
    )


def decide(
    app: App, session: Session, association: Association, status: str, message: str, base_url: str
) -> None:
    """Validate, refuse or suspend (with a message the managers read), or reinstate."""
    association.status = status
    association.staff_message = message.strip()
    if status == VALIDATED and association.validated_at is None:
        association.validated_at = utcnow()
    if status == SUSPENDED:
        ids = session.scalars(
            select(Mission.id).where(
                Mission.association_id == association.id, Mission.status == PUBLISHED
            )
        )
        for mission_id in list(ids):
            missions.close(app, session, mission_id, base_url, suspended=True)
    link = f"{base_url}/p/volunteering/associations/{association.id}/manage"
    name = association.name

    def write() -> tuple[str, str]:
        if status == VALIDATED:
            subject = _("%(name)s is validated", name=name)
            body = _(
                "Town staff validated %(name)s: it is public and can publish missions.", name=name
            )
        elif status == REFUSED:
            subject = _("%(name)s was not validated", name=name)
            body = _("Town staff did not validate %(name)s.", name=name)
        else:
            subject = _("%(name)s is suspended", name=name)
            body = _("Town staff suspended %(name)s; its missions are closed.", name=name)
        if message.strip():
            body += "\n\n" + _("Their message:") + "\n" + message.strip()
        return subject, body + "\n\n" + link

    users = [u for _m, u in managers(session, association.id)]
    notify.mail_users(app, session, association.town_id, users, write)


# --- managers ----------------------------------------------------------------------------------


def invite(
    app: App,
    session: Session,
    association: Association,
    email: str,
    by: User,
    base_url: str,
    sign: Any,
) -> None:
    """E-mail a link that makes its reader (logged in with any account of the town) a manager."""
    token = secrets.token_urlsafe(24)
    session.add(
        ManagerInvite(
            association_id=association.id,
            email=email.strip().lower(),
            token_hash=sign("volunteering-invite", token),
            invited_by=by.id,
        )
    )
    link = f"{base_url}/p/volunteering/invites/{token}"
    name, inviter = association.name, by.display_name

    def write() -> tuple[str, str]:
        return (
            _("Manage %(name)s with %(who)s", name=name, who=inviter),
            _(
                "%(who)s invites you to manage the association %(name)s on the town's "
                "volunteering space. Sign in (or create an account), then open this link "
                "within 14 days:",
                who=inviter,
                name=name,
            )
            + "\n\n"
            + link,
        )

    notify.mail_to(app, session, association.town_id, email.strip(), by.locale or "fr", write)


def accept_invite(
    session: Session, town_id: int, token_hash: str, user: User
) -> Association | None:
    """The invited person becomes a manager; ``None`` for an unknown, used or old link."""
    invite_row = session.scalar(
        select(ManagerInvite)
        .where(ManagerInvite.token_hash == token_hash, ManagerInvite.accepted_at.is_(None))
        .with_for_update()
    )
    if invite_row is None or (utcnow() - invite_row.created_at).days >= 14:
        return None
    association = get(session, town_id, invite_row.association_id)
    if association is None:
        return None
    invite_row.accepted_at = utcnow()
    if not is_manager(session, association.id, user):
        session.add(Manager(association_id=association.id, user_id=user.id))
    session.flush()
    return association


def leave(session: Session, association_id: int, user: User) -> str | None:
    """Leave the managers; returns why not when the user is the owner (hand over first)."""
    row = session.scalar(
        select(Manager).where(Manager.association_id == association_id, Manager.user_id == user.id)
    )
    if row is None:
        return _("You are not a manager of this association.")
    if row.owner:
        return _("Hand the association over to another manager before leaving.")
    session.delete(row)
    return None


def transfer(session: Session, association_id: int, user: User, manager_id: int) -> str | None:
    """The owner hands the association over to another manager (who becomes the owner)."""
    target = session.scalar(
        select(Manager).where(Manager.id == manager_id, Manager.association_id == association_id)
    )
    if target is None or target.user_id == user.id:
        return _("Choose another manager of this association.")
    done = session.execute(
        update(Manager)
        .where(
            Manager.association_id == association_id,
            Manager.user_id == user.id,
            Manager.owner.is_(True),
        )
        .values(owner=False)
    )
    if done.rowcount != 1:
        return _("Only the owner can hand the association over.")
    target.owner = True
    return None
