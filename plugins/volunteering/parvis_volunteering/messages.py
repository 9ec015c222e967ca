"""The message thread of an application, between the volunteer and the association's managers.

Notifications are rate limited: at most one e-mail per thread and reader every 15 minutes (the
page shows every message anyway); posting is limited too, against floods.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from parvis.api import App, User, rate_limit

from . import notify
from .i18n import _
from .models import Application, Message, Mission

NOTIFY_WINDOW = 15 * 60
POSTS_PER_HOUR = 30


def thread(session: Session, application_id: int) -> list[tuple[Message, str | None]]:
    """Messages oldest first, with their author's name (None once the account is gone)."""
    return [
        (m, name)
        for m, name in session.execute(
            select(Message, User.display_name)
            .outerjoin(User, User.id == Message.author_id)
            .where(Message.application_id == application_id)
            .order_by(Message.created_at, Message.id)
        )
    ]


def may_post(session: Session, user: User) -> bool:
    return rate_limit(session, f"volunteering:post:{user.id}", POSTS_PER_HOUR, 3600)


def post(
    app: App,
    session: Session,
    application: Application,
    mission: Mission,
    author: User,
    body: str,
    from_manager: bool,
    base_url: str,
) -> Message:
    message = Message(
        application_id=application.id,
        author_id=author.id,
        from_manager=from_manager,
        body=body.strip(),
    )
    session.add(message)
    session.flush()
    if from_manager:
        readers = [session.get(User, application.user_id)] if application.user_id else []
    else:
        readers = notify.managers_of(session, [mission.association_id]).get(
            mission.association_id, []
        )
    readers = [
        u
        for u in readers
        if u is not None
        and u.id != author.id
        and rate_limit(session, f"volunteering:notify:{application.id}:{u.id}", 1, NOTIFY_WINDOW)
    ]
    link = f"{base_url}/p/volunteering/applications/{application.id}"
    title = mission.title

    def write() -> tuple[str, str]:
        return (
            _('New message about "%(title)s"', title=title),
            _('You have a new message about "%(title)s". Read it and answer here:', title=title)
            + "\n\n"
            + link,
        )

    notify.mail_users(app, session, mission.town_id, readers, write)
    return message
