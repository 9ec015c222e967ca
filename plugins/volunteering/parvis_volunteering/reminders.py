"""``parvis volunteering send-reminders``: one idempotent pass, safe from cron every 15 minutes.

Each reminder first claims its row in ``volunteering_reminders`` (unique on kind and reference)
inside a savepoint, then queues its e-mail in the same transaction. A second run at the same
time cannot claim the same row: on PostgreSQL its insert waits for the first run's commit and
then fails on the unique key; on SQLite writing transactions run one after the other. So no
reminder is ever sent twice, and one whose e-mail was not queued is not marked sent.

- ``day_before``: accepted volunteers, the day before their slot (reference: application);
- ``pending``: managers, about applications pending for more than 7 days (reference:
  application; one e-mail per association and run lists them);
- ``attendance``: managers, once a slot with accepted volunteers is over, to confirm who came
  (reference: slot), for slots of the last 30 days.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parvis.api import Town, User, site_url

from . import clock, notify
from .i18n import _, ngettext
from .models import (
    ACCEPTED,
    APP_PENDING,
    PUBLISHED,
    Application,
    Mission,
    Reminder,
    Slot,
)
from .views.public import slot_label

PENDING_DAYS = 7
ATTENDANCE_DAYS = 30


@dataclass
class Counts:
    day_before: int = 0
    nudges: int = 0
    attendance: int = 0


def _claim(session: Session, kind: str, ref_id: int) -> bool:
    try:
        with session.begin_nested():
            session.add(Reminder(kind=kind, ref_id=ref_id))
            session.flush()
    except IntegrityError:
        return False
    return True


def _not_sent(kind: str, ref: Any) -> Any:
    return ~exists().where(Reminder.kind == kind, Reminder.ref_id == ref)


def send(parvis: Any, now: dt.datetime | None = None) -> Counts:
    """Queue every due reminder; ``now`` (town time) is for tests and benchmarks."""
    now = now or clock.local_now()
    counts = Counts()
    with parvis.db.session() as session:
        towns = [t.id for t in session.scalars(select(Town)) if t.plugin_enabled("volunteering")]
        if not towns:
            return counts
        urls = {t: site_url(parvis, session, t).rstrip("/") for t in towns}
        counts.day_before = _day_before(parvis, session, towns, urls, now.date())
        counts.nudges = _pending(parvis, session, towns, urls, now)
        counts.attendance = _attendance(parvis, session, towns, urls, now)
    return counts


def _day_before(
    parvis: Any, session: Session, towns: list[int], urls: dict[int, str], today: dt.date
) -> int:
    rows = session.execute(
        select(Application, Mission, Slot, User)
        .join(Mission, Mission.id == Application.mission_id)
        .join(Slot, Slot.id == Application.slot_id)
        .join(User, User.id == Application.user_id)
        .where(
            Application.town_id.in_(towns),
            Application.status == ACCEPTED,
            Mission.status == PUBLISHED,
            Slot.date == today + dt.timedelta(days=1),
            _not_sent("day_before", Application.id),
        )
        .order_by(Application.id)
    ).all()
    sent = 0
    for application, mission, slot, user in rows:
        if not _claim(session, "day_before", application.id):
            continue
        link = f"{urls[mission.town_id]}/p/volunteering/applications/{application.id}"

        def write(
            mission: Mission = mission, slot: Slot = slot, link: str = link
        ) -> tuple[str, str]:
            where = _("Remote") if mission.remote else mission.address
            return (
                _("Tomorrow: %(title)s", title=mission.title),
                _('A reminder: you volunteer tomorrow for "%(title)s".', title=mission.title)
                + f"\n\n{slot_label(slot)}\n{where}\n\n"
                + _("Cannot come? Say so on this page, so that someone else can take your place:")
                + "\n"
                + link,
            )

        sent += notify.mail_users(parvis, session, mission.town_id, [user], write)
    return sent


def _pending(
    parvis: Any, session: Session, towns: list[int], urls: dict[int, str], now: dt.datetime
) -> int:
    since = now.astimezone(dt.UTC) - dt.timedelta(days=PENDING_DAYS)
    rows = session.execute(
        select(Application.id, Mission.association_id, Mission.town_id)
        .join(Mission, Mission.id == Application.mission_id)
        .where(
            Application.town_id.in_(towns),
            Application.status == APP_PENDING,
            Application.created_at < since,
            _not_sent("pending", Application.id),
        )
        .order_by(Application.id)
    ).all()
    claimed: dict[tuple[int, int], int] = defaultdict(int)
    for application_id, association_id, town_id in rows:
        if _claim(session, "pending", application_id):
            claimed[(town_id, association_id)] += 1
    managers = notify.managers_of(session, [a for _t, a in claimed])
    sent = 0
    for (town_id, association_id), count in claimed.items():
        link = f"{urls[town_id]}/p/volunteering/associations/{association_id}/manage"

        def write(count: int = count, link: str = link) -> tuple[str, str]:
            return (
                _("Volunteers are waiting for your answer"),
                ngettext(
                    "%(num)d application has been waiting for more than %(days)d days.",
                    "%(num)d applications have been waiting for more than %(days)d days.",
                    count,
                    days=PENDING_DAYS,
                )
                + " "
                + _("Accept, refuse or waitlist them here:")
                + "\n\n"
                + link,
            )

        sent += notify.mail_users(parvis, session, town_id, managers.get(association_id, []), write)
    return sent


def _attendance(
    parvis: Any, session: Session, towns: list[int], urls: dict[int, str], now: dt.datetime
) -> int:
    today = now.date()
    over = or_(
        Slot.date < today, and_(Slot.date == today, Slot.end <= now.time().replace(tzinfo=None))
    )
    rows = session.execute(
        select(
            Slot.id, Slot.date, Mission.id, Mission.title, Mission.association_id, Mission.town_id
        )
        .join(Mission, Mission.id == Slot.mission_id)
        .where(
            Mission.town_id.in_(towns),
            Slot.date >= today - dt.timedelta(days=ATTENDANCE_DAYS),
            over,
            exists().where(Application.slot_id == Slot.id, Application.status == ACCEPTED),
            _not_sent("attendance", Slot.id),
        )
        .order_by(Slot.id)
    ).all()
    claimed = [r for r in rows if _claim(session, "attendance", r[0])]
    managers = notify.managers_of(session, {r[4] for r in claimed})
    sent = 0
    for _slot_id, date, mission_id, title, association_id, town_id in claimed:
        link = f"{urls[town_id]}/p/volunteering/missions/{mission_id}/applications"

        def write(title: str = title, date: dt.date = date, link: str = link) -> tuple[str, str]:
            from parvis.api import format_date

            return (
                _("Who came? %(title)s", title=title),
                _(
                    'The slot of %(date)s for "%(title)s" is over. Tick who came: it builds '
                    "each volunteer's history of hours.",
                    date=format_date(date, "long"),
                    title=title,
                )
                + "\n\n"
                + link,
            )

        sent += notify.mail_users(parvis, session, town_id, managers.get(association_id, []), write)
    return sent
