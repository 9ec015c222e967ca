"""Towns (tenants): creating one with its first administrator; its areas and its clock."""

from __future__ import annotations

from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from parvis.db import utcnow
from parvis.driver import driver_rows
from parvis.i18n import DEFAULT_TIME_ZONE
from parvis.models import Area, RoleGrant, Town, TownHost, User
from parvis.passwords import hash_password
from parvis.permissions import TOWN_ADMIN


def create_town(
    session: Session,
    *,
    name: str,
    slug: str,
    hosts: list[str],
    plugins: list[str],
    admin_email: str,
    admin_password: str,
    locale: str = "fr",
    admin_name: str = "Admin",
) -> Town:
    town = Town(name=name, slug=slug, default_locale=locale, enabled_plugins=list(plugins))
    session.add(town)
    session.flush()
    for host in hosts:
        session.add(TownHost(host=host.lower(), town_id=town.id))
    admin = User(
        town_id=town.id,
        email=admin_email.strip().lower(),
        password_hash=hash_password(admin_password),
        display_name=admin_name,
        locale=locale,
        confirmed_at=utcnow(),
    )
    session.add(admin)
    session.flush()
    session.add(RoleGrant(town_id=town.id, user_id=admin.id, role=TOWN_ADMIN))
    session.flush()
    return town


def town_areas(session: Session, town: Town | int) -> list[Area]:
    """The town's neighbourhoods, in their display order."""
    town_id = town if isinstance(town, int) else town.id
    return list(
        session.scalars(
            select(Area).where(Area.town_id == town_id).order_by(Area.position, Area.name)
        )
    )


# Built once: building a statement cost about as much as running it.
_AREA_ROWS = (
    select(Area.id, Area.name)
    .where(Area.town_id == bindparam("town"))
    .order_by(Area.position, Area.name)
)


class AreaRow(NamedTuple):
    id: int
    name: str


def area_rows(session: Session, town_id: int) -> tuple[AreaRow, ...]:
    """The town's neighbourhoods as ``(id, name)`` rows, in their display order (the home
    page: no ORM objects where their names do). Pages read them through
    ``Parvis.areas_of``, kept per process: they are part of the town's setup."""
    return tuple([AreaRow(*r) for r in driver_rows(session, _AREA_ROWS, {"town": town_id})])


def time_zone_name(town: Town) -> str:
    """The town's IANA time zone name (``Town.settings["core"]["time_zone"]``)."""
    name = ((town.settings or {}).get("core") or {}).get("time_zone")
    return name if isinstance(name, str) and is_time_zone(name) else DEFAULT_TIME_ZONE


def town_time_zone(town: Town) -> ZoneInfo:
    """The town's clock: dates typed by staff and "today" are read in it; times are shown in it."""
    return ZoneInfo(time_zone_name(town))


def is_time_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return "/" in name or name == "UTC"
