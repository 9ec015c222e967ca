"""council_space counts on core's job queue: each count still waiting gets its job

Revision ID: 0004_council_space
Revises: 0003_council_space
Create Date: 2026-12-01 23:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from parvis.db import UTCDateTime, utcnow

revision = "0004_council_space"
down_revision = "0003_council_space"
branch_labels = None
depends_on = "0008_core_jobs"

JOB = "council_space.count"


def upgrade() -> None:
    """A count the old in-process thread had not started yet would otherwise wait for ever (no
    job runs it) and refuse any new count of its call ("already under way")."""
    bind = op.get_bind()
    counts = sa.table(
        "council_space_count_jobs",
        sa.column("id", sa.Integer()),
        sa.column("town_id", sa.Integer()),
        sa.column("status", sa.String()),
    )
    jobs = sa.table(
        "jobs",
        sa.column("name", sa.String()),
        sa.column("town_id", sa.Integer()),
        sa.column("payload", sa.JSON()),
        sa.column("dedupe_key", sa.String()),
        sa.column("status", sa.String()),
        sa.column("attempts", sa.Integer()),
        sa.column("run_after", UTCDateTime()),
        sa.column("created_at", UTCDateTime()),
    )
    now = utcnow()
    waiting = bind.execute(
        sa.select(counts.c.id, counts.c.town_id).where(counts.c.status == "pending")
    ).all()
    for count_id, town_id in waiting:
        bind.execute(
            sa.insert(jobs).values(
                name=JOB,
                town_id=town_id,
                payload={"count_job": count_id},
                dedupe_key=f"{JOB}:{count_id}",
                status="pending",
                attempts=0,
                run_after=now,
                created_at=now,
            )
        )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM jobs WHERE name = :name").bindparams(name=JOB))
