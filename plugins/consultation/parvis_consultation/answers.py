"""Answers from a POST: the survey's fields, checked question by question into rows to store."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from parvis.api import parse_int as parse_id  # ids and ranks from forms and query strings
from parvis_consultation.i18n import T, _
from parvis_consultation.models import (
    DATE,
    MATRIX,
    MULTIPLE,
    NUMBER,
    RANKING,
    SCALE,
    SHORT_TEXT,
    SINGLE,
    TEXT_KINDS,
    Question,
)
from parvis_consultation.structure import Structure

SHORT_MAX = 300
LONG_MAX = 5000
OTHER = "other"
FIELD_RE = re.compile(r"^q(\d+)(?:_(other|o\d+|r\d+))?$")
NUMBER_MAX = 1e12  # largest magnitude accepted for a number answer


@dataclass
class Parsed:
    """Validated answer rows (column values per row) and errors by question id."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)
    form_error: str = ""
    answered: dict[int, set[int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.form_error


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


def _one(values: dict[str, list[str]], key: str) -> str:
    items = values.get(key) or [""]
    return items[0].strip()


def _parse_number(text: str) -> float | None:
    """A finite number, or None ("nan", "inf" and "1e999" are not numbers here)."""
    try:
        number = float(text.replace(",", ".").replace("\u202f", "").replace(" ", ""))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def format_number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


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
        if match is None or int(match.group(1)) not in by_id:
            parsed.form_error = _(
                "The form contains a question that is not in this survey. "
                "Reload the page and answer again."
            )
            return parsed
    for question in structure.questions:
        if not condition_met(question, parsed.answered):
            continue
        error = _validate_question(structure, question, values, parsed)
        if error:
            parsed.errors[question.id] = error
    return parsed


def _validate_question(
    structure: Structure, q: Question, values: dict[str, list[str]], parsed: Parsed
) -> str | None:
    key = f"q{q.id}"
    base = {"question_id": q.id}
    required_msg = _("This question needs an answer.")
    choice_ids = {o.id for o in structure.choices[q.id]}

    if q.kind in (SINGLE, MULTIPLE):
        picked = [v.strip() for v in values.get(key, []) if v.strip()]
        if q.kind == SINGLE and len(picked) > 1:
            return _("Choose only one option.")
        rows: list[dict[str, Any]] = []
        chosen: set[int] = set()
        for value in dict.fromkeys(picked):
            if value == OTHER and q.allow_other:
                other = _one(values, f"{key}_other")
                if not other:
                    return _("Please specify your “other” answer.")
                if len(other) > SHORT_MAX:
                    return _("Keep it under %(n)s characters.", n=SHORT_MAX)
                rows.append({**base, "is_other": True, "text": other})
            elif (option_id := parse_id(value)) is not None and option_id in choice_ids:
                chosen.add(option_id)
                rows.append({**base, "option_id": option_id})
            else:
                return _("This choice is not offered; choose among the options shown.")
        if not rows:
            return required_msg if q.required else None
        if q.kind == MULTIPLE:
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

    if q.kind in TEXT_KINDS:
        text = _one(values, key)
        limit = SHORT_MAX if q.kind == SHORT_TEXT else LONG_MAX
        if not text:
            return required_msg if q.required else None
        if len(text) > limit:
            return _("Keep it under %(n)s characters.", n=limit)
        parsed.rows.append({**base, "text": text})
        return None

    if q.kind in (NUMBER, SCALE):
        text = _one(values, key)
        if not text:
            return required_msg if q.required else None
        number = _parse_number(text)
        if q.kind == SCALE:
            if number is None or not number.is_integer() or not 1 <= number <= q.scale_max:
                return _("Choose a value from 1 to %(max)s.", max=q.scale_max)
        else:
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
        parsed.rows.append({**base, "number": number})
        return None

    if q.kind == DATE:
        text = _one(values, key)
        if not text:
            return required_msg if q.required else None
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            return _("Enter a date like 2026-05-31 (year-month-day).")
        parsed.rows.append({**base, "date": day})
        return None

    if q.kind == RANKING:
        options = structure.choices[q.id]
        ranks: dict[int, int] = {}
        for option in options:
            text = _one(values, f"{key}_o{option.id}")
            if not text:
                continue
            rank = parse_id(text)
            if rank is None or not 1 <= rank <= len(options):
                return _("Give each option a rank from 1 to %(n)s.", n=len(options))
            ranks[option.id] = rank
        known = {f"{key}_o{o.id}" for o in options}
        if any(k.startswith(f"{key}_o") and k not in known for k in values):
            return _("This choice is not offered; choose among the options shown.")
        if not ranks:
            return required_msg if q.required else None
        if len(set(ranks.values())) != len(ranks):
            return _("Give each option a different rank.")
        if q.required and len(ranks) != len(options):
            return _("Rank every option.")
        if sorted(ranks.values()) != list(range(1, len(ranks) + 1)):
            return _("Use the ranks 1, 2, 3… without gaps.")
        for option_id, rank in ranks.items():
            parsed.rows.append({**base, "option_id": option_id, "rank": rank})
        return None

    if q.kind == MATRIX:
        rows_done = []
        known = {f"{key}_r{r.id}" for r in structure.rows[q.id]}
        if any(k.startswith(f"{key}_r") and k not in known for k in values):
            return _("This choice is not offered; choose among the options shown.")
        for row in structure.rows[q.id]:
            value = _one(values, f"{key}_r{row.id}")
            if not value:
                continue
            option_id = parse_id(value)
            if option_id is None or option_id not in choice_ids:
                return _("This choice is not offered; choose among the options shown.")
            rows_done.append({**base, "row_id": row.id, "option_id": option_id})
        if not rows_done:
            return required_msg if q.required else None
        if q.required and len(rows_done) != len(structure.rows[q.id]):
            return _("Answer every line of the table.")
        parsed.rows.extend(rows_done)
        return None
    return None
