"""The hook this plugin declares for others: survey question types (docs/consultation.md)."""

from __future__ import annotations

from typing import Any

from parvis.api import hookspec
from parvis_consultation import question_types
from parvis_consultation.question_types import QuestionType


class QuestionTypeSpecs:
    @staticmethod
    @hookspec
    def parvis_consultation_question_types() -> list[QuestionType]:  # type: ignore[empty-body]
        """Survey question types the plugin adds, each a ``QuestionType``."""


def add_question_type_specs(pm: Any) -> None:
    """Declare the hook, then register every plugin's types (all plugins are registered by
    the time core calls ``parvis_add_hookspecs``)."""
    pm.add_hookspecs(QuestionTypeSpecs)
    for impl in pm.hook.parvis_consultation_question_types.get_hookimpls():
        question_types.register(impl.plugin_name, list(impl.function() or []))
