"""council_space private staff notes on ideas under review

Revision ID: 0003_council_space
Revises: 0002_council_space
Create Date: 2026-12-01 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_council_space"
down_revision = "0002_council_space"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "council_space_idea_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_council_space_idea_notes_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["council_space_ideas.id"],
            name=op.f("fk_council_space_idea_notes_idea_id_council_space_ideas"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_space_idea_notes")),
    )
    op.create_index(
        op.f("ix_council_space_idea_notes_idea_id"),
        "council_space_idea_notes",
        ["idea_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_council_space_idea_notes_idea_id"), table_name="council_space_idea_notes"
    )
    op.drop_table("council_space_idea_notes")
