"""Date: a day (year-month-day); the earliest and latest answered."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from parvis_consultation.i18n import _, _l
from parvis_consultation.question_types.base import Parsed, QuestionType, Values, one, required

if TYPE_CHECKING:
    from parvis_consultation.models import Question
    from parvis_consultation.structure import Structure


class Date(QuestionType):
    key, label, order = "date", _l("Date"), 90
    template = "consultation/questions/date.html"
    extremes = "date"

    def parse(
        self, q: Question, structure: Structure, values: Values, parsed: Parsed
    ) -> str | None:
        text = one(values, f"q{q.id}")
        if not text:
            return required(q)
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            return _("Enter a date like 2026-05-31 (year-month-day).")
        parsed.rows.append({"question_id": q.id, "date": day})
        return None


DATE = Date()
