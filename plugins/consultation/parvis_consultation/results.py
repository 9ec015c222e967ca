"""The results page's figures, from the tallies; who may see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from parvis.api import Module
from parvis_consultation import tallies
from parvis_consultation.i18n import _
from parvis_consultation.models import (
    DATE,
    MATRIX,
    MULTIPLE,
    NUMBER,
    RANKING,
    SCALE,
    SINGLE,
    TEXT_KINDS,
    Answer,
    Question,
    Response,
    Survey,
)
from parvis_consultation.structure import Structure


@dataclass
class Bar:
    label: str
    count: int
    share: float  # 0..1 of the question's respondents
    avg_rank: float | None = None


@dataclass
class QuestionResult:
    question: Question
    respondents: int = 0
    bars: list[Bar] = field(default_factory=list)
    # Matrix: (row label, bars) per row.
    matrix: list[tuple[str, list[Bar]]] = field(default_factory=list)
    average: float | None = None
    minimum: Any = None
    maximum: Any = None
    texts: list[tuple[int, str]] = field(default_factory=list)


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
        if q.kind in (NUMBER, SCALE):
            value, only = Answer.number, Answer.number.is_not(None)
        elif q.kind == DATE:
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
        if q.kind in (NUMBER, SCALE):
            out[q.id] = (next(values), next(values), None, None)
        elif q.kind == DATE:
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
    total, respondents, counts = tallied.total, tallied.respondents, tallied.choices
    scale_counts = tallied.scale
    stats = {
        qid: (tallied.averages.get(qid), *extremes)
        for qid, extremes in _extremes(session, structure, module_id, area_id).items()
    }
    texts: dict[int, list[tuple[int, str]]] = {}
    text_ids = [q.id for q in structure.questions if q.kind in TEXT_KINDS or q.allow_other]
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
        n = int(respondents.get(q.id, 0))
        qr = QuestionResult(q, respondents=n, texts=texts.get(q.id, []))

        def share(count: int, base: int) -> float:
            return count / base if base else 0.0

        if q.kind in (SINGLE, MULTIPLE, RANKING):
            for option in structure.choices[q.id]:
                c, avg_rank = counts.get((q.id, None, option.id, False), (0, None))
                qr.bars.append(
                    Bar(
                        option.label,
                        c,
                        share(c, n),
                        float(avg_rank) if avg_rank else None,
                    )
                )
            if q.allow_other and q.kind != RANKING:
                c, _r = counts.get((q.id, None, None, True), (0, None))
                qr.bars.append(Bar(_("Other"), c, share(c, n)))
        elif q.kind == MATRIX:
            for row in structure.rows[q.id]:
                row_counts = [
                    counts.get((q.id, row.id, option.id, False), (0, None))[0]
                    for option in structure.choices[q.id]
                ]
                base = sum(row_counts)
                qr.matrix.append(
                    (
                        row.label,
                        [
                            Bar(option.label, c, share(c, base))
                            for option, c in zip(structure.choices[q.id], row_counts, strict=True)
                        ],
                    )
                )
        elif q.kind == SCALE:
            for value in range(1, q.scale_max + 1):
                c = scale_counts.get((q.id, float(value)), 0)
                label = str(value)
                if value == 1 and q.low_label:
                    label = f"1 \u2013 {q.low_label}"
                elif value == q.scale_max and q.high_label:
                    label = f"{value} \u2013 {q.high_label}"
                qr.bars.append(Bar(label, c, share(c, n)))
        if q.id in stats:
            avg, low, high, dlow, dhigh = stats[q.id]
            if q.kind == DATE:
                qr.minimum, qr.maximum = dlow, dhigh
            else:
                qr.average = float(avg) if avg is not None else None
                qr.minimum, qr.maximum = low, high
        if q.kind == RANKING:
            qr.bars.sort(key=lambda b: (b.avg_rank is None, b.avg_rank or 0))
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
