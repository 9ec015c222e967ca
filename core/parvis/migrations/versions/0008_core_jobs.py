"""jobs: a background job queue shared by core and plugins; each waiting outbox mail and census
import gets its job

Revision ID: 0008_core_jobs
Revises: 0007_core_consents
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from parvis.db import UTCDateTime, utcnow

revision = "0008_core_jobs"
down_revision = "0007_core_consents"
branch_labels = None
depends_on = None

LIVE = sa.text("status IN ('pending', 'running')")


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("run_after", UTCDateTime(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["town_id"], ["towns.id"], name=op.f("fk_jobs_town_id_towns"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobs")),
    )
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.create_index("ix_jobs_due", ["status", "run_after", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_jobs_town_id"), ["town_id"], unique=False)
        batch_op.create_index(
            "ux_jobs_dedupe_key",
            ["dedupe_key"],
            unique=True,
            sqlite_where=LIVE,
            postgresql_where=LIVE,
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("job_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_job_id"), ["job_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_outbox_job_id_jobs"), "jobs", ["job_id"], ["id"], ondelete="SET NULL"
        )
    _queue_waiting_work()


def _queue_waiting_work() -> None:
    """Mail the old outbox worker would still have sent gets its job (a mail claimed without an
    outcome may have left: it stays unsent, as before); so does a census import still queued."""
    bind = op.get_bind()
    outbox = sa.table(
        "outbox",
        sa.column("id", sa.Integer()),
        sa.column("town_id", sa.Integer()),
        sa.column("sent_at", UTCDateTime()),
        sa.column("attempts", sa.Integer()),
        sa.column("last_error", sa.Text()),
        sa.column("job_id", sa.Integer()),
    )
    jobs = sa.table(
        "jobs",
        sa.column("id", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("town_id", sa.Integer()),
        sa.column("payload", sa.JSON()),
        sa.column("dedupe_key", sa.String()),
        sa.column("status", sa.String()),
        sa.column("attempts", sa.Integer()),
        sa.column("run_after", UTCDateTime()),
        sa.column("created_at", UTCDateTime()),
    )
    waiting = bind.execute(
        sa.select(outbox.c.id, outbox.c.town_id, outbox.c.attempts).where(
            outbox.c.sent_at.is_(None),
            outbox.c.attempts < 5,
            sa.or_(outbox.c.attempts == 0, outbox.c.last_error.is_not(None)),
        )
    ).all()
    now = utcnow()
    for mail_id, town_id, attempts in waiting:
        job_id = bind.execute(
            sa.insert(jobs)
            .values(
                name="core.mail",
                town_id=town_id,
                payload={},
                status="pending",
                attempts=attempts,
                run_after=now,
                created_at=now,
            )
            .returning(jobs.c.id)
        ).scalar_one()
        bind.execute(sa.update(outbox).where(outbox.c.id == mail_id).values(job_id=job_id))
    imports = sa.table(
        "census_imports",
        sa.column("id", sa.Integer()),
        sa.column("town_id", sa.Integer()),
        sa.column("status", sa.String()),
    )
    queued = bind.execute(
        sa.select(imports.c.id, imports.c.town_id).where(imports.c.status == "queued")
    ).all()
    for import_id, town_id in queued:
        bind.execute(
            sa.insert(jobs).values(
                name="verification.census_import",
                town_id=town_id,
                payload={"import": import_id},
                dedupe_key=f"verification.census_import:{import_id}",
                status="pending",
                attempts=0,
                run_after=now,
                created_at=now,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_outbox_job_id_jobs"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_outbox_job_id"))
        batch_op.drop_column("job_id")
    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_index("ux_jobs_dedupe_key", sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.drop_index(batch_op.f("ix_jobs_town_id"))
        batch_op.drop_index("ix_jobs_due")
    op.drop_table("jobs")
