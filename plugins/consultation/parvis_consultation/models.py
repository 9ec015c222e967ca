"""Consultation tables: survey settings, its structure, responses and normalised answers.

Answers are stored one row per (question, option | row | value) so every result is a
``GROUP BY`` in SQL. A response is unique per (module, user) and per (module, anonymous token
hash): the database, not the application, guarantees one response per respondent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parvis.api import Base, utcnow

# Option roles: a choice (also a matrix column) or a matrix row.
CHOICE = "choice"
ROW = "row"


class Survey(Base):
    """Settings of a survey or poll module (one row per module, created on first save)."""

    __tablename__ = "consultation_surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(
        ForeignKey("modules.id", ondelete="CASCADE"), unique=True
    )
    intro: Mapped[str] = mapped_column(Text, default="")
    opens_at: Mapped[dt.datetime | None]
    closes_at: Mapped[dt.datetime | None]
    allow_anonymous: Mapped[bool] = mapped_column(default=False)
    # "public": anyone who may view sees results once the survey is closed; "admin": managers only.
    results_visibility: Mapped[str] = mapped_column(String(20), default="public")
    # Polls: "answered" (after answering) or "closed" (only after closing).
    poll_results: Mapped[str] = mapped_column(String(20), default="answered")
    show_on_home: Mapped[bool] = mapped_column(default=False)
    decision: Mapped[str] = mapped_column(Text, default="")
    decision_published_at: Mapped[dt.datetime | None]
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Section(Base):
    __tablename__ = "consultation_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")


class Question(Base):
    __tablename__ = "consultation_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_sections.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(20))  # a question type's key (question_types/)
    label: Mapped[str] = mapped_column(String(500))
    help: Mapped[str] = mapped_column(Text, default="")
    required: Mapped[bool] = mapped_column(default=False)
    min_choices: Mapped[int | None]
    max_choices: Mapped[int | None]
    min_value: Mapped[float | None]
    max_value: Mapped[float | None]
    scale_max: Mapped[int] = mapped_column(default=5)
    low_label: Mapped[str] = mapped_column(String(100), default="")
    high_label: Mapped[str] = mapped_column(String(100), default="")
    allow_other: Mapped[bool] = mapped_column(default=False)
    # Shown only when this earlier choice question has this option among its answers.
    condition_question_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation_questions.id", ondelete="SET NULL")
    )
    # An option id of the condition question (checked in code; options reference questions).
    condition_option_id: Mapped[int | None]


class Option(Base):
    __tablename__ = "consultation_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_questions.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(10), default=CHOICE)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(String(300))


class Response(Base):
    __tablename__ = "consultation_responses"
    __table_args__ = (
        UniqueConstraint("module_id", "user_id"),
        UniqueConstraint("module_id", "token_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # SHA-256 of the anonymous respondent's cookie token (never the token itself).
    token_hash: Mapped[str | None] = mapped_column(String(64))
    # The respondent's neighbourhood when answering, for filtered results.
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Answer(Base):
    __tablename__ = "consultation_answers"
    # Covering indexes: each results query reads one index, never the table (see results.py).
    __table_args__ = (
        Index("ix_consultation_answers_respondents", "module_id", "question_id", "response_id"),
        Index(
            "ix_consultation_answers_choices",
            "module_id",
            "question_id",
            "row_id",
            "option_id",
            "is_other",
            "rank",
            "response_id",
        ),
        # The latest free-text answers of a question, read backwards.
        Index("ix_consultation_answers_latest", "module_id", "question_id", "id"),
        Index(
            "ix_consultation_answers_values",
            "module_id",
            "question_id",
            "number",
            "date",
            "response_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_responses.id", ondelete="CASCADE"), index=True
    )
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_questions.id", ondelete="CASCADE")
    )
    option_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation_options.id", ondelete="CASCADE")
    )
    row_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation_options.id", ondelete="CASCADE")
    )
    is_other: Mapped[bool] = mapped_column(default=False)
    text: Mapped[str | None] = mapped_column(Text)
    number: Mapped[float | None]
    date: Mapped[dt.date | None]
    rank: Mapped[int | None]
    hidden: Mapped[bool] = mapped_column(default=False)


class Draft(Base):
    """What a respondent typed, kept when validation fails or they save for later."""

    __tablename__ = "consultation_drafts"
    __table_args__ = (UniqueConstraint("module_id", "owner"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    # "u:<user id>", "a:<token hash>" or "s:<session draft key>".
    owner: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Tally(Base):
    """Running counts of the answers, kept up to date by every save (``tallies.py``).

    The results page reads these few rows instead of grouping every answer. Keys never hold
    NULL (0 stands for "none") so that one unique constraint serves the upserts.
    """

    __tablename__ = "consultation_tallies"
    __table_args__ = (
        UniqueConstraint(
            *("module_id", "area_key", "kind", "question_id", "row_key", "option_key"),
            name="uq_consultation_tallies_key",  # the convention's name would be too long
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    area_key: Mapped[int]  # the response's area id, 0 for none
    # "total" (responses), "respondents" (per question), "choice", "other", "scale" (option
    # key = the value) and "number" (per question: values counted and summed).
    kind: Mapped[str] = mapped_column(String(12))
    question_id: Mapped[int]  # 0 for "total"
    row_key: Mapped[int]  # matrix row id, 0 for none
    option_key: Mapped[int]  # option id or scale value, 0 for none
    count: Mapped[int]
    valued: Mapped[int]  # how many of them carry a rank or a number
    total: Mapped[float]  # the sum of those ranks or numbers
