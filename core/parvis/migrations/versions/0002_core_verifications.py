"""verifications: resident verification records with person keys

Revision ID: 0002_core
Revises: 0001_core
Create Date: 2026-12-01

Accounts verified by staff before this revision (``users.verified_at``) keep a live
verification, method "staff", with a random person key: no identity was recorded for them.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0002_core"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("method", sa.String(length=40), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["areas.id"],
            name=op.f("fk_verifications_area_id_areas"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["town_id"],
            ["towns.id"],
            name=op.f("fk_verifications_town_id_towns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_verifications_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verifications")),
    )
    with op.batch_alter_table("verifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_verifications_town_person", ["town_id", "person_key"], unique=False
        )
        batch_op.create_index(
            "uq_verifications_live_person",
            ["town_id", "person_key"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.create_index(
            "uq_verifications_live_user",
            ["user_id"],
            unique=True,
            sqlite_where=sa.text("ended_at IS NULL"),
            postgresql_where=sa.text("ended_at IS NULL"),
        )
        batch_op.create_index(batch_op.f("ix_verifications_user_id"), ["user_id"], unique=False)

    conn = op.get_bind()
    users = sa.table(
        "users",
        sa.column("id", sa.Integer()),
        sa.column("town_id", sa.Integer()),
        sa.column("area_id", sa.Integer()),
        sa.column("birth_date", sa.Date()),
        sa.column("verified_at", sa.DateTime(timezone=True)),
    )
    verifications = sa.table(
        "verifications",
        sa.column("town_id", sa.Integer()),
        sa.column("user_id", sa.Integer()),
        sa.column("person_key", sa.String()),
        sa.column("area_id", sa.Integer()),
        sa.column("birth_date", sa.Date()),
        sa.column("method", sa.String()),
        sa.column("verified_at", sa.DateTime(timezone=True)),
    )
    rows = conn.execute(sa.select(users).where(users.c.verified_at.is_not(None))).mappings()
    carried = [
        {
            "town_id": row["town_id"],
            "user_id": row["id"],
            "person_key": secrets.token_hex(32),
            "area_id": row["area_id"],
            "birth_date": row["birth_date"],
            "method": "staff",
            "verified_at": row["verified_at"],
        }
        for row in rows
    ]
    if carried:
        op.bulk_insert(verifications, carried)
    # SQLite rebuilds the table: keep AUTOINCREMENT (a deleted account's id is never reused).
    with op.batch_alter_table(
        "users", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_column("verified_at")


def downgrade() -> None:
    with op.batch_alter_table(
        "users", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))
    op.drop_table("verifications")
