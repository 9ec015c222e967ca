"""Letter codes: one single-use code per census entry, mailed by the town hall; a resident who
enters it with their date of birth is verified as that entry."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from parvis.db import utcnow
from parvis.models import Area, User, Verification
from parvis.verification.methods import LETTER
from parvis.verification.models import CensusEntry, LetterCode
from parvis.verification.records import live_condition, verify_user

# No 0/O, 1/I/L: a code is read from paper and typed by hand.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


class LetterRefused(Exception):
    """The code cannot verify this account; ``reason`` is one of the constants below."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


NO_MATCH = "no_match"
USED = "used"
EXPIRED = "expired"


def code_for(secret: str, town_id: int, batch: int, entry_id: int) -> str:
    """The code of an entry in a batch, derived again whenever staff download the letters."""
    digest = hmac.new(
        secret.encode(), f"letter-code:{town_id}:{batch}:{entry_id}".encode(), hashlib.sha256
    ).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def display_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def normalise_code(raw: str) -> str:
    return "".join(c for c in raw.upper() if c.isalnum())


def code_hash(secret: str, code: str) -> str:
    return hmac.new(secret.encode(), f"letter-hash:{code}".encode(), hashlib.sha256).hexdigest()


def generate(session: Session, secret: str, town_id: int, valid_days: int) -> tuple[int, int]:
    """A new batch: a code for every listed person who has no verification and no valid unused
    code yet. Returns (batch number, codes made)."""
    now = utcnow()
    batch = (
        session.scalar(select(func.max(LetterCode.batch)).where(LetterCode.town_id == town_id)) or 0
    ) + 1
    has_code = select(LetterCode.entry_id).where(
        LetterCode.town_id == town_id, LetterCode.used_at.is_(None), LetterCode.expires_at > now
    )
    verified = select(Verification.person_key).where(
        Verification.town_id == town_id, live_condition(now)
    )
    entry_ids = session.scalars(
        select(CensusEntry.id)
        .where(
            CensusEntry.town_id == town_id,
            CensusEntry.purged_at.is_(None),
            CensusEntry.id.not_in(has_code),
            CensusEntry.person_key.not_in(verified),
        )
        .order_by(CensusEntry.id)
    ).all()
    expires = now + dt.timedelta(days=valid_days)
    rows = [
        {
            "town_id": town_id,
            "entry_id": entry_id,
            "batch": batch,
            "code_hash": code_hash(secret, code_for(secret, town_id, batch, entry_id)),
            "created_at": now,
            "expires_at": expires,
        }
        for entry_id in entry_ids
    ]
    for start in range(0, len(rows), 1000):
        session.execute(insert(LetterCode), rows[start : start + 1000])
    return batch, len(rows)


@dataclass(frozen=True)
class Letter:
    family_name: str
    given_names: str
    address: str
    postcode: str
    area: str
    code: str
    expires_at: dt.datetime


def letters(
    session: Session,
    secret: str,
    town_id: int,
    batch: int,
    *,
    offset: int = 0,
    limit: int | None = None,
) -> Iterator[Letter]:
    """The letters of a batch (unused codes only), in a stable order, read in chunks."""
    query = (
        select(LetterCode, CensusEntry, Area.name)
        .join(CensusEntry, CensusEntry.id == LetterCode.entry_id)
        .outerjoin(Area, Area.id == CensusEntry.area_id)
        .where(
            LetterCode.town_id == town_id, LetterCode.batch == batch, LetterCode.used_at.is_(None)
        )
        .order_by(CensusEntry.postcode, CensusEntry.family_name, LetterCode.id)
        .offset(offset)
        .limit(limit)
        .execution_options(yield_per=1000)
    )
    for code, entry, area in session.execute(query):
        yield Letter(
            entry.family_name,
            entry.given_names,
            entry.address,
            entry.postcode,
            area or "",
            display_code(code_for(secret, town_id, batch, entry.id)),
            code.expires_at,
        )


def batches(session: Session, town_id: int) -> list[tuple[int, int, int, dt.datetime]]:
    """(batch, codes, used, expires at) of the town's batches, newest first."""
    rows = session.execute(
        select(
            LetterCode.batch,
            func.count(LetterCode.id),
            func.count(LetterCode.used_at),
            func.max(LetterCode.expires_at),
        )
        .where(LetterCode.town_id == town_id)
        .group_by(LetterCode.batch)
        .order_by(LetterCode.batch.desc())
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


def redeem(
    session: Session,
    secret: str,
    user: User,
    raw_code: str,
    birth_date: dt.date,
    expires_at: dt.datetime | None,
) -> Verification:
    """Verify ``user`` as the code's person. The code is spent only if the verification is made
    (a savepoint undoes both), and only once even when two requests race."""
    code = normalise_code(raw_code)
    found = session.execute(
        select(LetterCode, CensusEntry)
        .join(CensusEntry, CensusEntry.id == LetterCode.entry_id)
        .where(LetterCode.town_id == user.town_id, LetterCode.code_hash == code_hash(secret, code))
    ).first()
    # Used or expired is told only to who also knows the date of birth.
    if found is None or found[1].birth_date != birth_date:
        raise LetterRefused(NO_MATCH)
    letter, entry = found
    now = utcnow()
    if letter.used_at is not None:
        raise LetterRefused(USED)
    if letter.expires_at <= now:
        raise LetterRefused(EXPIRED)
    with session.begin_nested():
        spent = session.execute(
            update(LetterCode)
            .where(LetterCode.id == letter.id, LetterCode.used_at.is_(None))
            .values(used_at=now, used_by=user.id)
        )
        if not spent.rowcount:
            raise LetterRefused(USED)
        return verify_user(
            session,
            user,
            person_key=entry.person_key,
            method=LETTER,
            area_id=entry.area_id,
            birth_date=entry.birth_date,
            expires_at=expires_at,
        )
