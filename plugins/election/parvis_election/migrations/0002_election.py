"""election electorate snapshot: the eligible electorate of each constituency, frozen when online
voting closes

Revision ID: 0002_election
Revises: 0001_election
Create Date: 2026-12-01 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_election"
down_revision = "0001_election"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("election_constituencies") as batch:
        batch.add_column(sa.Column("electorate", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("electorate_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("election_constituencies") as batch:
        batch.drop_column("electorate_at")
        batch.drop_column("electorate")
