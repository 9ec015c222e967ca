"""Running counts of a survey's answers (``Tally`` rows), kept in step with every save.

Grouping 100,000 responses' answers takes a second or two per results view; these counts are
a few hundred rows. ``record`` adds a response's contribution (or removes it, with ``sign=-1``)
in the transaction that saves or deletes it, through one upsert whose rows are sorted by key
(concurrent savers lock them in the same order, so they queue rather than deadlock);
``rebuild`` recomputes a module's counts from its answers (migration, bulk loads, tests);
``read`` returns what the results page shows, for one area or all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, literal, select
from sqlalchemy.orm import Session

from parvis_consultation import question_types
from parvis_consultation.models import Answer, Question, Response, Tally

# (area key, kind, question id, row key, option key)
Key = tuple[int, str, int, int, int]
_KEY_COLUMNS = ("module_id", "area_key", "kind", "question_id", "row_key", "option_key")


@dataclass
class Counts:
    """The tallied figures of the results page."""

    total: int = 0
    respondents: dict[int, int] = field(default_factory=dict)
    # (question, matrix row or None, option or None, is other) -> (count, average rank)
    choices: dict[tuple[int, int | None, int | None, bool], tuple[int, float | None]] = field(
        default_factory=dict
    )
    averages: dict[int, float] = field(default_factory=dict)
    scale: dict[tuple[int, float], int] = field(default_factory=dict)


def scale_questions(session: Session, module_id: int) -> set[int]:
    """The module's questions whose every whole number answered is counted (scales)."""
    counted = question_types.keys_where("value_counts")
    return set(
        session.scalars(
            select(Question.id).where(Question.module_id == module_id, Question.kind.in_(counted))
        )
    )


def contribution(
    area_id: int | None, answers: Iterable[Mapping[str, Any]], scale_ids: set[int]
) -> dict[Key, list[float]]:
    """What one response adds: key -> [count, valued, total]."""
    area = area_id or 0
    out: dict[Key, list[float]] = {(area, "total", 0, 0, 0): [1, 0, 0.0]}

    def add(key: Key, value: float | None = None) -> None:
        row = out.setdefault(key, [0, 0, 0.0])
        row[0] += 1
        if value is not None:
            row[1] += 1
            row[2] += value

    questions = set()
    for answer in answers:
        qid, row_key = answer["question_id"], answer.get("row_id") or 0
        questions.add(qid)
        if answer.get("is_other"):
            add((area, "other", qid, row_key, 0))
        elif answer.get("option_id") is not None:
            add((area, "choice", qid, row_key, answer["option_id"]), answer.get("rank"))
        number = answer.get("number")
        if number is not None:
            add((area, "number", qid, 0, 0), number)
            if qid in scale_ids:
                add((area, "scale", qid, 0, int(number)))
    for qid in questions:
        add((area, "respondents", qid, 0, 0))
    return out


def record(
    session: Session,
    module_id: int,
    changes: Iterable[tuple[int, dict[Key, list[float]]]],
) -> None:
    """Apply (sign, contribution) pairs in one upsert."""
    merged: dict[Key, list[float]] = {}
    for sign, part in changes:
        for key, (count, valued, total) in part.items():
            row = merged.setdefault(key, [0, 0, 0.0])
            row[0] += sign * count
            row[1] += sign * valued
            row[2] += sign * total
    rows = [
        dict(zip(_KEY_COLUMNS, (module_id, *key), strict=True))
        | {"count": int(c), "valued": int(v), "total": float(t)}
        for key, (c, v, t) in sorted(merged.items())
        if c or v or t
    ]
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(Tally)
    excluded = statement.excluded
    session.execute(
        statement.on_conflict_do_update(
            index_elements=list(_KEY_COLUMNS),
            set_={
                "count": Tally.count + excluded.count,
                "valued": Tally.valued + excluded.valued,
                "total": Tally.total + excluded.total,
            },
        ),
        rows,
    )


def contributions_of(
    session: Session, module_id: int, response_filter: Any, scale_ids: set[int]
) -> list[tuple[int, dict[Key, list[float]]]]:
    """(-1, contribution) of each response matching ``response_filter``, for removing them."""
    areas = dict(
        session.execute(
            select(Response.id, Response.area_id).where(
                Response.module_id == module_id, response_filter
            )
        ).all()
    )
    if not areas:
        return []
    answers: dict[int, list[dict[str, Any]]] = {rid: [] for rid in areas}
    for row in session.execute(
        select(
            Answer.response_id,
            Answer.question_id,
            Answer.row_id,
            Answer.option_id,
            Answer.is_other,
            Answer.rank,
            Answer.number,
        ).where(Answer.response_id.in_(list(areas)))
    ).mappings():
        answers[row["response_id"]].append(dict(row))
    return [(-1, contribution(areas[rid], answers[rid], scale_ids)) for rid in areas]


def rebuild(session: Session, module_id: int) -> None:
    """Recompute the module's tallies from its responses and answers, in SQL (GROUP BY)."""
    session.execute(delete(Tally).where(Tally.module_id == module_id))
    area = func.coalesce(Response.area_id, 0)
    mine = (Answer.module_id == module_id, Answer.response_id == Response.id)
    zero = literal(0)
    merged: dict[Key, list[float]] = {}
    for key_of, query in (
        (
            lambda r: (r[0], "total", 0, 0, 0),
            select(area, func.count(), zero, zero)
            .where(Response.module_id == module_id)
            .group_by(area),
        ),
        (
            lambda r: (r[0], "respondents", r[1], 0, 0),
            select(
                area,
                Answer.question_id,
                func.count(func.distinct(Answer.response_id)),
                zero,
                zero,
            )
            .where(*mine)
            .group_by(area, Answer.question_id),
        ),
        (
            lambda r: (r[0], "other" if r[4] else "choice", r[1], r[2] or 0, r[3] or 0),
            select(
                area,
                Answer.question_id,
                Answer.row_id,
                Answer.option_id,
                Answer.is_other,
                func.count(),
                func.count(Answer.rank),
                func.sum(Answer.rank),
            )
            .where(*mine, Answer.option_id.is_not(None) | Answer.is_other.is_(True))
            .group_by(
                area,
                Answer.question_id,
                Answer.row_id,
                Answer.option_id,
                Answer.is_other,
            ),
        ),
        (
            lambda r: (r[0], "number", r[1], 0, 0),
            select(
                area,
                Answer.question_id,
                func.count(),
                func.count(),
                func.sum(Answer.number),
            )
            .where(*mine, Answer.number.is_not(None))
            .group_by(area, Answer.question_id),
        ),
        (
            lambda r: (r[0], "scale", r[1], 0, int(r[2])),
            select(area, Answer.question_id, Answer.number, func.count(), zero, zero)
            .join(Question, Question.id == Answer.question_id)
            .where(
                *mine,
                Question.kind.in_(question_types.keys_where("value_counts")),
                Answer.number.is_not(None),
            )
            .group_by(area, Answer.question_id, Answer.number),
        ),
    ):
        for row in session.execute(query):  # every query ends with count, valued, total
            count, valued, total = row[-3:]
            merged[key_of(row)] = [count, valued or 0, float(total or 0)]
    record(session, module_id, [(1, merged)])


def read(session: Session, module_id: int, area_id: int | None) -> Counts:
    query = select(
        Tally.kind,
        Tally.question_id,
        Tally.row_key,
        Tally.option_key,
        func.sum(Tally.count),
        func.sum(Tally.valued),
        func.sum(Tally.total),
    ).where(Tally.module_id == module_id)
    if area_id is not None:
        query = query.where(Tally.area_key == area_id)
    counts = Counts()
    for kind, qid, row_key, option_key, n, valued, total in session.execute(
        query.group_by(Tally.kind, Tally.question_id, Tally.row_key, Tally.option_key)
    ):
        n, valued = int(n or 0), int(valued or 0)
        if kind == "total":
            counts.total = n
        elif kind == "respondents":
            counts.respondents[qid] = n
        elif kind in ("choice", "other"):
            key = (qid, row_key or None, option_key or None, kind == "other")
            counts.choices[key] = (n, total / valued if valued else None)
        elif kind == "number" and valued:
            counts.averages[qid] = total / valued
        elif kind == "scale":
            counts.scale[(qid, float(option_key))] = n
    return counts
