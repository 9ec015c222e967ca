"""Core tables: towns, accounts, areas, spaces, modules, permissions, jobs, outbox, audit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from parvis.db import Base, utcnow


class Town(Base):
    __tablename__ = "towns"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    default_locale: Mapped[str] = mapped_column(String(10), default="fr")
    theme: Mapped[str] = mapped_column(String(60), default="default")
    # Plugin names enabled for this town (a subset of the ones the deployment loads).
    enabled_plugins: Mapped[list[Any]] = mapped_column(default=list)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    accessibility_statement: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Bumped at the commit of every write in the town (``versions.py``): ETags, the page cache and
    # the per-process caches read them, so that several processes agree on what is current.
    content_version: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # Bumped only by writes to the town's setup that processes keep (town, hosts, permission
    # rules, areas).
    setup_version: Mapped[int] = mapped_column(default=0, server_default=text("0"))

    hosts: Mapped[list[TownHost]] = relationship(
        back_populates="town", cascade="all, delete-orphan", lazy="raise_on_sql"
    )

    def plugin_enabled(self, name: str) -> bool:
        return name in (self.enabled_plugins or [])


class TownHost(Base):
    __tablename__ = "town_hosts"

    host: Mapped[str] = mapped_column(String(253), primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"), index=True)
    town: Mapped[Town] = relationship(back_populates="hosts", lazy="raise_on_sql")


class Area(Base):
    """A neighbourhood (quartier) of a town."""

    __tablename__ = "areas"
    __table_args__ = (UniqueConstraint("town_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)


class User(Base):
    __tablename__ = "users"
    # SQLite would otherwise hand a deleted account's id to the next sign-up, and with it any
    # session cookie or unsubscribe link that still named that id.
    __table_args__ = (UniqueConstraint("town_id", "email"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(100))
    locale: Mapped[str | None] = mapped_column(String(10))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    birth_date: Mapped[dt.date | None]
    confirmed_at: Mapped[dt.datetime | None]
    # Bumped on log-out-everywhere and password change: older sessions and reset links die.
    session_epoch: Mapped[int] = mapped_column(default=0)
    # One switch for every e-mail about followed spaces; each of those mails links to turn it off.
    notify_followed: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class Verification(Base):
    """A resident's verified residency, tied to a pseudonymous key of the person behind it.

    Live while ``ended_at`` is empty and ``expires_at`` is empty or in the future; the
    ``verified`` role follows from a live one. Ended rows stay (the person key's history: a vote
    cast stays cast for that person) even after the account is deleted (``user_id`` empty).
    The partial unique indexes guard the one-person-one-account rule against races; expiry is
    enforced by ``verify_user``, which ends expired rows before checking.
    """

    __tablename__ = "verifications"
    __table_args__ = (
        Index(
            "uq_verifications_live_person",
            "town_id",
            "person_key",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index(
            "uq_verifications_live_user",
            "user_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index("ix_verifications_town_person", "town_id", "person_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # 64 hex chars: HMAC-SHA256 of the normalised identity with a per-town key.
    person_key: Mapped[str] = mapped_column(String(64))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    birth_date: Mapped[dt.date | None]
    method: Mapped[str] = mapped_column(String(40))
    verified_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime | None]
    ended_at: Mapped[dt.datetime | None]
    # Why it ended: replaced, revoked, moved, left_census, transferred, account_deleted.
    end_reason: Mapped[str | None] = mapped_column(String(40))

    def is_live(self, now: dt.datetime | None = None) -> bool:
        now = now or utcnow()
        return self.ended_at is None and (self.expires_at is None or self.expires_at > now)


class Upload(Base):
    """Re-encoded images and documents, kept in the database so every app process sees them."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"), index=True)
    content_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(200))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Space(Base):
    __tablename__ = "spaces"
    __table_args__ = (
        UniqueConstraint("town_id", "slug"),
        # A town's spaces in its order (position, then title), as pages list them, without a
        # sort: SQLite sorted them in a temporary b-tree at every page.
        Index("ix_spaces_town_order", "town_id", "position", "title"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(60), default="general")
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    image_id: Mapped[int | None] = mapped_column(ForeignKey("uploads.id", ondelete="SET NULL"))
    published: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    area: Mapped[Area | None] = relationship(lazy="raise_on_sql")


class Module(Base):
    """A component of a space, provided by a plugin's module type; its phase gates actions."""

    __tablename__ = "modules"
    __table_args__ = (
        UniqueConstraint("space_id", "slug"),
        # A town's modules of one type in some phases (the home page's open ones and quick
        # polls, ``spaces/showable.py``) found by ranges of an index, not by testing each module
        # of its spaces; the open ones without dates, in the town's order, from the index alone.
        # The index on ``space_id`` alone stays: reading all of a space's modules in it goes in
        # the table's order (SQLite: about 10 % fewer instructions for the visible modules).
        Index(
            "ix_modules_space_type_phase",
            "space_id",
            "type",
            "phase",
            "published",
            "dated",
            "position",
        ),
        # The newest modules of some phases (the home page's recent results): in a range of
        # this index they come in the table's order, which ``ORDER BY id DESC LIMIT n`` takes
        # far faster (SQLite, 1,000 closed modules in one space: 0.49 million instructions,
        # 2.9 through the index above, whose ranges go in the modules' positions).
        Index("ix_modules_results", "space_id", "type", "phase", "published"),
        # The dated modules of a space, without looking each of its modules up in
        # ``module_phase_dates`` (the home page's part that grew with the town's history).
        Index(
            "ix_modules_dated",
            "space_id",
            sqlite_where=text("dated"),
            postgresql_where=text("dated"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    phase: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=0)
    published: Mapped[bool] = mapped_column(default=True)
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Whether the module has a row in ``module_phase_dates``: kept by the database's triggers on
    # that table (migration 0010), whoever writes the dates; the application only inserts a
    # module with its default (before any of its dates) and never sets it.
    dated: Mapped[bool] = mapped_column(default=False, server_default=text("false"))


class PhaseDates(Base):
    """When a phase of a module starts and ends. The module moves on by itself once a date
    passes (``parvis.schedule``, evaluated when the module is read: no scheduler)."""

    __tablename__ = "module_phase_dates"
    __table_args__ = (UniqueConstraint("module_id", "phase"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    # A phase key of the module's type (``Phase.key``).
    phase: Mapped[str] = mapped_column(String(40))
    starts_at: Mapped[dt.datetime | None]
    ends_at: Mapped[dt.datetime | None]


class RoleGrant(Base):
    """A role given to a user in a town, or in one space of it."""

    __tablename__ = "role_grants"
    __table_args__ = (UniqueConstraint("user_id", "role", "space_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(60))
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PermissionRule(Base):
    """An allow or deny of an action for a role, at town, space or module level."""

    __tablename__ = "permission_rules"
    __table_args__ = (
        Index("ix_permission_rules_lookup", "town_id", "action"),
        UniqueConstraint("town_id", "space_id", "module_id", "role", "action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"))
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(100))
    allow: Mapped[bool]


class Follow(Base):
    """A user follows a space and gets its news by e-mail."""

    __tablename__ = "follows"
    __table_args__ = (UniqueConstraint("user_id", "space_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Job(Base):
    """A queued background job (``jobs.py``): pending, running, done or failed."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_due", "status", "run_after", "id"),
        # At most one pending or running job per dedupe key (``enqueue``).
        Index(
            "ux_jobs_dedupe_key",
            "dedupe_key",
            unique=True,
            sqlite_where=text("status IN ('pending', 'running')"),
            postgresql_where=text("status IN ('pending', 'running')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    town_id: Mapped[int | None] = mapped_column(
        ForeignKey("towns.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    run_after: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class OutboxMail(Base):
    """E-mail waiting for the worker; the table makes sending survive restarts and scale out.

    Each mail is sent by its job ``core.mail`` (``mail.py``); ``attempts`` and ``last_error``
    repeat the job's for whoever reads the outbox."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int | None] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"))
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), index=True
    )
    job: Mapped[Job | None] = relationship(lazy="raise_on_sql")


class LoginSession(Base):
    """A logged-in session, so log-out ends it on the server: the cookie holds a random token,
    this table its SHA-256; a copied cookie dies with the row."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Consent(Base):
    """A resident accepted version ``version`` of the town's privacy policy (kept per version,
    so the town can show who accepted what and when)."""

    __tablename__ = "consents"
    # Nothing a visitor sees changes when someone accepts (``versions.py``).
    __table_args__ = {"info": {"parvis_unseen": True}}

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    accepted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RateLimitHit(Base):
    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(100))
    target: Mapped[str] = mapped_column(String(200), default="")
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
