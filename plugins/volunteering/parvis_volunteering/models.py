"""Volunteering tables: associations and their managers, missions with slots, volunteer profiles,
applications with their message threads, and the reminders already sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from parvis.api import Base, utcnow

# Association states: a resident registers, town staff validate or refuse, and may suspend.
PENDING, VALIDATED, REFUSED, SUSPENDED = "pending", "validated", "refused", "suspended"
# Mission states; "full" is not stored: it follows from the slots' places.
PUBLISHED, CLOSED = "published", "closed"
# Application states. "offered": a freed place is held for the first waitlisted volunteer.
# "cancelled": the mission closed (or its association was suspended) before the slot.
APP_PENDING, ACCEPTED, REFUSED_APP, WAITLISTED = "pending", "accepted", "refused", "waitlisted"
OFFERED, WITHDRAWN, CANCELLED = "offered", "withdrawn", "cancelled"
# Applications that hold a place on their slot.
HOLDING = (ACCEPTED, OFFERED)
# Applications still alive (a volunteer can still come).
LIVE = (APP_PENDING, ACCEPTED, WAITLISTED, OFFERED)
PARTS = ("morning", "afternoon", "evening")


class Association(Base):
    __tablename__ = "volunteering_associations"
    __table_args__ = (Index("ix_volunteering_associations_town_status", "town_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text, default="")
    logo_id: Mapped[int | None] = mapped_column(ForeignKey("uploads.id", ondelete="SET NULL"))
    website: Mapped[str] = mapped_column(String(300), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    # Neighbourhoods served and causes: shown on the public page (missions carry their own).
    area_ids: Mapped[list[Any]] = mapped_column(default=list)
    causes: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(20), default=PENDING)
    staff_message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    validated_at: Mapped[dt.datetime | None]


class Manager(Base):
    __tablename__ = "volunteering_managers"
    __table_args__ = (UniqueConstraint("association_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(
        ForeignKey("volunteering_associations.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The owner answers for the association to the town; they hand it over before leaving.
    owner: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ManagerInvite(Base):
    __tablename__ = "volunteering_manager_invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    association_id: Mapped[int] = mapped_column(
        ForeignKey("volunteering_associations.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(254))
    # HMAC of the token sent by e-mail: a leaked database does not give working links.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[dt.datetime | None]


class Term(Base):
    """A town's change to the built-in causes and skills: a new term, a renamed or retired one."""

    __tablename__ = "volunteering_terms"
    __table_args__ = (UniqueConstraint("town_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # "cause" or "skill"
    key: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(100), default="")
    retired: Mapped[bool] = mapped_column(default=False)


class Mission(Base):
    __tablename__ = "volunteering_missions"
    __table_args__ = (
        Index("ix_volunteering_missions_list", "town_id", "status", "cause"),
        CheckConstraint("min_age >= 0 AND min_age <= 120", name="min_age_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"))
    association_id: Mapped[int] = mapped_column(
        ForeignKey("volunteering_associations.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str] = mapped_column(String(40))
    area_id: Mapped[int | None] = mapped_column(
        ForeignKey("areas.id", ondelete="SET NULL"), index=True
    )
    address: Mapped[str] = mapped_column(String(300), default="")
    remote: Mapped[bool] = mapped_column(default=False)
    # "slots" (dated one-off slots) or "recurring" (weekday x part of day, for some weeks).
    kind: Mapped[str] = mapped_column(String(10), default="slots")
    weeks: Mapped[int | None]
    hours_per_session: Mapped[float | None] = mapped_column(Numeric(4, 1))
    min_age: Mapped[int] = mapped_column(default=0)
    accessibility: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=PUBLISHED)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MissionSkill(Base):
    __tablename__ = "volunteering_mission_skills"

    mission_id: Mapped[int] = mapped_column(
        ForeignKey("volunteering_missions.id", ondelete="CASCADE"), primary_key=True
    )
    skill: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class MissionTime(Base):
    """When a mission happens, as weekday (0 = Monday) x part of day: a recurring mission's
    schedule, or derived from a one-off mission's slots. Matching reads only this."""

    __tablename__ = "volunteering_mission_times"

    mission_id: Mapped[int] = mapped_column(
        ForeignKey("volunteering_missions.id", ondelete="CASCADE"), primary_key=True
    )
    weekday: Mapped[int] = mapped_column(primary_key=True)
    part: Mapped[int] = mapped_column(primary_key=True)


class Slot(Base):
    """A one-off date, or the single undated slot of a recurring mission. ``taken`` counts the
    applications holding a place; it only changes by conditional UPDATEs (never over-filled)."""

    __tablename__ = "volunteering_slots"
    __table_args__ = (
        Index("ix_volunteering_slots_mission_date", "mission_id", "date"),
        Index("ix_volunteering_slots_date", "date"),
        CheckConstraint("taken >= 0 AND taken <= places", name="places_bounds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(
        ForeignKey("volunteering_missions.id", ondelete="CASCADE")
    )
    date: Mapped[dt.date | None]
    start: Mapped[dt.time | None]
    end: Mapped[dt.time | None]
    places: Mapped[int]
    taken: Mapped[int] = mapped_column(default=0)


class Profile(Base):
    __tablename__ = "volunteering_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    phone: Mapped[str] = mapped_column(String(40), default="")
    suggest: Mapped[bool] = mapped_column(default=True)
    contactable: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ProfileSkill(Base):
    __tablename__ = "volunteering_profile_skills"

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("volunteering_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    skill: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class ProfileCause(Base):
    __tablename__ = "volunteering_profile_causes"

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("volunteering_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    cause: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class ProfileTime(Base):
    __tablename__ = "volunteering_profile_times"
    __table_args__ = (Index("ix_volunteering_profile_times_when", "weekday", "part"),)

    profile_id: Mapped[int] = mapped_column(
        ForeignKey("volunteering_profiles.id", ondelete="CASCADE"), primary_key=True
    )
    weekday: Mapped[int] = mapped_column(primary_key=True)
    part: Mapped[int] = mapped_column(primary_key=True)


class Application(Base):
    """One volunteer on one slot. On account deletion ``user_id`` becomes NULL and the message
    is blanked: the association's history (who applied, who came, hours) stays true."""

    __tablename__ = "volunteering_applications"
    __table_args__ = (
        UniqueConstraint("slot_id", "user_id"),
        Index("ix_volunteering_applications_mission_status", "mission_id", "status"),
        Index("ix_volunteering_applications_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"))
    mission_id: Mapped[int] = mapped_column(
        ForeignKey("volunteering_missions.id", ondelete="CASCADE")
    )
    slot_id: Mapped[int] = mapped_column(
        ForeignKey("volunteering_slots.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=APP_PENDING)
    reason: Mapped[str] = mapped_column(Text, default="")
    # From a manager's invitation ("volunteers who may fit"), answered yes by the volunteer.
    invited: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[dt.datetime | None]  # first answer by a manager (statistics)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attended: Mapped[bool | None]
    hours: Mapped[float | None] = mapped_column(Numeric(5, 1))


class Message(Base):
    __tablename__ = "volunteering_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("volunteering_applications.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    from_manager: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Invitation(Base):
    """A manager asks an opted-in volunteer to look at a mission; no contact detail is shared
    until the volunteer answers yes (which makes an application)."""

    __tablename__ = "volunteering_invitations"
    __table_args__ = (UniqueConstraint("mission_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mission_id: Mapped[int] = mapped_column(
        ForeignKey("volunteering_missions.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invited_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    answer: Mapped[str | None] = mapped_column(String(10))  # None, "yes", "no"
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Reminder(Base):
    """A reminder already sent; the unique key is what makes ``send-reminders`` idempotent,
    even when two runs overlap."""

    __tablename__ = "volunteering_reminders"
    __table_args__ = (UniqueConstraint("kind", "ref_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    ref_id: Mapped[int]
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
