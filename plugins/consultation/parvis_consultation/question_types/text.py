"""Short and long text: free answers, shown in the results and moderated."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from parvis_consultation.i18n import _, _l
from parvis_consultation.question_types.base import (
    SHORT_MAX,
    Parsed,
    QuestionType,
    Values,
    one,
    required,
)

if TYPE_CHECKING:
    from parvis_consultation.models import Question
    from parvis_consultation.structure import Structure

LONG_MAX = 5000
DRAFT_LONG_MAX = 10_000  # characters a draft keeps of a long text


class Text(QuestionType):
    texts = True

    def __init__(self, key: str, label: Any, order: int, *, limit: int, template: str) -> None:
        self.key, self.label, self.order = key, label, order
        self.limit, self.template = limit, template

    def parse(
        self, q: Question, structure: Structure, values: Values, parsed: Parsed
    ) -> str | None:
        text = one(values, f"q{q.id}")
        if not text:
            return required(q)
        if len(text) > self.limit:
            return _("Keep it under %(n)s characters.", n=self.limit)
        parsed.rows.append({"question_id": q.id, "text": text})
        return None

    def draft_limit(self, sub: str | None) -> int:
        return DRAFT_LONG_MAX if self.limit == LONG_MAX and not sub else super().draft_limit(sub)


SHORT_TEXT = Text(
    "short_text",
    _l("Short text"),
    30,
    limit=SHORT_MAX,
    template="consultation/questions/short_text.html",
)
LONG_TEXT = Text(
    "long_text",
    _l("Long text"),
    40,
    limit=LONG_MAX,
    template="consultation/questions/long_text.html",
)
