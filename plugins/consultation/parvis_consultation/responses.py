"""Saving a response (one per respondent, tallies kept in step), reading it back; drafts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parvis.api import Context, utcnow
from parvis_consultation import question_types, tallies
from parvis_consultation.answers import FIELD_RE
from parvis_consultation.models import (
    Answer,
    Draft,
    Response,
)
from parvis_consultation.question_types.base import Stored
from parvis_consultation.structure import Structure

TOKEN_KEY = "consultation_token"  # the session key of a browser's random respondent token
DRAFT_MAX_VALUES = 500  # values kept per draft
DRAFT_MAX_AGE = dt.timedelta(days=30)


def save_response(
    session: Session,
    module_id: int,
    rows: Iterable[dict[str, Any]],
    *,
    user_id: int | None = None,
    token_hash: str | None = None,
    area_id: int | None = None,
) -> tuple[int, bool]:
    """Create or replace the respondent's response; returns (response id, created).

    The unique constraints on (module, user) and (module, token hash) make a concurrent second
    insert fail; it then falls back to the row that won. The response row is locked (UPDATE)
    before its answers are replaced, so concurrent edits never mix two sets of answers.
    """
    assert user_id is not None or token_hash is not None
    owner = (
        Response.user_id == user_id if user_id is not None else Response.token_hash == token_hash
    )
    now = utcnow()
    response_id = session.scalar(select(Response.id).where(Response.module_id == module_id, owner))
    created = False
    if response_id is None:
        try:
            with session.begin_nested():
                response = Response(
                    module_id=module_id,
                    user_id=user_id,
                    token_hash=token_hash,
                    area_id=area_id,
                    created_at=now,
                    updated_at=now,
                )
                session.add(response)
                session.flush()
                response_id = response.id
                created = True
        except IntegrityError:
            response_id = session.scalar(
                select(Response.id).where(Response.module_id == module_id, owner)
            )
            if response_id is None:  # pragma: no cover - the winner rolled back
                raise
    scale_ids = tallies.scale_questions(session, module_id)
    changes = []
    if not created:
        # Lock the response row first (UPDATE), so the answers and area read next are the
        # ones this transaction replaces: their contribution leaves the tallies.
        mine = Response.id == response_id
        session.execute(update(Response).where(mine).values(updated_at=now))
        changes = tallies.contributions_of(session, module_id, mine, scale_ids)
        session.execute(update(Response).where(mine).values(area_id=area_id))
        session.execute(delete(Answer).where(Answer.response_id == response_id))
    payload = [
        {
            "response_id": response_id,
            "module_id": module_id,
            "option_id": None,
            "row_id": None,
            "is_other": False,
            "text": None,
            "number": None,
            "date": None,
            "rank": None,
            "hidden": False,
            **row,
        }
        for row in rows
    ]
    if payload:
        session.execute(insert(Answer), payload)
    changes.append((1, tallies.contribution(area_id, payload, scale_ids)))
    tallies.record(session, module_id, changes)
    return response_id, created


def response_of(
    session: Session, module_id: int, *, user_id: int | None, token_hash: str | None
) -> Response | None:
    if user_id is not None:
        cond = Response.user_id == user_id
    elif token_hash is not None:
        cond = Response.token_hash == token_hash
    else:
        return None
    return session.scalar(select(Response).where(Response.module_id == module_id, cond))


def values_of_response(
    session: Session, structure: Structure, response_id: int
) -> dict[str, list[str]]:
    """The stored answers as form values, to pre-fill the form when editing."""
    stored: dict[int, list[Stored]] = {}
    for a in session.scalars(
        select(Answer).where(Answer.response_id == response_id).order_by(Answer.id)
    ):
        stored.setdefault(a.question_id, []).append(
            Stored(a.option_id, a.row_id, a.is_other, a.text, a.number, a.date, a.rank)
        )
    values: dict[str, list[str]] = {}
    for question in structure.questions:
        if question.id in stored:
            qtype = question_types.get(question.kind)
            values |= qtype.form_values(question, stored[question.id])
    return values


def draft_values(structure: Structure, values: dict[str, list[str]]) -> dict[str, list[str]]:
    """What a draft may keep of a POST: the fields of this survey's questions only (and their
    known sub-fields), each value cut to a sane length, a bounded number of values."""
    kept: dict[str, list[str]] = {}
    count = 0
    by_id = structure.by_id
    for key, items in values.items():
        match = FIELD_RE.match(key)
        question = by_id.get(int(match.group(1))) if match and len(match.group(1)) < 10 else None
        if question is None:
            continue
        qtype = question_types.get(question.kind)
        sub = match.group(2) if match else None
        if sub and not qtype.known_subfield(structure, question, sub):
            continue
        limit = qtype.draft_limit(sub)
        cut = [v[:limit] for v in items[: qtype.values_per_field(structure, question)]]
        cut = cut[: max(0, DRAFT_MAX_VALUES - count)]
        if cut:
            kept[key] = cut
            count += len(cut)
    return kept


def save_draft(
    session: Session,
    module_id: int,
    owner: str,
    values: dict[str, list[str]],
    user_id: int | None = None,
) -> None:
    """Store the draft (already cleaned by ``draft_values``); drafts untouched for 30 days are
    purged on the way (one DELETE)."""
    session.execute(delete(Draft).where(Draft.updated_at < utcnow() - DRAFT_MAX_AGE))
    draft = session.scalar(select(Draft).where(Draft.module_id == module_id, Draft.owner == owner))
    if draft is None:
        session.add(Draft(module_id=module_id, owner=owner, user_id=user_id, data=values))
    else:
        draft.data = values
        draft.updated_at = utcnow()
    session.flush()


def load_draft(session: Session, module_id: int, owners: list[str]) -> Draft | None:
    if not owners:
        return None
    return session.scalar(
        select(Draft)
        .where(Draft.module_id == module_id, Draft.owner.in_(owners))
        .order_by(Draft.updated_at.desc())
        .limit(1)
    )


def drop_drafts(session: Session, module_id: int, owners: list[str]) -> None:
    if owners:
        session.execute(delete(Draft).where(Draft.module_id == module_id, Draft.owner.in_(owners)))


def respondent_hash(ctx: Context, token: str) -> str:
    """What is stored of an answer sent without an account: an HMAC of the browser's random
    token with the deployment's secret (the token itself stays in the visitor's session)."""
    return str(ctx.sign("consultation.respondent", token))
