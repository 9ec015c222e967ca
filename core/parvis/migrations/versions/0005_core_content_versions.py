"""content versions of each town (HTTP caching and per-process caches)

Revision ID: 0005_core_versions
Revises: 0004_core_sessions
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_core_versions"
down_revision = "0004_core_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("towns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("content_version", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("setup_version", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("towns", schema=None) as batch_op:
        batch_op.drop_column("setup_version")
        batch_op.drop_column("content_version")
