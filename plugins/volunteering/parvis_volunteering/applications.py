"""Applications: apply, answer (accept, refuse with a reason, waitlist), withdraw, and the
waiting list that offers a freed place to the first in line.

Places are never over-filled: every change to ``Slot.taken`` is a conditional UPDATE, and
every transition takes the slot's row lock first (one lock order, no deadlock between an
accept and a withdrawal on PostgreSQL; SQLite serialises writers anyway).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from parvis.api import App, User, utcnow, verification_of

from . import clock, notify
from .i18n import _
from .models import (
    ACCEPTED,
    APP_PENDING,
    CANCELLED,
    HOLDING,
    LIVE,
    OFFERED,
    PUBLISHED,
    REFUSED_APP,
    VALIDATED,
    WAITLISTED,
    WITHDRAWN,
    Application,
    Association,
    Mission,
    Slot,
)


class Refused(Exception):
    """A transition that cannot happen; the message is for the person who tried."""


def age_on(birth_date: dt.date, day: dt.date) -> int:
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def birth_date_of(session: Session, user: User) -> dt.date | None:
    """The birth date checked by the town (a live verification) when there is one, else the
    one the resident gave on their account page."""
    verification = verification_of(session, user)
    if verification is not None and verification.birth_date is not None:
        return verification.birth_date
    return user.birth_date


def check_age(session: Session, user: User, mission: Mission, slot: Slot) -> str | None:
    if not mission.min_age:
        return None
    birth_date = birth_date_of(session, user)
    if birth_date is None:
        return _(
            "This mission is for people aged %(age)d or more: add your birth date on your "
            "account page first.",
            age=mission.min_age,
        )
    day = slot.date or clock.town_today(session, mission.town_id)
    if age_on(birth_date, day) < mission.min_age:
        return _("This mission is for people aged %(age)d or more.", age=mission.min_age)
    return None


def apply(
    session: Session,
    mission: Mission,
    association: Association,
    slot: Slot,
    user: User,
    message: str,
) -> Application:
    """Apply to a slot; on a full slot the application goes straight to the waiting list."""
    if mission.status != PUBLISHED or association.status != VALIDATED:
        raise Refused(_("This mission is closed."))
    today = clock.town_today(session, mission.town_id)
    if slot.mission_id != mission.id or (slot.date is not None and slot.date < today):
        raise Refused(_("This date has passed."))
    problem = check_age(session, user, mission, slot)
    if problem:
        raise Refused(problem)
    status = APP_PENDING if slot.taken < slot.places else WAITLISTED
    existing = session.scalar(
        select(Application).where(Application.slot_id == slot.id, Application.user_id == user.id)
    )
    if existing is not None:
        if existing.status in LIVE:
            raise Refused(_("You already applied to this date."))
        if existing.status == REFUSED_APP:
            raise Refused(_("The association already answered no for this date."))
        existing.status, existing.message, existing.reason = status, message.strip(), ""
        existing.updated_at = utcnow()
        return existing
    application = Application(
        town_id=mission.town_id,
        mission_id=mission.id,
        slot_id=slot.id,
        user_id=user.id,
        message=message.strip(),
        status=status,
    )
    session.add(application)
    session.flush()
    return application


def _lock_slot(session: Session, slot_id: int) -> Slot:
    return session.scalars(select(Slot).where(Slot.id == slot_id).with_for_update()).one()


def _move(
    session: Session, application_id: int, frm: tuple[str, ...], to: str, **values: Any
) -> bool:
    done = session.execute(
        update(Application)
        .where(Application.id == application_id, Application.status.in_(frm))
        .values(status=to, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount == 1


def _first_answer(application: Application) -> dict[str, Any]:
    return {} if application.answered_at else {"answered_at": utcnow()}


def accept(session: Session, application: Application) -> None:
    """Accept a pending or waitlisted application if a place is left (else ``Refused``)."""
    _lock_slot(session, application.slot_id)
    with session.begin_nested():
        if not _move(
            session,
            application.id,
            (APP_PENDING, WAITLISTED),
            ACCEPTED,
            **_first_answer(application),
        ):
            raise Refused(_("This application was already answered."))
        took = session.execute(
            update(Slot)
            .where(Slot.id == application.slot_id, Slot.taken < Slot.places)
            .values(taken=Slot.taken + 1)
            .execution_options(synchronize_session=False)
        )
        if took.rowcount != 1:  # leaving the block by raising rolls the savepoint back
            raise Refused(
                _("No place is left on this date: put the volunteer on the waiting list.")
            )
    session.expire_all()


def refuse(session: Session, application: Application, reason: str) -> Application | None:
    """Refuse with a reason the volunteer reads; a held place goes to the waiting list.
    Returns the application offered the freed place, if any."""
    _lock_slot(session, application.slot_id)
    held = application.status in HOLDING
    if not _move(
        session,
        application.id,
        (APP_PENDING, WAITLISTED, ACCEPTED, OFFERED),
        REFUSED_APP,
        reason=reason.strip(),
        **_first_answer(application),
    ):
        raise Refused(_("This application was already answered."))
    return _release(session, application) if held else None


def waitlist(session: Session, application: Application) -> None:
    if not _move(session, application.id, (APP_PENDING,), WAITLISTED, **_first_answer(application)):
        raise Refused(_("Only a pending application can go on the waiting list."))


def withdraw(session: Session, application: Application) -> Application | None:
    """The volunteer withdraws (or declines an offered place); returns who is offered it next."""
    _lock_slot(session, application.slot_id)
    held = application.status in HOLDING
    if not _move(session, application.id, LIVE, WITHDRAWN):
        raise Refused(_("This application is no longer active."))
    return _release(session, application) if held else None


def confirm_offer(session: Session, application: Application) -> None:
    if not _move(session, application.id, (OFFERED,), ACCEPTED):
        raise Refused(_("This place is no longer offered to you."))


def _release(session: Session, application: Application) -> Application | None:
    """Free the place ``application`` held on its slot (locked by the caller) and offer it to
    the first volunteer on the waiting list, if the slot is still to come."""
    slot_id = application.slot_id
    session.execute(
        update(Slot)
        .where(Slot.id == slot_id, Slot.taken > 0)
        .values(taken=Slot.taken - 1)
        .execution_options(synchronize_session=False)
    )
    slot = session.get(Slot, slot_id)
    session.refresh(slot)
    if slot.date is not None and slot.date < clock.town_today(session, application.town_id):
        return None
    first = session.scalar(
        select(Application)
        .where(Application.slot_id == slot_id, Application.status == WAITLISTED)
        .order_by(Application.created_at, Application.id)
        .limit(1)
    )
    if first is None or slot.taken >= slot.places:
        return None
    _move(session, first.id, (WAITLISTED,), OFFERED)
    session.execute(
        update(Slot)
        .where(Slot.id == slot_id)
        .values(taken=Slot.taken + 1)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    return session.get(Application, first.id)


def tell_volunteer(
    app: App, session: Session, application: Application, mission: Mission, base_url: str
) -> None:
    """E-mail the volunteer the application's new state (the link opens its thread)."""
    user = session.get(User, application.user_id) if application.user_id else None
    if user is None:
        return
    link = f"{base_url}/p/volunteering/applications/{application.id}"
    status, title, reason = application.status, mission.title, application.reason

    def write() -> tuple[str, str]:
        lines = {
            ACCEPTED: _('You are accepted for "%(title)s". Thank you!', title=title),
            REFUSED_APP: _('The association cannot take you for "%(title)s".', title=title),
            WAITLISTED: _('You are on the waiting list for "%(title)s".', title=title),
            OFFERED: _(
                'A place freed up for "%(title)s" and it is yours if you confirm.', title=title
            ),
            CANCELLED: _('"%(title)s" is cancelled.', title=title),
        }
        body = lines.get(status, _('Your application for "%(title)s" changed.', title=title))
        if status == REFUSED_APP and reason:
            body += "\n\n" + _("Their reason:") + "\n" + reason
        return _("Your application: %(title)s", title=title), body + "\n\n" + link

    notify.mail_users(app, session, mission.town_id, [user], write)


def tell_managers(
    app: App, session: Session, application: Application, mission: Mission, base_url: str
) -> None:
    """E-mail the managers what the volunteer did (applied, withdrew, took the offered place)."""
    link = f"{base_url}/p/volunteering/applications/{application.id}"
    title, status = mission.title, application.status
    users = notify.managers_of(session, [mission.association_id]).get(mission.association_id, [])

    def write() -> tuple[str, str]:
        if status == WITHDRAWN:
            line = _('A volunteer withdrew from "%(title)s".', title=title)
        elif status == ACCEPTED:
            line = _('A volunteer took the place offered for "%(title)s".', title=title)
        else:
            line = _('Someone applied to "%(title)s". Answer them here:', title=title)
        return _("Volunteering: %(title)s", title=title), line + "\n\n" + link

    notify.mail_users(app, session, mission.town_id, users, write)
