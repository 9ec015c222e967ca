"""council_space optional idea cost: a resident may leave the cost for staff to estimate

Revision ID: 0002_council_space
Revises: 0001_council_space
Create Date: 2026-12-01 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_council_space"
down_revision = "0001_council_space"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("council_space_ideas") as batch:
        batch.alter_column("estimated_cost", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    # Ideas nobody costed get 0 so the column can be required again.
    op.execute("UPDATE council_space_ideas SET estimated_cost = 0 WHERE estimated_cost IS NULL")
    with op.batch_alter_table("council_space_ideas") as batch:
        batch.alter_column("estimated_cost", existing_type=sa.Integer(), nullable=False)
