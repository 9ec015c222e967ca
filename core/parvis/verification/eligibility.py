"""Who may take part: a live verification, the right neighbourhood, old enough on a date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from parvis.db import utcnow
from parvis.i18n import DEFAULT_TIME_ZONE, format_date
from parvis.i18n import gettext as _
from parvis.models import Area, Town, User
from parvis.towns import town_time_zone
from parvis.verification.records import latest_verification, verification_of


@dataclass(frozen=True)
class Eligibility:
    """The answer to "may this user take part?", with a sentence a resident can read."""

    ok: bool
    reason: str = ""
    person_key: str | None = None
    # The neighbourhood of the live verification (None without one), so a caller that picks a
    # constituency by neighbourhood need not read the verification again.
    area_id: int | None = None

    def __bool__(self) -> bool:
        return self.ok


def town_today(town: Town | None = None) -> dt.date:
    """Today on the town's clock (its time zone setting), where birthdays are counted."""
    zone = town_time_zone(town) if town is not None else ZoneInfo(DEFAULT_TIME_ZONE)
    return utcnow().astimezone(zone).date()


def age_on(birth_date: dt.date, on: dt.date) -> int:
    """Age in full years on ``on``: reached on the birthday itself; someone born on 29 February
    turns a year older on 1 March in non-leap years (28 February is still before it)."""
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - before_birthday


def eligible(
    session: Session,
    user: User | None,
    *,
    area_id: int | None = None,
    min_age: int | None = None,
    on: dt.date | None = None,
) -> Eligibility:
    """May ``user`` take part where only verified residents (of ``area_id``, at least
    ``min_age`` years old on ``on``) may? The reason is in the current locale."""
    if user is None:
        return Eligibility(False, _("Log in to take part."))
    verification = verification_of(session, user)
    if verification is None:
        return Eligibility(False, _not_verified_reason(session, user, area_id))
    key, area = verification.person_key, verification.area_id
    if area_id is not None and area != area_id:
        wanted = session.get(Area, area_id)
        return Eligibility(
            False,
            _(
                "Only verified residents of %(area)s may take part; your residence is verified "
                "in another neighbourhood.",
                area=wanted.name if wanted else "",
            ),
            key,
            area,
        )
    if min_age is not None:
        day = on or town_today(session.get(Town, user.town_id))
        if verification.birth_date is None:
            return Eligibility(
                False,
                _(
                    "You must be %(age)d on %(date)s, and your verification has no birth date: "
                    "ask the town hall to complete it.",
                    age=min_age,
                    date=format_date(day),
                ),
                key,
                area,
            )
        if age_on(verification.birth_date, day) < min_age:
            return Eligibility(
                False,
                _("You must be %(age)d on %(date)s.", age=min_age, date=format_date(day)),
                key,
                area,
            )
    return Eligibility(True, "", key, area)


def _not_verified_reason(session: Session, user: User, area_id: int | None) -> str:
    last = latest_verification(session, user)
    if last is not None and last.ended_at is None and last.expires_at is not None:
        return _(
            "Your residence verification expired on %(date)s: verify your residence again to "
            "take part.",
            date=format_date(
                last.expires_at.astimezone(town_time_zone(session.get(Town, user.town_id))).date()
            ),
        )
    if area_id is not None:
        area = session.get(Area, area_id)
        return _(
            "Only verified residents of %(area)s may take part: verify your residence first.",
            area=area.name if area else "",
        )
    return _("Only verified residents may take part: verify your residence first.")
