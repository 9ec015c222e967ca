"""Verification records: the live one of a user, verifying, ending, and person keys.

A person key is an HMAC of the normalised identity (family name, given names, birth date) with a
key derived per town from the deployment's secret: stable for one person in one town, useless
to anyone without the secret, and different between towns.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parvis import versions
from parvis.db import utcnow
from parvis.models import User, Verification
from parvis.verification.models import CensusEntry

# Why a verification ended (``Verification.end_reason``).
REPLACED = "replaced"
REVOKED = "revoked"
MOVED = "moved"
LEFT_CENSUS = "left_census"
TRANSFERRED = "transferred"
ACCOUNT_DELETED = "account_deleted"
EXPIRED = "expired"


class PersonAlreadyVerified(Exception):
    """Another live account of the town already holds this person key."""

    def __init__(self, holder_user_id: int | None) -> None:
        super().__init__(f"person already verified on account {holder_user_id}")
        self.holder_user_id = holder_user_id


def live_condition(now: dt.datetime | ColumnElement[Any] | None = None) -> ColumnElement[bool]:
    """SQL condition for live verifications (not ended, not expired); ``now`` may be a bound
    parameter, in a statement built once."""
    if now is None:
        now = utcnow()
    return and_(
        Verification.ended_at.is_(None),
        or_(Verification.expires_at.is_(None), Verification.expires_at > now),
    )


def verification_of(session: Session, user: User | None) -> Verification | None:
    """The user's live verification, or None."""
    if user is None or user.id is None:
        return None
    # The request's own user: read with the session, unless this unit of work wrote since.
    found, verification = versions.preloaded(session, Verification.__tablename__, user.id)
    if found:
        return verification  # type: ignore[no-any-return]
    return session.scalar(
        select(Verification).where(Verification.user_id == user.id, live_condition())
    )


@dataclass(frozen=True)
class CensusIdentity:
    """A person as the town's census list names them (what a polling station checks)."""

    family_name: str
    given_names: str
    birth_date: dt.date


def census_identities(
    session: Session, town_id: int, person_keys: Iterable[str]
) -> dict[str, CensusIdentity]:
    """The census identity of each person key found on the town's list (and not purged);
    keys verified without a census entry are missing from the answer."""
    keys = sorted(set(person_keys))
    found: dict[str, CensusIdentity] = {}
    for start in range(0, len(keys), 1000):  # bounded IN lists
        rows = session.execute(
            select(
                CensusEntry.person_key,
                CensusEntry.family_name,
                CensusEntry.given_names,
                CensusEntry.birth_date,
            ).where(
                CensusEntry.town_id == town_id,
                CensusEntry.purged_at.is_(None),
                CensusEntry.person_key.in_(keys[start : start + 1000]),
            )
        )
        for key, family, given, born in rows:
            found[key] = CensusIdentity(family, given, born)
    return found


def census_names(town_id: int) -> Subquery:
    """The town's census list (not purged) as a subquery with the columns ``person_key``,
    ``family_name``, ``given_names`` and ``birth_date``, to outer-join by person key in a
    statement that orders by name and is read as a stream: a list too long to hold in memory
    (``census_identities`` reads the identities of keys already in hand)."""
    return (
        select(
            CensusEntry.person_key,
            CensusEntry.family_name,
            CensusEntry.given_names,
            CensusEntry.birth_date,
        )
        .where(CensusEntry.town_id == town_id, CensusEntry.purged_at.is_(None))
        .subquery("census_names")
    )


def latest_verification(session: Session, user: User) -> Verification | None:
    """The user's most recent verification, live or not (to say when it expired or ended)."""
    return session.scalar(
        select(Verification)
        .where(Verification.user_id == user.id)
        .order_by(Verification.verified_at.desc(), Verification.id.desc())
        .limit(1)
    )


def normalise(value: str) -> str:
    """Case, accents, hyphens and spacing do not make another person ("Lefèvre-Dupont  Ana"
    and "LEFEVRE DUPONT ana" are one)."""
    decomposed = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^0-9a-z]+", " ", plain).split())


def person_key(
    secret_key: str,
    town_id: int,
    *,
    family_name: str,
    given_names: str,
    birth_date: dt.date,
) -> str:
    """The person key (64 hex chars) of an identity in a town."""
    town_key = hmac.new(
        secret_key.encode(), f"parvis-person-key:{town_id}".encode(), hashlib.sha256
    ).digest()
    identity = "|".join((normalise(family_name), normalise(given_names), birth_date.isoformat()))
    return hmac.new(town_key, identity.encode(), hashlib.sha256).hexdigest()


def end_verification(
    session: Session, verification: Verification, reason: str, *, now: dt.datetime | None = None
) -> None:
    verification.ended_at = now or utcnow()
    verification.end_reason = reason
    session.flush()


def end_user_verification(session: Session, user: User, reason: str) -> Verification | None:
    """End the user's live verification, if any; returns it."""
    current = verification_of(session, user)
    if current is not None:
        end_verification(session, current, reason)
    return current


def _end_expired(session: Session, town_id: int, user_id: int, key: str) -> None:
    """Expired rows still count in the partial unique indexes: close them first."""
    now = utcnow()
    session.execute(
        update(Verification)
        .where(
            Verification.town_id == town_id,
            or_(Verification.user_id == user_id, Verification.person_key == key),
            Verification.ended_at.is_(None),
            Verification.expires_at.is_not(None),
            Verification.expires_at <= now,
        )
        .values(ended_at=now, end_reason=EXPIRED)
        .execution_options(synchronize_session="fetch")
    )


def _holder(session: Session, town_id: int, key: str) -> Verification | None:
    return session.scalar(
        select(Verification).where(
            Verification.town_id == town_id,
            Verification.person_key == key,
            Verification.ended_at.is_(None),
        )
    )


def verify_user(
    session: Session,
    user: User,
    *,
    person_key: str,
    method: str,
    area_id: int | None,
    birth_date: dt.date | None,
    expires_at: dt.datetime | None = None,
) -> Verification:
    """Verify ``user`` as the person ``person_key``, ending their previous verification.

    Raises ``PersonAlreadyVerified`` when another account of the town holds the person key."""
    if len(person_key) != 64:
        raise ValueError("a person key is 64 hex characters")
    _end_expired(session, user.town_id, user.id, person_key)
    holder = _holder(session, user.town_id, person_key)
    if holder is not None and holder.user_id != user.id:
        raise PersonAlreadyVerified(holder.user_id)
    now = utcnow()
    previous = verification_of(session, user)
    try:
        # A savepoint: a concurrent verification of the same person must fail cleanly here,
        # not poison the caller's transaction.
        with session.begin_nested():
            if previous is not None:
                previous.ended_at = now
                previous.end_reason = REPLACED
                session.flush()
            record = Verification(
                town_id=user.town_id,
                user_id=user.id,
                person_key=person_key,
                area_id=area_id,
                birth_date=birth_date,
                method=method,
                verified_at=now,
                expires_at=expires_at,
            )
            session.add(record)
            session.flush()
    except IntegrityError:
        holder = _holder(session, user.town_id, person_key)
        raise PersonAlreadyVerified(holder.user_id if holder else None) from None
    return record


def export_verifications(session: Session, user: User) -> list[dict[str, Any]]:
    """The user's verifications for the GDPR export (the person key included: it is theirs)."""
    rows = session.scalars(
        select(Verification).where(Verification.user_id == user.id).order_by(Verification.id)
    )
    return [
        {
            "method": v.method,
            "person_key": v.person_key,
            "area_id": v.area_id,
            "birth_date": v.birth_date.isoformat() if v.birth_date else None,
            "verified_at": v.verified_at.isoformat(),
            "expires_at": v.expires_at.isoformat() if v.expires_at else None,
            "ended_at": v.ended_at.isoformat() if v.ended_at else None,
            "end_reason": v.end_reason,
        }
        for v in rows
    ]


def forget_user(session: Session, user: User) -> None:
    """Before an account is deleted: its verifications end and keep only the person key's
    history (key, method, dates, neighbourhood); the birth date goes with the account."""
    now = utcnow()
    session.execute(
        update(Verification)
        .where(Verification.user_id == user.id, Verification.ended_at.is_(None))
        .values(ended_at=now, end_reason=ACCOUNT_DELETED)
        .execution_options(synchronize_session="fetch")
    )
    session.execute(
        update(Verification)
        .where(Verification.user_id == user.id)
        .values(user_id=None, birth_date=None)
        .execution_options(synchronize_session="fetch")
    )
