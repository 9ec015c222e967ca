"""consultation tables

Revision ID: 0001_consultation
Revises:
Create Date: 2026-11-28 11:18:14.200763
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_consultation"
down_revision = None
branch_labels = ("consultation",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "consultation_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=80), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name=op.f("fk_consultation_drafts_module_id_modules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_consultation_drafts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_drafts")),
        sa.UniqueConstraint(
            "module_id", "owner", name=op.f("uq_consultation_drafts_module_id_owner")
        ),
    )
    with op.batch_alter_table("consultation_drafts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_drafts_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "consultation_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["areas.id"],
            name=op.f("fk_consultation_responses_area_id_areas"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name=op.f("fk_consultation_responses_module_id_modules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_consultation_responses_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_responses")),
        sa.UniqueConstraint(
            "module_id", "token_hash", name=op.f("uq_consultation_responses_module_id_token_hash")
        ),
        sa.UniqueConstraint(
            "module_id", "user_id", name=op.f("uq_consultation_responses_module_id_user_id")
        ),
    )
    with op.batch_alter_table("consultation_responses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_responses_module_id"), ["module_id"], unique=False
        )

    op.create_table(
        "consultation_sections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name=op.f("fk_consultation_sections_module_id_modules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_sections")),
    )
    with op.batch_alter_table("consultation_sections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_sections_module_id"), ["module_id"], unique=False
        )

    op.create_table(
        "consultation_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("intro", sa.Text(), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("allow_anonymous", sa.Boolean(), nullable=False),
        sa.Column("results_visibility", sa.String(length=20), nullable=False),
        sa.Column("poll_results", sa.String(length=20), nullable=False),
        sa.Column("show_on_home", sa.Boolean(), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("decision_published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name=op.f("fk_consultation_surveys_module_id_modules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_surveys")),
        sa.UniqueConstraint("module_id", name=op.f("uq_consultation_surveys_module_id")),
    )
    op.create_table(
        "consultation_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("section_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=500), nullable=False),
        sa.Column("help", sa.Text(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("min_choices", sa.Integer(), nullable=True),
        sa.Column("max_choices", sa.Integer(), nullable=True),
        sa.Column("min_value", sa.Double(), nullable=True),
        sa.Column("max_value", sa.Double(), nullable=True),
        sa.Column("scale_max", sa.Integer(), nullable=False),
        sa.Column("low_label", sa.String(length=100), nullable=False),
        sa.Column("high_label", sa.String(length=100), nullable=False),
        sa.Column("allow_other", sa.Boolean(), nullable=False),
        sa.Column("condition_question_id", sa.Integer(), nullable=True),
        sa.Column("condition_option_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["condition_question_id"],
            ["consultation_questions.id"],
            name=op.f("fk_consultation_questions_condition_question_id_consultation_questions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name=op.f("fk_consultation_questions_module_id_modules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            ["consultation_sections.id"],
            name=op.f("fk_consultation_questions_section_id_consultation_sections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_questions")),
    )
    with op.batch_alter_table("consultation_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_questions_module_id"), ["module_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_consultation_questions_section_id"), ["section_id"], unique=False
        )

    op.create_table(
        "consultation_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["consultation_questions.id"],
            name=op.f("fk_consultation_options_question_id_consultation_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_options")),
    )
    with op.batch_alter_table("consultation_options", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_consultation_options_question_id"), ["question_id"], unique=False
        )

    op.create_table(
        "consultation_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=True),
        sa.Column("row_id", sa.Integer(), nullable=True),
        sa.Column("is_other", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("number", sa.Double(), nullable=True),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name=op.f("fk_consultation_answers_module_id_modules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["option_id"],
            ["consultation_options.id"],
            name=op.f("fk_consultation_answers_option_id_consultation_options"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["consultation_questions.id"],
            name=op.f("fk_consultation_answers_question_id_consultation_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["consultation_responses.id"],
            name=op.f("fk_consultation_answers_response_id_consultation_responses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["row_id"],
            ["consultation_options.id"],
            name=op.f("fk_consultation_answers_row_id_consultation_options"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_answers")),
    )
    with op.batch_alter_table("consultation_answers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consultation_answers_choices",
            ["module_id", "question_id", "row_id", "option_id", "is_other", "rank", "response_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_consultation_answers_respondents",
            ["module_id", "question_id", "response_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_consultation_answers_response_id"), ["response_id"], unique=False
        )
        batch_op.create_index(
            "ix_consultation_answers_values",
            ["module_id", "question_id", "number", "date", "response_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("consultation_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_consultation_answers_values")
        batch_op.drop_index(batch_op.f("ix_consultation_answers_response_id"))
        batch_op.drop_index("ix_consultation_answers_respondents")
        batch_op.drop_index("ix_consultation_answers_choices")

    op.drop_table("consultation_answers")
    with op.batch_alter_table("consultation_options", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_options_question_id"))

    op.drop_table("consultation_options")
    with op.batch_alter_table("consultation_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_questions_section_id"))
        batch_op.drop_index(batch_op.f("ix_consultation_questions_module_id"))

    op.drop_table("consultation_questions")
    op.drop_table("consultation_surveys")
    with op.batch_alter_table("consultation_sections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_sections_module_id"))

    op.drop_table("consultation_sections")
    with op.batch_alter_table("consultation_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_responses_module_id"))

    op.drop_table("consultation_responses")
    with op.batch_alter_table("consultation_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultation_drafts_user_id"))

    op.drop_table("consultation_drafts")
