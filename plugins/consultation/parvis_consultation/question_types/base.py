"""What a survey question type is: the contract every type module fills in.

A type parses and checks its answer from the form (``parse``), reads a stored answer back
into the form (``form_values``), says what a draft may keep, fills in its results, its CSV
cells and its open data, and names the template of its input. Answers are stored in the
shared columns of ``consultation_answers`` (option, matrix row, other, text, number, date,
rank): a type chooses which it uses, and the tallies count them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from parvis_consultation.i18n import _

if TYPE_CHECKING:
    from parvis_consultation.forms import QuestionForm
    from parvis_consultation.models import Question
    from parvis_consultation.structure import Structure
    from parvis_consultation.tallies import Counts

OTHER = "other"  # the value (and sub-field) of "Other, please specify"
SHORT_MAX = 300  # characters of a short text (and of an "other" answer)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
Values = dict[str, list[str]]


@dataclass
class Parsed:
    """Validated answer rows (column values per row) and errors by question id."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)
    form_error: str = ""
    # question id -> option ids chosen: what later questions' conditions look at.
    answered: dict[int, set[int]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.form_error


class Stored(NamedTuple):
    """One stored answer row, as the CSV export and the form's pre-filling read it."""

    option_id: int | None
    row_id: int | None
    is_other: bool
    text: str | None
    number: float | None
    date: Any
    rank: int | None = None


@dataclass
class Bar:
    label: str
    count: int
    share: float  # 0..1 of the question's respondents
    avg_rank: float | None = None


@dataclass
class QuestionResult:
    question: Question
    respondents: int = 0
    bars: list[Bar] = field(default_factory=list)
    # Matrix: (row label, bars) per row.
    matrix: list[tuple[str, list[Bar]]] = field(default_factory=list)
    average: float | None = None
    minimum: Any = None
    maximum: Any = None
    texts: list[tuple[int, str]] = field(default_factory=list)


def one(values: Values, key: str) -> str:
    """The first value of a field, stripped ("" when absent)."""
    items = values.get(key) or [""]
    return items[0].strip()


def required(question: Question) -> str | None:
    """The error of an unanswered question: only a required one has to be answered."""
    return _("This question needs an answer.") if question.required else None


def share(count: int, base: int) -> float:
    return count / base if base else 0.0


def option_bars(qr: QuestionResult, structure: Structure, counts: Counts) -> list[Bar]:
    """A bar per choice option: how many chose (or ranked) it, and its average rank if any."""
    q, bars = qr.question, []
    for option in structure.choices[q.id]:
        c, avg_rank = counts.choices.get((q.id, None, option.id, False), (0, None))
        avg = float(avg_rank) if avg_rank else None
        bars.append(Bar(option.label, c, share(c, qr.respondents), avg))
    return bars


def format_number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def cell_text(text: str) -> str:
    """Free text that a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_START) else text


class QuestionType:
    """A kind of survey question. Subclass it in one module and return an instance from the
    ``parvis_consultation_question_types`` hook (docs/consultation.md)."""

    key: str = ""  # stored in ``Question.kind`` (at most 20 characters)
    label: Any = ""  # shown in the builder's list of types (a lazy translation)
    order: int = 100
    # The input, included in the question's fieldset with ``q``, ``key`` (its field name),
    # ``structure``, ``values``, ``picked``, ``desc`` (ids for aria-describedby), ``disabled``.
    template: str = ""
    # What the results page shows under the question's title (``qr``, ``q``, ``base``).
    results_template: str = "consultation/results/_bars.html"
    options: bool = False  # the builder asks for choices (at least two)
    rows: bool = False  # the builder asks for table rows (at least one)
    conditions: bool = False  # later questions may be shown only for one of its options
    other: bool = False  # may offer "Other, please specify"
    texts: bool = False  # free text: shown in the results and moderated
    extremes: str = ""  # "number" or "date": the lowest and highest answers are shown
    value_counts: bool = False  # each whole number answered is counted (a scale's bars)
    # A quick poll may ask it: its page and cards show one button per option (single choice only).
    polls: bool = False

    # --- answering ------------------------------------------------------------------------------

    def parse(
        self, q: Question, structure: Structure, values: Values, parsed: Parsed
    ) -> str | None:
        """Check the answer in ``values`` (fields ``q<id>`` and ``q<id>_<sub>``); append the rows
        to store to ``parsed.rows``; return the error shown beside the question, or None."""
        raise NotImplementedError

    def accepts_subfield(self, sub: str) -> bool:
        """Whether ``q<id>_<sub>`` may be sent for this type (anything else: the form is stale)."""
        return sub == OTHER or re.fullmatch(r"[or]\d+", sub) is not None

    def known_subfield(self, structure: Structure, q: Question, sub: str) -> bool:
        """Whether a draft keeps ``q<id>_<sub>``."""
        return sub == OTHER and bool(q.allow_other)

    def draft_limit(self, sub: str | None) -> int:
        """Characters a draft keeps of one value."""
        return 500

    def values_per_field(self, structure: Structure, q: Question) -> int:
        """Values a draft keeps of one field."""
        return 1

    def form_values(self, q: Question, answers: list[Stored]) -> Values:
        """The stored answers as form values, to pre-fill the form when editing."""
        key = f"q{q.id}"
        values: Values = {}
        for a in answers:
            if a.is_other:
                values.setdefault(key, []).append(OTHER)
                values[f"{key}_other"] = [a.text or ""]
            elif a.row_id is not None:
                values[f"{key}_r{a.row_id}"] = [str(a.option_id)]
            elif a.rank is not None:
                values[f"{key}_o{a.option_id}"] = [str(a.rank)]
            elif a.option_id is not None:
                values.setdefault(key, []).append(str(a.option_id))
            elif a.text is not None:
                values[key] = [a.text]
            elif a.number is not None:
                values[key] = [format_number(a.number)]
            elif a.date is not None:
                values[key] = [a.date.isoformat()]
        return values

    # --- building -------------------------------------------------------------------------------

    def check(self, form: QuestionForm) -> bool:
        """Rules of the type's own builder settings; errors go beside the fields."""
        return True

    def configure(self, form: QuestionForm, q: Question) -> None:
        """Copy the type's own builder settings to the question (others are reset before)."""

    # --- results --------------------------------------------------------------------------------

    def results(self, qr: QuestionResult, structure: Structure, counts: Counts) -> None:
        """Fill in the question's bars from the tallies (respondents, texts and extremes are
        filled in already)."""

    def csv_columns(self, q: Question, structure: Structure) -> list[tuple[str, int | None]]:
        """(header, matrix row id or None) of each CSV column of the question."""
        return [(q.label, None)]

    def csv_cell(self, a: Stored, labels: dict[int, str]) -> str:
        """One stored answer in a CSV cell (several join with "; ")."""
        if a.is_other:
            return _("Other: %(text)s") % {"text": cell_text(a.text or "")}
        if a.option_id is not None:
            return labels.get(a.option_id, "")
        if a.text is not None:
            return cell_text(a.text)
        if a.number is not None:
            return format_number(a.number)
        return a.date.isoformat() if a.date is not None else ""

    def open_data(self, qr: QuestionResult) -> dict[str, Any]:
        """The question's counts in the open data (never free text)."""
        item: dict[str, Any] = {}
        if qr.bars:
            item["options"] = [
                {"label": b.label, "count": b.count}
                | ({"average_rank": round(b.avg_rank, 3)} if b.avg_rank is not None else {})
                for b in qr.bars
            ]
        if self.extremes == "number" and qr.average is not None:
            item["average"] = round(qr.average, 3)
            item["min"] = qr.minimum
            item["max"] = qr.maximum
        if self.extremes == "date" and qr.minimum is not None:
            item["earliest"] = qr.minimum.isoformat()
            item["latest"] = qr.maximum.isoformat()
        return item


class Unavailable(QuestionType):
    """The type of a question whose plugin is no longer installed: shown without an input,
    its answer neither asked nor checked, its stored answers still exported."""

    def parse(
        self, q: Question, structure: Structure, values: Values, parsed: Parsed
    ) -> str | None:
        return None
