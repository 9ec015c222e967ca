"""The CSV export (one row a response) and the open-data summary (counts only)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parvis.api import Area, Module
from parvis_consultation import question_types
from parvis_consultation.models import Answer, Response
from parvis_consultation.question_types.base import Stored
from parvis_consultation.results import Results
from parvis_consultation.structure import Structure


def csv_columns(structure: Structure) -> list[tuple[str, int, int | None]]:
    """(header, question id, matrix row id) per CSV column after the fixed ones."""
    return [
        (header, q.id, row_id)
        for q in structure.questions
        for header, row_id in question_types.get(q.kind).csv_columns(q, structure)
    ]


def export_csv(
    session: Session, structure: Structure, module_id: int, rows_per_chunk: int = 500
) -> Iterator[str]:
    """One row a response, one column a question (matrix: one per row); UTF-8 with BOM.

    Yields the text in chunks of ``rows_per_chunk`` rows, reading responses and answers as
    one stream ordered by response: memory stays flat however many responses there are.
    """
    columns = csv_columns(structure)
    index = {(qid, row_id): i for i, (_h, qid, row_id) in enumerate(columns)}
    by_id = structure.by_id
    labels = {o.id: o.label for opts in structure.choices.values() for o in opts}
    area_names = dict(session.execute(select(Area.id, Area.name)).all())
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["response", "submitted_at", "area", *[c[0] for c in columns]])
    stream = session.execute(
        select(
            Response.id,
            Response.updated_at,
            Response.area_id,
            Answer.question_id,
            Answer.row_id,
            Answer.option_id,
            Answer.is_other,
            Answer.text,
            Answer.number,
            Answer.date,
        )
        .outerjoin(Answer, Answer.response_id == Response.id)
        .where(Response.module_id == module_id)
        .order_by(Response.id, Answer.question_id, Answer.rank, Answer.id)
        .execution_options(yield_per=2000)
    )
    current: tuple[int, Any, Any] | None = None
    cells: list[list[str]] = []
    written = 0

    def flush_row() -> None:
        assert current is not None
        rid, updated_at, area_id = current
        writer.writerow(
            [
                rid,
                updated_at.isoformat(timespec="seconds") if updated_at else "",
                area_names.get(area_id, ""),
                *["; ".join(c) for c in cells],
            ]
        )

    for (
        rid,
        updated_at,
        area_id,
        qid,
        row_id,
        option_id,
        is_other,
        text,
        number,
        day,
    ) in stream:
        if current is None or current[0] != rid:
            if current is not None:
                flush_row()
                written += 1
                if written % rows_per_chunk == 0:
                    yield out.getvalue()
                    out.seek(0)
                    out.truncate()
            current, cells = (rid, updated_at, area_id), [[] for _c in columns]
        q = by_id.get(qid) if qid is not None else None
        if q is None:
            continue
        qtype = question_types.get(q.kind)
        col = index.get((qid, row_id if qtype.rows else None))
        if col is None:
            continue
        stored = Stored(option_id, row_id, bool(is_other), text, number, day)
        cells[col].append(qtype.csv_cell(stored, labels))
    if current is not None:
        flush_row()
    yield out.getvalue()


def open_data(module: Module, structure: Structure, results: Results) -> dict[str, Any]:
    """Counts only: no personal data, no free text."""
    questions = []
    for qr in results.questions:
        q = qr.question
        item: dict[str, Any] = {
            "id": q.id,
            "kind": q.kind,
            "label": q.label,
            "respondents": qr.respondents,
        }
        item |= question_types.get(q.kind).open_data(qr)
        questions.append(item)
    return {
        "module": {"id": module.id, "title": module.title, "type": module.type},
        "phase": module.phase,
        "responses": results.total,
        "questions": questions,
    }
