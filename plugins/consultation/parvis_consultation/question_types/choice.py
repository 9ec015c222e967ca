"""Single and multiple choice: options to tick, and "Other, please specify" when offered."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from parvis.api import parse_int
from parvis_consultation.i18n import T, _, _l
from parvis_consultation.question_types.base import (
    OTHER,
    SHORT_MAX,
    Bar,
    Parsed,
    QuestionResult,
    QuestionType,
    Values,
    one,
    option_bars,
    required,
    share,
)

if TYPE_CHECKING:
    from parvis_consultation.forms import QuestionForm
    from parvis_consultation.models import Question
    from parvis_consultation.structure import Structure
    from parvis_consultation.tallies import Counts


class Choice(QuestionType):
    options = conditions = other = True
    template = "consultation/questions/choice.html"

    def __init__(self, key: str, label: Any, order: int, *, multiple: bool) -> None:
        self.key, self.label, self.order, self.multiple = key, label, order, multiple
        self.polls = not multiple

    def parse(
        self, q: Question, structure: Structure, values: Values, parsed: Parsed
    ) -> str | None:
        key = f"q{q.id}"
        picked = [v.strip() for v in values.get(key, []) if v.strip()]
        if not self.multiple and len(picked) > 1:
            return _("Choose only one option.")
        choice_ids = {o.id for o in structure.choices[q.id]}
        rows: list[dict[str, Any]] = []
        chosen: set[int] = set()
        for value in dict.fromkeys(picked):
            if value == OTHER and q.allow_other:
                other = one(values, f"{key}_other")
                if not other:
                    return _("Please specify your “other” answer.")
                if len(other) > SHORT_MAX:
                    return _("Keep it under %(n)s characters.", n=SHORT_MAX)
                rows.append({"question_id": q.id, "is_other": True, "text": other})
            elif (option_id := parse_int(value)) is not None and option_id in choice_ids:
                chosen.add(option_id)
                rows.append({"question_id": q.id, "option_id": option_id})
            else:
                return _("This choice is not offered; choose among the options shown.")
        if not rows:
            return required(q)
        if self.multiple:
            if q.max_choices and len(rows) > q.max_choices:
                return T.ngettext(
                    "Choose at most %(num)s option.",
                    "Choose at most %(num)s options.",
                    q.max_choices,
                )
            if q.min_choices and len(rows) < q.min_choices:
                return T.ngettext(
                    "Choose at least %(num)s option.",
                    "Choose at least %(num)s options.",
                    q.min_choices,
                )
        parsed.answered[q.id] = chosen
        parsed.rows.extend(rows)
        return None

    def values_per_field(self, structure: Structure, q: Question) -> int:
        return len(structure.choices[q.id]) + 1 if self.multiple else 1

    def check(self, form: QuestionForm) -> bool:
        low, high = form.min_choices.data, form.max_choices.data
        if self.multiple and low and high and low > high:
            form.add_error("max_choices", _("The maximum must not be below the minimum."))
            return False
        return True

    def configure(self, form: QuestionForm, q: Question) -> None:
        if self.multiple:
            q.min_choices, q.max_choices = form.min_choices.data, form.max_choices.data

    def results(self, qr: QuestionResult, structure: Structure, counts: Counts) -> None:
        q = qr.question
        qr.bars.extend(option_bars(qr, structure, counts))
        if q.allow_other:
            c, _r = counts.choices.get((q.id, None, None, True), (0, None))
            qr.bars.append(Bar(_("Other"), c, share(c, qr.respondents)))


SINGLE = Choice("single", _l("Single choice"), 10, multiple=False)
MULTIPLE = Choice("multiple", _l("Multiple choice"), 20, multiple=True)
