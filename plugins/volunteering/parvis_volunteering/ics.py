"""The volunteer's accepted slots as an iCalendar file (RFC 5545), in the town's time zone
converted to UTC so any calendar application reads it the same."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from parvis.api import User, utcnow

from .models import ACCEPTED, Application, Association, Mission, Slot


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r", "")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            out.append(current)
            current = " "
        current += char
    out.append(current)
    return "\r\n".join(out)


def _utc(day: dt.date, time: dt.time, zone: ZoneInfo) -> str:
    local = dt.datetime.combine(day, time, tzinfo=zone)
    return local.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def accepted_slots(
    session: Session, user: User, town_name: str, zone: ZoneInfo, base_url: str
) -> str:
    """The user's accepted dated slots; times typed on the town's clock (``zone``)."""
    rows = session.execute(
        select(Application.id, Mission, Association.name, Slot)
        .join(Mission, Mission.id == Application.mission_id)
        .join(Association, Association.id == Mission.association_id)
        .join(Slot, Slot.id == Application.slot_id)
        .where(
            Application.user_id == user.id,
            Application.status == ACCEPTED,
            Slot.date.is_not(None),
            Slot.start.is_not(None),
        )
        .order_by(Slot.date, Slot.start)
    )
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    host = base_url.split("//")[-1].split("/")[0] or "parvis"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Parvis//volunteering//FR",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape(town_name)}",
    ]
    for application_id, mission, association_name, slot in rows:
        place = _escape("" if mission.remote else mission.address)
        lines += [
            "BEGIN:VEVENT",
            f"UID:volunteering-{application_id}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{_utc(slot.date, slot.start, zone)}",
            f"DTEND:{_utc(slot.date, slot.end or slot.start, zone)}",
            f"SUMMARY:{_escape(mission.title)}",
            f"DESCRIPTION:{_escape(association_name)}\\n{base_url}/p/volunteering/applications/{application_id}",
        ]
        if place:
            lines.append(f"LOCATION:{place}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
