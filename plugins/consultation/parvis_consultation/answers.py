"""Answers from a POST: the survey's fields, checked question by question into rows to store.

Each question's own rules are its type's (``question_types``); this module finds the fields,
skips the questions whose condition is not met and collects the rows and errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from parvis_consultation import question_types
from parvis_consultation.i18n import _
from parvis_consultation.models import Question
from parvis_consultation.question_types.base import Parsed
from parvis_consultation.structure import Structure

FIELD_RE = re.compile(r"^q(\d+)(?:_([a-z]+\d*))?$")


def raw_values(form: Mapping[str, Any] | Any) -> dict[str, list[str]]:
    """The survey fields of a POST (or of a draft) as lists of strings."""
    values: dict[str, list[str]] = {}
    keys = form.keys() if hasattr(form, "keys") else []
    for key in keys:
        if not key.startswith("q"):
            continue
        items = form.getlist(key) if hasattr(form, "getlist") else form[key]
        if isinstance(items, str):
            items = [items]
        values[key] = [str(v) for v in items if isinstance(v, str)]
    return values


def condition_met(question: Question, answered: dict[int, set[int]]) -> bool:
    if question.condition_question_id is None or question.condition_option_id is None:
        return True
    return question.condition_option_id in answered.get(question.condition_question_id, set())


def validate(structure: Structure, values: dict[str, list[str]]) -> Parsed:
    """Check every visible question; build the answer rows to store."""
    parsed = Parsed()
    by_id = structure.by_id
    for key in values:
        match = FIELD_RE.match(key)
        question = by_id.get(int(match.group(1))) if match else None
        sub = match.group(2) if match else None
        if question is None or (
            sub and not question_types.get(question.kind).accepts_subfield(sub)
        ):
            parsed.form_error = _(
                "The form contains a question that is not in this survey. "
                "Reload the page and answer again."
            )
            return parsed
    for question in structure.questions:
        if not condition_met(question, parsed.answered):
            continue
        error = question_types.get(question.kind).parse(question, structure, values, parsed)
        if error:
            parsed.errors[question.id] = error
    return parsed
