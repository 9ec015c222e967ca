"""dated phases: when each phase of a module starts and ends

Revision ID: 0006_core_phase_dates
Revises: 0005_core_versions
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from parvis.db import UTCDateTime

revision = "0006_core_phase_dates"
down_revision = "0005_core_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "module_phase_dates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=40), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=True),
        sa.Column("ends_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name=op.f("fk_module_phase_dates_module_id_modules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module_phase_dates")),
        sa.UniqueConstraint(
            "module_id", "phase", name=op.f("uq_module_phase_dates_module_id_phase")
        ),
    )
    with op.batch_alter_table("module_phase_dates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_module_phase_dates_module_id"), ["module_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("module_phase_dates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_module_phase_dates_module_id"))
    op.drop_table("module_phase_dates")
