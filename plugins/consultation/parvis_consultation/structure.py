"""A survey's settings and structure (sections, questions, options); when it is open."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from parvis.api import Module, utcnow
from parvis_consultation.i18n import _
from parvis_consultation.models import ROW, Option, Question, Response, Section, Survey

RESPOND = "consultation.respond"  # the action of answering, gated by the open phase


@dataclass
class Structure:
    """A survey's settings, sections, questions and options, loaded in four queries."""

    survey: Survey
    sections: list[Section]
    questions: list[Question]
    choices: dict[int, list[Option]]
    rows: dict[int, list[Option]]

    @property
    def by_id(self) -> dict[int, Question]:
        return {q.id: q for q in self.questions}

    def in_section(self, section_id: int) -> list[Question]:
        return [q for q in self.questions if q.section_id == section_id]

    def option_label(self, option_id: int | None) -> str:
        for options in (*self.choices.values(), *self.rows.values()):
            for option in options:
                if option.id == option_id:
                    return option.label
        return ""


def get_survey(session: Session, module_id: int) -> Survey:
    """The module's settings row, or unsaved defaults (GET pages never write)."""
    survey = session.scalar(select(Survey).where(Survey.module_id == module_id))
    if survey is None:
        survey = Survey(
            module_id=module_id,
            intro="",
            allow_anonymous=False,
            results_visibility="public",
            poll_results="answered",
            show_on_home=False,
            decision="",
        )
    return survey


def saved_survey(session: Session, module_id: int) -> Survey:
    survey = get_survey(session, module_id)
    if survey.id is None:
        session.add(survey)
        session.flush()
    return survey


def load_structure(session: Session, module_id: int) -> Structure:
    survey = get_survey(session, module_id)
    sections = list(
        session.scalars(
            select(Section)
            .where(Section.module_id == module_id)
            .order_by(Section.position, Section.id)
        )
    )
    order = {s.id: i for i, s in enumerate(sections)}
    questions = sorted(
        session.scalars(select(Question).where(Question.module_id == module_id)),
        key=lambda q: (order.get(q.section_id, 0), q.position, q.id),
    )
    choices: dict[int, list[Option]] = {q.id: [] for q in questions}
    rows: dict[int, list[Option]] = {q.id: [] for q in questions}
    if questions:
        options = session.scalars(
            select(Option)
            .join(Question, Question.id == Option.question_id)
            .where(Question.module_id == module_id)
            .order_by(Option.position, Option.id)
        )
        for option in options:
            (rows if option.role == ROW else choices)[option.question_id].append(option)
    return Structure(survey, sections, questions, choices, rows)


def has_responses(session: Session, module_id: int) -> bool:
    return bool(session.scalar(select(exists().where(Response.module_id == module_id))))


def next_position(session: Session, column: Any, *where: Any) -> int:
    return int(session.scalar(select(func.coalesce(func.max(column), 0)).where(*where)) or 0) + 1


def is_open(module: Module, survey: Survey, now: dt.datetime | None = None) -> bool:
    """Open phase and, when set, within the open and close dates."""
    now = now or utcnow()
    if module.phase != "open":
        return False
    if survey.opens_at is not None and now < survey.opens_at:
        return False
    return not (survey.closes_at is not None and now >= survey.closes_at)


def closed_reason(module: Module, survey: Survey) -> str:
    if module.phase == "draft" or (survey.opens_at is not None and utcnow() < survey.opens_at):
        return _("This consultation is not open yet.")
    return _("This consultation is closed: answers are no longer accepted.")
