"""E-mails, each written in its reader's language and queued in the outbox."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from parvis.api import App, User, queue_mail, using_locale

from .models import Manager

# Builds (subject, body) while the reader's language is active.
Writer = Callable[[], tuple[str, str]]


def mail_users(
    app: App, session: Session, town_id: int, users: Iterable[User], write: Writer
) -> int:
    """Queue one e-mail per user with a confirmed address; returns how many were queued."""
    sent = 0
    for user in users:
        if user.confirmed_at is not None:
            mail_to(app, session, town_id, user.email, user.locale or "fr", write)
            sent += 1
    return sent


def mail_to(
    app: App, session: Session, town_id: int, email: str, locale: str, write: Writer
) -> None:
    with using_locale(app, locale):
        subject, body = write()
    queue_mail(session, email, subject, body, town_id)


def managers_of(session: Session, association_ids: Iterable[int]) -> dict[int, list[User]]:
    """The managers of each association, in one query."""
    found: dict[int, list[User]] = {}
    rows = session.execute(
        select(Manager.association_id, User)
        .join(User, User.id == Manager.user_id)
        .where(Manager.association_id.in_(list(association_ids)))
        .order_by(Manager.id)
    )
    for association_id, user in rows:
        found.setdefault(association_id, []).append(user)
    return found
