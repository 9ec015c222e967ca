"""Tables of the election plugin, all prefixed ``election_``.

Secrecy is a property of the schema: ``election_participations`` says who voted (person key,
election, constituency, time) and ``election_ballots`` what was voted (constituency, choices),
with no shared key, no person or user column, no time and a random id on the ballot
(``tests/test_election_secrecy.py`` fails if a ballot column could link back to a person).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parvis.api import Base, utcnow

# Tables whose writes need not bump core's content version (see Participation).
UNSEEN = {"parvis_unseen": True}
CANDIDACY_STATUSES = ("submitted", "accepted", "refused", "withdrawn")


def random_id() -> str:
    return secrets.token_hex(16)


class Constituency(Base):
    """A neighbourhood electing a number of seats in an election (a module of type election)."""

    __tablename__ = "election_constituencies"
    __table_args__ = (UniqueConstraint("module_id", "area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id"))
    seats: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    # The eligible electorate frozen when online voting closed (turnout is measured against it;
    # verifications and moves afterwards change nothing), and the moment it is counted at.
    electorate: Mapped[int | None]
    electorate_at: Mapped[dt.datetime | None]


class Candidacy(Base):
    """A resident standing in a constituency; public once accepted and the campaign opens."""

    __tablename__ = "election_candidacies"
    __table_args__ = (
        UniqueConstraint("module_id", "person_key"),
        Index("ix_election_candidacies_constituency_status", "constituency_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    constituency_id: Mapped[int] = mapped_column(
        ForeignKey("election_constituencies.id", ondelete="CASCADE")
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # One candidacy per person in an election, whatever their accounts.
    person_key: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    statement: Mapped[str] = mapped_column(Text, default="")
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("uploads.id", ondelete="SET NULL"))
    gender: Mapped[str | None] = mapped_column(String(1))
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    # Shown to the candidate when staff refuse the candidacy.
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reviewed_at: Mapped[dt.datetime | None]


class Participation(Base):
    """Who voted: one row per person and election (the unique key stops a second ballot)."""

    __tablename__ = "election_participations"
    # Unseen by core's content version: anonymous pages show at most the number of voters (home
    # and space cards), which the ETag's one-minute clock refreshes anyway; a bump per ballot
    # would make every vote update the town's row (see parvis/versions.py).
    __table_args__ = (UniqueConstraint("module_id", "person_key"), {"info": UNSEEN})

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    constituency_id: Mapped[int] = mapped_column(
        ForeignKey("election_constituencies.id", ondelete="CASCADE"), index=True
    )
    person_key: Mapped[str] = mapped_column(String(64))
    voted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Ballot(Base):
    """What was voted, and nothing else: no person, no time, a random id."""

    __tablename__ = "election_ballots"
    __table_args__ = {"info": UNSEEN}

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    constituency_id: Mapped[int] = mapped_column(
        ForeignKey("election_constituencies.id", ondelete="CASCADE"), index=True
    )
    # Candidacy ids separated by spaces; for STV in order of preference.
    choices: Mapped[str] = mapped_column(Text)


class PaperEntry(Base):
    """One staff member's entry of a polling station's paper ballots (double entry: two different
    people must enter the same ballots before they count)."""

    __tablename__ = "election_paper_entries"
    __table_args__ = (UniqueConstraint("constituency_id", "station", "entered_by"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    constituency_id: Mapped[int] = mapped_column(
        ForeignKey("election_constituencies.id", ondelete="CASCADE"), index=True
    )
    station: Mapped[str] = mapped_column(String(100))
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Signatures on the station's sign-in list (people who voted on paper).
    signatures: Mapped[int]
    # One ballot per line, candidacy ids separated by spaces, lines sorted (order is not data).
    ballots: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Result(Base):
    """A constituency's count, kept as computed (published when the election's phase says so)."""

    __tablename__ = "election_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    constituency_id: Mapped[int] = mapped_column(
        ForeignKey("election_constituencies.id", ondelete="CASCADE"), unique=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    counted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
