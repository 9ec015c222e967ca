"""modules: an index on (space_id, type, phase)

The home page's quick polls are the modules of one type in one phase of a town's spaces: with
this index they are found by ranges of it, without reading each module of the town (the drafts
of a large space included). The index on ``space_id`` alone stays: reading all of a space's
modules through it goes in the table's order, which SQLite reads faster.

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


def downgrade() -> None:
    op.drop_index("ix_modules_space_type_phase", table_name="modules")
