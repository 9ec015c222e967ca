"""Digest e-mail for followers of council spaces: one e-mail per follower and round.

What happens in a council (a new call, news, a meeting, published results) is recorded as
a digest item; ``send`` queues, per follower, one e-mail with the items since their last one."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from parvis.api import (
    App,
    Follow,
    Module,
    Space,
    Town,
    User,
    queue_mail,
    site_url,
    unsubscribe_url,
    using_locale,
    utcnow,
)

from .common import KIND, MODULE_TYPE
from .i18n import _
from .models import DigestItem, DigestState


def record_new_calls(session: Session) -> None:
    """Calls for ideas added to council spaces become digest items once (core emits no
    event when a module is added, so they are found here)."""
    rows = session.execute(
        select(Module, Space)
        .join(Space, Space.id == Module.space_id)
        .where(
            Space.kind == KIND,
            Module.type == MODULE_TYPE,
            Module.published.is_(True),
        )
    ).all()
    if not rows:
        return
    known = set(session.scalars(select(DigestItem.path).where(DigestItem.kind == "call")))
    for module, space in rows:
        path = f"/s/{space.slug}/{MODULE_TYPE}/{module.id}/"
        if path not in known:
            session.add(
                DigestItem(
                    town_id=space.town_id,
                    space_id=space.id,
                    kind="call",
                    title=module.title,
                    path=path,
                    created_at=module.created_at,
                )
            )


def send(parvis: App, now: dt.datetime | None = None) -> int:
    """Record new calls, then queue the digests (sent by the mail worker; links use each
    town's own address from ``site_url``)."""
    with parvis.db.session() as session:
        record_new_calls(session)
    return send_digests(parvis, now=now)


def record_digest(
    session: Session, space: Space, kind: str, title: str, path: str, target: str | None = None
) -> None:
    if space.kind != KIND:
        return
    session.add(
        DigestItem(
            town_id=space.town_id,
            space_id=space.id,
            kind=kind,
            title=title,
            path=path,
            target=target,
        )
    )


def retitle_digest(session: Session, target: str, title: str) -> None:
    """An edited news item or meeting: its digest items show the new title."""
    session.execute(update(DigestItem).where(DigestItem.target == target).values(title=title))


def withdraw_digest(session: Session, target: str) -> None:
    """A deleted news item or meeting is not mailed in any later digest."""
    session.execute(delete(DigestItem).where(DigestItem.target == target))


@dataclass
class _Digest:
    email: str
    locale: str | None
    items: list[tuple[str, DigestItem]] = field(default_factory=list)


def send_digests(app: App, now: dt.datetime | None = None) -> int:
    """Queue ONE e-mail per follower of council spaces with what happened since their last
    digest (or since they started following), in their language; returns how many e-mails
    were queued. ``app`` is the Parvis app (a hook's ``app`` or ``app_for_command``).

    Links use each town's own address (``site_url``), never a request's Host header."""
    now = now or utcnow()
    queued = 0
    with app.db.session() as session:
        rows = session.execute(
            select(User.id, User.email, User.locale, User.town_id, Space.title, DigestItem)
            .join(Follow, Follow.user_id == User.id)
            .join(Space, Space.id == Follow.space_id)
            .join(DigestItem, DigestItem.space_id == Space.id)
            .outerjoin(DigestState, DigestState.user_id == User.id)
            .where(
                Space.kind == KIND,
                Space.published.is_(True),
                User.confirmed_at.is_not(None),
                User.notify_followed.is_(True),
                DigestItem.created_at <= now,
                DigestItem.created_at > func.coalesce(DigestState.last_sent_at, Follow.created_at),
            )
            .order_by(User.id, Space.title, DigestItem.created_at, DigestItem.id)
        )
        digests: dict[int, _Digest] = {}
        towns: dict[int, int] = {}
        for user_id, email, locale, town_id, space_title, item in rows:
            digest = digests.setdefault(user_id, _Digest(email, locale))
            digest.items.append((space_title, item))
            towns[user_id] = town_id
        town_locales: dict[int, str] = {}
        bases = {town_id: site_url(app, session, town_id) for town_id in set(towns.values())}
        if towns:
            query = select(Town.id, Town.default_locale).where(Town.id.in_(set(towns.values())))
            town_locales = {town_id: locale for town_id, locale in session.execute(query)}
        for user_id, digest in digests.items():
            locale = digest.locale or town_locales.get(towns[user_id]) or "fr"
            with using_locale(app, locale):
                base_url = bases[towns[user_id]]
                subject, body = _digest_mail(
                    digest, base_url, unsubscribe_url(app, base_url, user_id)
                )
            queue_mail(session, digest.email, subject, body, towns[user_id])
            state = session.get(DigestState, user_id)
            if state is None:
                session.add(DigestState(user_id=user_id, last_sent_at=now))
            else:
                state.last_sent_at = now
            queued += 1
    return queued


def _digest_mail(digest: _Digest, base_url: str, unsubscribe: str) -> tuple[str, str]:
    labels = {
        "call": _("New call for ideas"),
        "news": _("News"),
        "meeting": _("Meeting"),
        "results": _("Results published"),
    }
    lines = [
        _("Hello,"),
        "",
        _("Here is what happened in the councils you follow:"),
    ]
    current = None
    for space_title, item in digest.items:
        if space_title != current:
            lines += ["", f"## {space_title}"]
            current = space_title
        lines.append(f"- {labels.get(item.kind, item.kind)}: {item.title}")
        lines.append(f"  {base_url}{item.path}")
    lines += [
        "",
        _(
            "You get this summary because you follow these councils. To stop every e-mail about "
            "the spaces you follow: %(unsubscribe)s",
            unsubscribe=unsubscribe,
        ),
    ]
    count = len(digest.items)
    subject = _("%(count)s new items in the councils you follow", count=count)
    return subject, "\n".join(lines)
