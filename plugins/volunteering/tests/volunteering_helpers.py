"""Builders for the volunteering tests: users reading English, associations, missions."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from parvis.api import Area
from parvis.testing import make_user
from parvis_volunteering import associations, clock, missions
from parvis_volunteering.models import VALIDATED, Mission

EN = {"accept-language": "en"}
# The test town keeps core's default time zone.
TOWN_ZONE = ZoneInfo("Europe/Paris")


def user(town: Any, email: str, **extra: Any) -> int:
    with town.session() as session:
        return make_user(
            session, town.town_id, email, locale="en", name=email.split("@")[0].title(), **extra
        ).id


def area(town: Any, name: str = "Centre") -> int:
    with town.session() as session:
        found = Area(town_id=town.town_id, slug=name.lower(), name=name, position=0)
        session.add(found)
        session.flush()
        return found.id


def association(
    town: Any, owner_id: int, name: str = "Amis du parc", status: str = VALIDATED
) -> int:
    from parvis.api import User

    with town.session() as session:
        owner = session.get(User, owner_id)
        made = associations.register(
            session,
            town.town_id,
            owner,
            associations.AssociationData(
                name, "We plant trees.", "", "contact@amis.example", "", [], ["environment"]
            ),
        )
        made.status = status
        return made.id


def today() -> dt.date:
    """Today on the test town's clock."""
    return clock.today(TOWN_ZONE)


def soon(days: int = 3) -> dt.date:
    return today() + dt.timedelta(days=days)


def mission(
    town: Any,
    association_id: int,
    title: str = "Plant trees",
    *,
    places: int = 2,
    day: dt.date | None = None,
    start: dt.time = dt.time(9),
    cause: str = "environment",
    skills: tuple[str, ...] = ("gardening",),
    area_id: int | None = None,
    remote: bool = False,
    kind: str = "slots",
    times: tuple[tuple[int, int], ...] = (),
    min_age: int = 0,
) -> tuple[int, int]:
    """A published mission with one slot; returns (mission id, slot id)."""
    with town.session() as session:
        made = Mission(town_id=town.town_id, association_id=association_id)
        missions.save(
            session,
            made,
            missions.MissionData(
                title=title,
                description="Bring gloves.",
                cause=cause,
                skills=list(skills),
                area_id=area_id,
                address="" if remote else "1 rue du Parc",
                remote=remote,
                kind=kind,
                min_age=min_age,
                accessibility="",
                slots=[missions.SlotData(day or soon(), start, dt.time(start.hour + 3), places)],
                times=list(times),
                places=places,
            ),
        )
        slot = missions.slots(session, made.id)[0]
        return made.id, slot.id
