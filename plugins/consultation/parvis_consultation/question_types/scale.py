"""Scale: a whole value from 1 to 5 or 10, with labels at both ends; a bar per value."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
from parvis_consultation.question_types.number import parse_number

if TYPE_CHECKING:
    from parvis_consultation.forms import QuestionForm
    from parvis_consultation.models import Question
    from parvis_consultation.structure import Structure
    from parvis_consultation.tallies import Counts


class Scale(QuestionType):
    key, label, order = "scale", _l("Scale"), 60
    template = "consultation/questions/scale.html"
    extremes = "number"
    value_counts = True

    def parse(
        self, q: Question, structure: Structure, values: Values, parsed: Parsed
    ) -> str | None:
        text = one(values, f"q{q.id}")
        if not text:
            return required(q)
        number = parse_number(text)
        if number is None or not number.is_integer() or not 1 <= number <= q.scale_max:
            return _("Choose a value from 1 to %(max)s.", max=q.scale_max)
        parsed.rows.append({"question_id": q.id, "number": number})
        return None

    def configure(self, form: QuestionForm, q: Question) -> None:
        q.scale_max = form.scale_max.data

    def results(self, qr: QuestionResult, structure: Structure, counts: Counts) -> None:
        q = qr.question
        for value in range(1, q.scale_max + 1):
            c = counts.scale.get((q.id, float(value)), 0)
            label = str(value)
            if value == 1 and q.low_label:
                label = f"1 \u2013 {q.low_label}"
            elif value == q.scale_max and q.high_label:
                label = f"{value} \u2013 {q.high_label}"
            qr.bars.append(Bar(label, c, share(c, qr.respondents)))


SCALE = Scale()
