"""``parvis volunteering send-reminders``: one idempotent pass, safe from cron every 15 minutes.

Each reminder is recorded in ``volunteering_reminders`` (unique on kind and reference) in the
same transaction that queues its e-mail, so it is sent at most once, and one whose e-mail was not
queued is not marked sent. Two runs at the same time do not overlap: on PostgreSQL the run
first takes a transaction-level advisory lock (the second run waits, then finds the reminders
already recorded); on SQLite writing transactions run one after the other. Should anything slip
through, the unique key makes the whole run roll back rather than send twice.

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
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, insert, or_, select, text
from sqlalchemy.orm import Session

from parvis.api import Town, User, site_url, town_time_zone, utcnow

from . import notify
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


# Any constant: the key of PostgreSQL's advisory lock taken by a run.
LOCK_KEY = 7_766_180


def _one_run_at_a_time(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def _record(session: Session, kind: str, ref_ids: list[int]) -> None:
    if ref_ids:
        now = utcnow()
        session.execute(
            insert(Reminder), [{"kind": kind, "ref_id": r, "sent_at": now} for r in ref_ids]
        )


def _not_sent(kind: str, ref: Any) -> Any:
    return ~exists().where(Reminder.kind == kind, Reminder.ref_id == ref)


def send(parvis: Any, now: dt.datetime | None = None) -> Counts:
    """Queue every due reminder; ``now`` (an aware time) is for tests and benchmarks. "The day
    before" and "the slot is over" are read on each town's clock."""
    now = now or utcnow()
    counts = Counts()
    with parvis.db.session() as session:
        _one_run_at_a_time(session)
        towns = [t for t in session.scalars(select(Town)) if t.plugin_enabled("volunteering")]
        if not towns:
            return counts
        urls = {t.id: site_url(parvis, session, t.id).rstrip("/") for t in towns}
        by_zone: dict[ZoneInfo, list[int]] = defaultdict(list)
        for town in towns:
            by_zone[town_time_zone(town)].append(town.id)
        for zone, ids in by_zone.items():
            local = now.astimezone(zone)
            counts.day_before += _day_before(parvis, session, ids, urls, local.date())
        counts.nudges = _pending(parvis, session, list(urls), urls, now)
        for zone, ids in by_zone.items():
            counts.attendance += _attendance(parvis, session, ids, urls, now.astimezone(zone))
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
    _record(session, "day_before", [application.id for application, *_rest in rows])
    sent = 0
    for application, mission, slot, user in rows:
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
    _record(session, "pending", [application_id for application_id, _a, _t in rows])
    claimed: dict[tuple[int, int], int] = defaultdict(int)
    for _application_id, association_id, town_id in rows:
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
    _record(session, "attendance", [r[0] for r in rows])
    claimed = rows
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
