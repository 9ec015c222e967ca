"""Residents' claims (who they say they are), proofs of address, and what staff do with them:
verify at the counter, accept or refuse a proof, move a verification to another account."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from parvis.db import utcnow
from parvis.models import User, Verification
from parvis.spaces.services import InvalidImage, reencode_image
from parvis.verification.models import CensusEntry, VerificationClaim
from parvis.verification.records import (
    TRANSFERRED,
    end_verification,
    person_key,
    verify_user,
)

MAX_PROOF_BYTES = 5 * 1024 * 1024
# Proofs must stay readable: photos of a bill are scaled to this side, not to a thumbnail's.
PROOF_IMAGE_SIDE = 2400


class InvalidProof(ValueError):
    """The file is not an image or a PDF we accept (the view says so beside the field)."""


@dataclass(frozen=True)
class Identity:
    family_name: str
    given_names: str
    birth_date: dt.date
    area_id: int | None
    address: str = ""

    def key(self, secret: str, town_id: int) -> str:
        return person_key(
            secret,
            town_id,
            family_name=self.family_name,
            given_names=self.given_names,
            birth_date=self.birth_date,
        )


def check_proof(data: bytes, filename: str) -> tuple[bytes, str, str]:
    """(stored bytes, content type, file name) of an accepted proof. Images are re-encoded
    (which drops their metadata, e.g. where a photo was taken); a PDF is checked by signature."""
    if not data:
        raise InvalidProof("empty")
    if len(data) > MAX_PROOF_BYTES:
        raise InvalidProof("too large")
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise InvalidProof("truncated PDF")
        return data, "application/pdf", "proof.pdf"
    try:
        return reencode_image(data, PROOF_IMAGE_SIDE), "image/jpeg", "proof.jpg"
    except InvalidImage as exc:
        raise InvalidProof(str(exc)) from exc


def claim_of(session: Session, user: User) -> VerificationClaim | None:
    return session.scalar(select(VerificationClaim).where(VerificationClaim.user_id == user.id))


def save_claim(
    session: Session,
    user: User,
    identity: Identity,
    proof: tuple[bytes, str, str] | None = None,
) -> VerificationClaim:
    """Record (or replace) what the user says about themselves, waiting for staff."""
    claim = claim_of(session, user) or VerificationClaim(town_id=user.town_id, user_id=user.id)
    claim.family_name = identity.family_name
    claim.given_names = identity.given_names
    claim.birth_date = identity.birth_date
    claim.area_id = identity.area_id
    claim.address = identity.address
    claim.status = "pending"
    claim.refusal_reason = ""
    claim.decided_at = None
    claim.created_at = utcnow()
    if proof is not None:
        claim.proof_data, claim.proof_type, claim.proof_name = proof
    session.add(claim)
    session.flush()
    return claim


def verify_identity(
    session: Session,
    secret: str,
    user: User,
    identity: Identity,
    method: str,
    expires_at: dt.datetime | None,
) -> Verification:
    """Verify ``user`` as ``identity`` (staff saw the documents); their claim is then deleted."""
    verification = verify_user(
        session,
        user,
        person_key=identity.key(secret, user.town_id),
        method=method,
        area_id=identity.area_id,
        birth_date=identity.birth_date,
        expires_at=expires_at,
    )
    claim = claim_of(session, user)
    if claim is not None:
        session.delete(claim)
        session.flush()
    return verification


def refuse_claim(session: Session, claim: VerificationClaim, reason: str) -> None:
    """The proof is deleted; the reason stays for the resident to read."""
    claim.status = "refused"
    claim.refusal_reason = reason
    claim.proof_data = None
    claim.proof_type = ""
    claim.decided_at = utcnow()
    session.flush()


def transfer(
    session: Session, holder: Verification, to_user: User, expires_at: dt.datetime | None
) -> Verification:
    """Move a person's verification to another account of the town (staff, audited by the
    caller): the holder's ends, the same person is verified on ``to_user``."""
    end_verification(session, holder, TRANSFERRED)
    return verify_user(
        session,
        to_user,
        person_key=holder.person_key,
        method=holder.method,
        area_id=holder.area_id,
        birth_date=holder.birth_date,
        expires_at=expires_at,
    )


def census_match(
    session: Session, secret: str, town_id: int, identity: Identity, postcode: str
) -> CensusEntry | None:
    """The census entry of this identity, if its postcode (when the list has one) agrees."""
    entry = session.scalar(
        select(CensusEntry).where(
            CensusEntry.town_id == town_id,
            CensusEntry.person_key == identity.key(secret, town_id),
            CensusEntry.purged_at.is_(None),
        )
    )
    if entry is None:
        return None
    if entry.postcode and "".join(postcode.split()).upper() != "".join(entry.postcode.split()):
        return None
    return entry


def holder_account(session: Session, user_id: int | None) -> User | None:
    return session.get(User, user_id) if user_id is not None else None


def masked_email(email: str) -> str:
    """Enough of an address for its owner to recognise it, not enough to write to it."""
    local, _, domain = email.partition("@")
    name, _, tld = domain.rpartition(".")
    return f"{local[:1]}•••@{name[:1]}•••.{tld}" if name else f"{local[:1]}•••"
