"""consultation tallies: running counts of the answers for the results page; latest-texts index

Revision ID: 0002_consultation
Revises: 0001_consultation
Create Date: 2026-12-01 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

revision = "0002_consultation"
down_revision = "0001_consultation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consultation_tallies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("area_key", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("row_key", sa.Integer(), nullable=False),
        sa.Column("option_key", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("valued", sa.Integer(), nullable=False),
        sa.Column("total", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name=op.f("fk_consultation_tallies_module_id_modules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultation_tallies")),
        sa.UniqueConstraint(
            "module_id",
            "area_key",
            "kind",
            "question_id",
            "row_key",
            "option_key",
            name="uq_consultation_tallies_key",
        ),
    )
    with op.batch_alter_table("consultation_answers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_consultation_answers_latest", ["module_id", "question_id", "id"], unique=False
        )
    # Surveys answered before this revision: count their answers once.
    from parvis_consultation import tallies

    session = Session(bind=op.get_bind())
    modules = session.execute(sa.text("SELECT DISTINCT module_id FROM consultation_responses"))
    for (module_id,) in modules.all():
        tallies.rebuild(session, module_id)
    session.flush()


def downgrade() -> None:
    with op.batch_alter_table("consultation_answers", schema=None) as batch_op:
        batch_op.drop_index("ix_consultation_answers_latest")
    op.drop_table("consultation_tallies")
