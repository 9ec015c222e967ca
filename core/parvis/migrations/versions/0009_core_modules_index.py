"""modules: one index on (space_id, type, phase) in place of the one on space_id alone

The home page's open modules and results and its quick polls are modules of some types in some
phases of a town's spaces: with this index they are found by ranges of it, without reading each
module of the town (the drafts of a large space included). It serves look-ups by space alone too,
so the index on ``space_id`` goes.

Revision ID: 0009_core_modules_index
Revises: 0008_core_jobs
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0009_core_modules_index"
down_revision = "0008_core_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_modules_space_type_phase", "modules", ["space_id", "type", "phase"], unique=False
    )
    op.drop_index("ix_modules_space_id", table_name="modules")


def downgrade() -> None:
    op.create_index("ix_modules_space_id", "modules", ["space_id"], unique=False)
    op.drop_index("ix_modules_space_type_phase", table_name="modules")
