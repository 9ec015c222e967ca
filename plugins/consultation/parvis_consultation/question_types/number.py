"""Number: a finite number, within the bounds the builder set; its average and extremes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from parvis.api import parse_number as read_number
from parvis_consultation.i18n import _, _l
from parvis_consultation.question_types.base import (
    Parsed,
    QuestionType,
    Values,
    format_number,
    one,
    required,
)

if TYPE_CHECKING:
    from parvis_consultation.forms import QuestionForm
    from parvis_consultation.models import Question
    from parvis_consultation.structure import Structure

NUMBER_MAX = 1e12  # largest magnitude accepted for a number answer


def parse_number(text: str) -> float | None:
    """A number as people type it ("3 500", "3 500,50", no-break spaces included), read by
    core's one parser; "nan", "inf" and "1e999" are not numbers."""
    number = read_number(text)
    return float(number) if number is not None else None


class Number(QuestionType):
    key, label, order = "number", _l("Number"), 50
    template = "consultation/questions/number.html"
    extremes = "number"

    def parse(
        self, q: Question, structure: Structure, values: Values, parsed: Parsed
    ) -> str | None:
        text = one(values, f"q{q.id}")
        if not text:
            return required(q)
        number = parse_number(text)
        if number is None:
            return _("Enter a number, for example 12 or 3.5.")
        if abs(number) > NUMBER_MAX:
            return _(
                "Enter a number from %(min)s to %(max)s.",
                min=format_number(-NUMBER_MAX),
                max=format_number(NUMBER_MAX),
            )
        low, high = q.min_value, q.max_value
        if (low is not None and number < low) or (high is not None and number > high):
            if low is not None and high is not None:
                return _(
                    "Enter a number from %(min)s to %(max)s.",
                    min=format_number(low),
                    max=format_number(high),
                )
            if low is not None:
                return _("Enter a number of at least %(min)s.", min=format_number(low))
            return _("Enter a number of at most %(max)s.", max=format_number(high))
        parsed.rows.append({"question_id": q.id, "number": number})
        return None

    def check(self, form: QuestionForm) -> bool:
        low, high = form.min_value.data, form.max_value.data
        if low is not None and high is not None and low > high:
            form.add_error("max_value", _("The largest number must not be below the smallest."))
            return False
        return True

    def configure(self, form: QuestionForm, q: Question) -> None:
        q.min_value, q.max_value = form.min_value.data, form.max_value.data


NUMBER = Number()
