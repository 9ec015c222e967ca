"""Tables of the core verification methods: census list, letter codes, residents' claims."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parvis.db import Base, utcnow


class CensusImport(Base):
    """One upload of the town's electoral or resident list, from mapping to the end of import.

    The file is kept only until its import finishes (``data`` is then emptied)."""

    __tablename__ = "census_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(200))
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    encoding: Mapped[str] = mapped_column(String(20), default="utf-8")
    delimiter: Mapped[str] = mapped_column(String(1), default=",")
    # Field name -> column index, plus "postcodes": {postcode: area id}.
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # uploaded -> queued -> running -> done | failed
    status: Mapped[str] = mapped_column(String(20), default="uploaded")
    total_rows: Mapped[int] = mapped_column(default=0)
    processed_rows: Mapped[int] = mapped_column(default=0)
    imported_rows: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    # The first errors, as [line number, message] (the count says how many there were).
    errors: Mapped[list[Any]] = mapped_column(default=list)
    left_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]


class CensusEntry(Base):
    """A person on the town's list. Purging empties the names and address; the key stays."""

    __tablename__ = "census_entries"
    __table_args__ = (
        UniqueConstraint("town_id", "person_key"),
        Index("ix_census_entries_town_import", "town_id", "import_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"))
    person_key: Mapped[str] = mapped_column(String(64))
    family_name: Mapped[str] = mapped_column(String(200), default="")
    given_names: Mapped[str] = mapped_column(String(200), default="")
    birth_date: Mapped[dt.date]
    address: Mapped[str] = mapped_column(String(300), default="")
    postcode: Mapped[str] = mapped_column(String(20), default="")
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    # The last import that listed this person (people missing from a new import have left).
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("census_imports.id", ondelete="SET NULL")
    )
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    purged_at: Mapped[dt.datetime | None]


class LetterCode(Base):
    """A single-use code mailed to a census entry; only its HMAC is stored (the code itself is
    derived again from the batch and the entry when staff download the letters)."""

    __tablename__ = "letter_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(
        ForeignKey("census_entries.id", ondelete="CASCADE"), index=True
    )
    batch: Mapped[int]
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
    used_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class VerificationClaim(Base):
    """Who a resident says they are, for staff to check (a proof upload, or at the counter).

    Deleted once staff verify it; a refused claim keeps its reason (not its file) until the
    resident sends another or deletes their account."""

    __tablename__ = "verification_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    family_name: Mapped[str] = mapped_column(String(200))
    given_names: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[dt.date]
    address: Mapped[str] = mapped_column(String(300), default="")
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    # pending | refused
    status: Mapped[str] = mapped_column(String(20), default="pending")
    proof_data: Mapped[bytes | None] = mapped_column(LargeBinary)
    proof_type: Mapped[str] = mapped_column(String(100), default="")
    proof_name: Mapped[str] = mapped_column(String(200), default="")
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None]
