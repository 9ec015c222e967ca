"""The results page's figures, from the tallies; who may see them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from parvis.api import Module
from parvis_consultation import question_types, tallies
from parvis_consultation.models import (
    Answer,
    Response,
    Survey,
)
from parvis_consultation.question_types.base import QuestionResult
from parvis_consultation.structure import Structure


@dataclass
class Results:
    total: int
    questions: list[QuestionResult]
    area_id: int | None = None


def _scope(query: Any, module_id: int, area_id: int | None) -> Any:
    query = query.where(Answer.module_id == module_id)
    if area_id is not None:
        query = query.join(Response, Response.id == Answer.response_id).where(
            Response.area_id == area_id
        )
    return query


def _extremes(
    session: Session, structure: Structure, module_id: int, area_id: int | None
) -> dict[int, tuple[Any, Any, Any, Any]]:
    """question id -> (lowest number, highest number, earliest date, latest date)."""
    columns = []
    for q in structure.questions:
        extremes = question_types.get(q.kind).extremes
        if extremes == "number":
            value, only = Answer.number, Answer.number.is_not(None)
        elif extremes == "date":
            # number is NULL for dates: the index then orders the question's entries by date.
            value, only = Answer.date, Answer.number.is_(None) & Answer.date.is_not(None)
        else:
            continue
        for extreme in (func.min, func.max):
            query = _scope(select(extreme(value)), module_id, area_id)
            columns.append(query.where(Answer.question_id == q.id, only).scalar_subquery())
    if not columns:
        return {}
    values = iter(session.execute(select(*columns)).one())
    out = {}
    for q in structure.questions:
        extremes = question_types.get(q.kind).extremes
        if extremes == "number":
            out[q.id] = (next(values), next(values), None, None)
        elif extremes == "date":
            out[q.id] = (None, None, next(values), next(values))
    return out


def compute_results(
    session: Session,
    structure: Structure,
    module_id: int,
    *,
    area_id: int | None = None,
    texts_per_question: int = 20,
    include_hidden: bool = False,
) -> Results:
    """Every figure of the results page in a constant number of queries.

    Counts, respondents and averages come from the running tallies (``tallies.py``), never
    from grouping every answer; minimum and maximum values read one index entry each (a
    scan of the question's answers when filtered by area); texts the latest few per question.
    """
    tallied = tallies.read(session, module_id, area_id)
    total, respondents = tallied.total, tallied.respondents
    stats = {
        qid: (tallied.averages.get(qid), *extremes)
        for qid, extremes in _extremes(session, structure, module_id, area_id).items()
    }
    texts: dict[int, list[tuple[int, str]]] = {}
    text_ids = question_types.with_free_text(structure.questions)
    if text_ids and texts_per_question:
        # The latest few of each question, read backwards along an index (module, question,
        # id): one statement, each part stopping after ``texts_per_question`` rows.
        latest = []
        for qid in text_ids:
            part = _scope(
                select(Answer.id, Answer.question_id, Answer.text), module_id, area_id
            ).where(Answer.question_id == qid, Answer.text.is_not(None))
            if not include_hidden:
                part = part.where(Answer.hidden.is_(False))
            part = part.order_by(Answer.id.desc()).limit(texts_per_question).subquery()
            latest.append(select(part))
        for answer_id, qid, text in session.execute(union_all(*latest)):
            texts.setdefault(qid, []).append((answer_id, text))
        for found in texts.values():
            found.sort(reverse=True)

    results = []
    for q in structure.questions:
        qtype = question_types.get(q.kind)
        qr = QuestionResult(q, respondents=int(respondents.get(q.id, 0)), texts=texts.get(q.id, []))
        if q.id in stats:
            avg, low, high, dlow, dhigh = stats[q.id]
            if qtype.extremes == "date":
                qr.minimum, qr.maximum = dlow, dhigh
            else:
                qr.average = float(avg) if avg is not None else None
                qr.minimum, qr.maximum = low, high
        qtype.results(qr, structure, tallied)
        results.append(qr)
    return Results(total, results, area_id)


def results_visible(module: Module, survey: Survey, *, can_manage: bool, answered: bool) -> bool:
    """Who sees results: managers always; others per the survey's (or poll's) setting."""
    if can_manage:
        return True
    closed = module.phase in ("closed", "decided")
    if module.type == "poll":
        if survey.poll_results == "answered":
            return answered or closed
        return closed
    return survey.results_visibility == "public" and closed
