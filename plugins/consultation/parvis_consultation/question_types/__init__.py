"""Survey question types: one module per type, and the registry that finds them by key.

Core's types are built in; another plugin adds its own by implementing the
``parvis_consultation_question_types`` hook (declared by this plugin, see ``hookspecs.py`` and
docs/consultation.md). They are registered when an app is built, for the whole process:
questions store only the key, and answers, results and exports look the type up by it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from parvis_consultation.question_types.base import (
    OTHER,
    Bar,
    Parsed,
    QuestionResult,
    QuestionType,
    Stored,
    Unavailable,
    Values,
    cell_text,
    format_number,
    one,
    option_bars,
    required,
    share,
)
from parvis_consultation.question_types.choice import MULTIPLE, SINGLE
from parvis_consultation.question_types.date import DATE
from parvis_consultation.question_types.matrix import MATRIX
from parvis_consultation.question_types.number import NUMBER
from parvis_consultation.question_types.ranking import RANKING
from parvis_consultation.question_types.scale import SCALE
from parvis_consultation.question_types.text import LONG_TEXT, SHORT_TEXT

if TYPE_CHECKING:
    from parvis_consultation.models import Question

BUILT_IN = (SINGLE, MULTIPLE, SHORT_TEXT, LONG_TEXT, NUMBER, SCALE, RANKING, MATRIX, DATE)
UNAVAILABLE = Unavailable()
_types: dict[str, QuestionType] = {t.key: t for t in BUILT_IN}
_owners: dict[str, str] = {t.key: "consultation" for t in BUILT_IN}


class QuestionTypeError(Exception):
    """A plugin's question type cannot be registered (its key is taken or invalid)."""


def register(plugin: str, types: list[QuestionType]) -> None:
    """Add ``plugin``'s types; building the app again with the same plugin replaces them."""
    for qtype in types:
        key = qtype.key
        if not key or len(key) > 20 or not key.replace("_", "").isalnum():
            raise QuestionTypeError(
                f"Plugin '{plugin}': question type key {key!r} must be 1 to 20 letters, digits "
                "or underscores."
            )
        owner = _owners.get(key)
        if owner is not None and owner != plugin:
            raise QuestionTypeError(
                f"Plugin '{plugin}' adds the survey question type '{key}', which plugin "
                f"'{owner}' already provides. Choose another key."
            )
        _types[key], _owners[key] = qtype, plugin


def get(key: str) -> QuestionType:
    """The type of a question (``Question.kind``); ``Unavailable`` when no plugin provides it."""
    return _types.get(key) or UNAVAILABLE


def all_types() -> list[QuestionType]:
    """Every registered type, in the builder's order."""
    return sorted(_types.values(), key=lambda t: (t.order, t.key))


def with_free_text(questions: Iterable[Question]) -> list[int]:
    """The ids of the questions whose answers may hold free text (shown, moderated)."""
    return [q.id for q in questions if get(q.kind).texts or q.allow_other]


def keys_where(flag: str) -> list[str]:
    """The keys of the types whose ``flag`` attribute is true (e.g. ``"value_counts"``)."""
    return [t.key for t in _types.values() if getattr(t, flag)]


# What a plugin adding a type uses (docs/consultation.md, "Question types").
__all__ = [
    "OTHER",
    "Bar",
    "Parsed",
    "QuestionResult",
    "QuestionType",
    "QuestionTypeError",
    "Stored",
    "Values",
    "all_types",
    "cell_text",
    "format_number",
    "get",
    "keys_where",
    "one",
    "option_bars",
    "register",
    "required",
    "share",
    "with_free_text",
]
