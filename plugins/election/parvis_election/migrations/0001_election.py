"""election tables: constituencies, candidacies, participations and ballots (apart), paper
entries, results

Revision ID: 0001_election
Revises:
Create Date: 2026-12-01 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_election"
down_revision = None
branch_labels = ("election",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "election_constituencies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["areas.id"],
            name=op.f("fk_election_constituencies_area_id_areas"),
        ),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name=op.f("fk_election_constituencies_module_id_modules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_election_constituencies")),
        sa.UniqueConstraint(
            "module_id", "area_id", name=op.f("uq_election_constituencies_module_id_area_id")
        ),
    )
    op.create_table(
        "election_ballots",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("constituency_id", sa.Integer(), nullable=False),
        sa.Column("choices", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["constituency_id"],
            ["election_constituencies.id"],
            name=op.f("fk_election_ballots_constituency_id_election_constituencies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_election_ballots")),
    )
    op.create_index(
        op.f("ix_election_ballots_constituency_id"),
        "election_ballots",
        ["constituency_id"],
        unique=False,
    )
    op.create_table(
        "election_candidacies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("constituency_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("person_key", sa.String(length=64), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column("gender", sa.String(length=1), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["constituency_id"],
            ["election_constituencies.id"],
            name=op.f("fk_election_candidacies_constituency_id_election_constituencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name=op.f("fk_election_candidacies_module_id_modules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["uploads.id"],
            name=op.f("fk_election_candidacies_photo_id_uploads"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_election_candidacies_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_election_candidacies")),
        sa.UniqueConstraint(
            "module_id", "person_key", name=op.f("uq_election_candidacies_module_id_person_key")
        ),
    )
    op.create_index(
        "ix_election_candidacies_constituency_status",
        "election_candidacies",
        ["constituency_id", "status"],
        unique=False,
    )
    op.create_index(
        op.f("ix_election_candidacies_user_id"), "election_candidacies", ["user_id"], unique=False
    )
    op.create_table(
        "election_paper_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("constituency_id", sa.Integer(), nullable=False),
        sa.Column("station", sa.String(length=100), nullable=False),
        sa.Column("entered_by", sa.Integer(), nullable=True),
        sa.Column("signatures", sa.Integer(), nullable=False),
        sa.Column("ballots", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["constituency_id"],
            ["election_constituencies.id"],
            name=op.f("fk_election_paper_entries_constituency_id_election_constituencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by"],
            ["users.id"],
            name=op.f("fk_election_paper_entries_entered_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_election_paper_entries")),
        sa.UniqueConstraint(
            "constituency_id",
            "station",
            "entered_by",
            name=op.f("uq_election_paper_entries_constituency_id_station_entered_by"),
        ),
    )
    op.create_index(
        op.f("ix_election_paper_entries_constituency_id"),
        "election_paper_entries",
        ["constituency_id"],
        unique=False,
    )
    op.create_table(
        "election_participations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("constituency_id", sa.Integer(), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["constituency_id"],
            ["election_constituencies.id"],
            name=op.f("fk_election_participations_constituency_id_election_constituencies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name=op.f("fk_election_participations_module_id_modules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_election_participations")),
        sa.UniqueConstraint(
            "module_id", "person_key", name=op.f("uq_election_participations_module_id_person_key")
        ),
    )
    op.create_index(
        op.f("ix_election_participations_constituency_id"),
        "election_participations",
        ["constituency_id"],
        unique=False,
    )
    op.create_table(
        "election_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("constituency_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["constituency_id"],
            ["election_constituencies.id"],
            name=op.f("fk_election_results_constituency_id_election_constituencies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_election_results")),
        sa.UniqueConstraint("constituency_id", name=op.f("uq_election_results_constituency_id")),
    )


def downgrade() -> None:
    op.drop_table("election_results")
    op.drop_index(
        op.f("ix_election_participations_constituency_id"), table_name="election_participations"
    )
    op.drop_table("election_participations")
    op.drop_index(
        op.f("ix_election_paper_entries_constituency_id"), table_name="election_paper_entries"
    )
    op.drop_table("election_paper_entries")
    op.drop_index(op.f("ix_election_candidacies_user_id"), table_name="election_candidacies")
    op.drop_index("ix_election_candidacies_constituency_status", table_name="election_candidacies")
    op.drop_table("election_candidacies")
    op.drop_index(op.f("ix_election_ballots_constituency_id"), table_name="election_ballots")
    op.drop_table("election_ballots")
    op.drop_table("election_constituencies")
