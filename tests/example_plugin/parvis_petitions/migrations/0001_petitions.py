"""petitions tables

Revision ID: 0001_petitions
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_petitions"
down_revision = None
branch_labels = ("petitions",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "petitions_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name=op.f("fk_petitions_signatures_module_id_modules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_petitions_signatures_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_petitions_signatures")),
        sa.UniqueConstraint(
            "module_id", "user_id", name=op.f("uq_petitions_signatures_module_id_user_id")
        ),
    )
    with op.batch_alter_table("petitions_signatures") as batch_op:
        batch_op.create_index(
            batch_op.f("ix_petitions_signatures_module_id"), ["module_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("petitions_signatures")
