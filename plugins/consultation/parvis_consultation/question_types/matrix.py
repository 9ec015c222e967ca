"""Table: rows, each answered with one of the columns; a chart per row."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from parvis.api import parse_int
from parvis_consultation.i18n import _, _l
from parvis_consultation.question_types.base import (
    Bar,
    Parsed,
    QuestionResult,
    QuestionType,
    Values,
    one,
    required,
    share,
)

if TYPE_CHECKING:
    from parvis_consultation.models import Question
    from parvis_consultation.structure import Structure
    from parvis_consultation.tallies import Counts


class Matrix(QuestionType):
    key, label, order = "matrix", _l("Table (rows \u00d7 one choice)"), 80
    template = "consultation/questions/matrix.html"
    results_template = "consultation/results/_matrix.html"
    options = rows = True

    def parse(
        self, q: Question, structure: Structure, values: Values, parsed: Parsed
    ) -> str | None:
        key = f"q{q.id}"
        choice_ids = {o.id for o in structure.choices[q.id]}
        known = {f"{key}_r{r.id}" for r in structure.rows[q.id]}
        if any(k.startswith(f"{key}_r") and k not in known for k in values):
            return _("This choice is not offered; choose among the options shown.")
        done: list[dict[str, Any]] = []
        for row in structure.rows[q.id]:
            value = one(values, f"{key}_r{row.id}")
            if not value:
                continue
            option_id = parse_int(value)
            if option_id is None or option_id not in choice_ids:
                return _("This choice is not offered; choose among the options shown.")
            done.append({"question_id": q.id, "row_id": row.id, "option_id": option_id})
        if not done:
            return required(q)
        if q.required and len(done) != len(structure.rows[q.id]):
            return _("Answer every line of the table.")
        parsed.rows.extend(done)
        return None

    def known_subfield(self, structure: Structure, q: Question, sub: str) -> bool:
        return sub[0] == "r" and parse_int(sub[1:]) in {r.id for r in structure.rows[q.id]}

    def results(self, qr: QuestionResult, structure: Structure, counts: Counts) -> None:
        q, columns = qr.question, structure.choices[qr.question.id]
        for row in structure.rows[q.id]:
            row_counts = [
                counts.choices.get((q.id, row.id, option.id, False), (0, None))[0]
                for option in columns
            ]
            base = sum(row_counts)
            bars = [
                Bar(option.label, c, share(c, base))
                for option, c in zip(columns, row_counts, strict=True)
            ]
            qr.matrix.append((row.label, bars))

    def csv_columns(self, q: Question, structure: Structure) -> list[tuple[str, int | None]]:
        return [(f"{q.label} — {row.label}", row.id) for row in structure.rows[q.id]]

    def open_data(self, qr: QuestionResult) -> dict[str, Any]:
        return {
            "rows": [
                {"label": label, "options": [{"label": b.label, "count": b.count} for b in bars]}
                for label, bars in qr.matrix
            ]
        }


MATRIX = Matrix()
