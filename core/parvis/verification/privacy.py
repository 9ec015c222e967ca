"""Personal data of verification: the GDPR export of an account, purging the census list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from parvis.db import utcnow
from parvis.models import User, Verification
from parvis.verification.claims import claim_of
from parvis.verification.models import CensusEntry, LetterCode
from parvis.verification.records import export_verifications


def export(session: Session, user: User) -> dict[str, Any]:
    """The account's verifications, its claim, and the census entry of its verified person."""
    keys = session.scalars(
        select(Verification.person_key).where(Verification.user_id == user.id).distinct()
    ).all()
    entries = session.scalars(
        select(CensusEntry).where(
            CensusEntry.town_id == user.town_id, CensusEntry.person_key.in_(keys)
        )
    ).all()
    claim = claim_of(session, user)
    used_codes = session.scalars(
        select(LetterCode.used_at).where(LetterCode.used_by == user.id)
    ).all()
    return {
        "verifications": export_verifications(session, user),
        "census_entries": [
            {
                "family_name": e.family_name,
                "given_names": e.given_names,
                "birth_date": e.birth_date.isoformat(),
                "address": e.address,
                "postcode": e.postcode,
                "area_id": e.area_id,
                "updated_at": e.updated_at.isoformat(),
                "purged_at": e.purged_at.isoformat() if e.purged_at else None,
            }
            for e in entries
        ],
        "claim": None
        if claim is None
        else {
            "family_name": claim.family_name,
            "given_names": claim.given_names,
            "birth_date": claim.birth_date.isoformat(),
            "address": claim.address,
            "area_id": claim.area_id,
            "status": claim.status,
            "proof_kept": claim.proof_data is not None,
            "refusal_reason": claim.refusal_reason,
            "created_at": claim.created_at.isoformat(),
        },
        "letter_codes_used_at": [used.isoformat() for used in used_codes if used],
    }


def purge_census(session: Session, town_id: int) -> int:
    """Empty the names and addresses of the town's list; person keys, birth dates and
    neighbourhoods stay (letters already sent still work, re-imports still compare)."""
    result = session.execute(
        update(CensusEntry)
        .where(CensusEntry.town_id == town_id, CensusEntry.purged_at.is_(None))
        .values(family_name="", given_names="", address="", postcode="", purged_at=utcnow())
    )
    return int(result.rowcount or 0)
