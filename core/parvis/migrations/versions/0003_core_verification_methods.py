"""verification methods: census list, letter codes, residents' claims

Revision ID: 0003_core
Revises: 0002_core
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_core"
down_revision = "0002_core"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "census_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("encoding", sa.String(length=20), nullable=False),
        sa.Column("delimiter", sa.String(length=1), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("processed_rows", sa.Integer(), nullable=False),
        sa.Column("imported_rows", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("left_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_census_imports_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["town_id"],
            ["towns.id"],
            name=op.f("fk_census_imports_town_id_towns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_census_imports")),
    )
    with op.batch_alter_table("census_imports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_census_imports_town_id"), ["town_id"], unique=False)

    op.create_table(
        "verification_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("given_names", sa.String(length=200), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("proof_data", sa.LargeBinary(), nullable=True),
        sa.Column("proof_type", sa.String(length=100), nullable=False),
        sa.Column("proof_name", sa.String(length=200), nullable=False),
        sa.Column("refusal_reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["areas.id"],
            name=op.f("fk_verification_claims_area_id_areas"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["town_id"],
            ["towns.id"],
            name=op.f("fk_verification_claims_town_id_towns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_verification_claims_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_claims")),
        sa.UniqueConstraint("user_id", name=op.f("uq_verification_claims_user_id")),
    )
    with op.batch_alter_table("verification_claims", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_verification_claims_town_id"), ["town_id"], unique=False
        )

    op.create_table(
        "census_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("person_key", sa.String(length=64), nullable=False),
        sa.Column("family_name", sa.String(length=200), nullable=False),
        sa.Column("given_names", sa.String(length=200), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("postcode", sa.String(length=20), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("import_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["areas.id"],
            name=op.f("fk_census_entries_area_id_areas"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["census_imports.id"],
            name=op.f("fk_census_entries_import_id_census_imports"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["town_id"],
            ["towns.id"],
            name=op.f("fk_census_entries_town_id_towns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_census_entries")),
        sa.UniqueConstraint(
            "town_id", "person_key", name=op.f("uq_census_entries_town_id_person_key")
        ),
    )
    with op.batch_alter_table("census_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_census_entries_town_import", ["town_id", "import_id"], unique=False
        )

    op.create_table(
        "letter_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("batch", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["census_entries.id"],
            name=op.f("fk_letter_codes_entry_id_census_entries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["town_id"],
            ["towns.id"],
            name=op.f("fk_letter_codes_town_id_towns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["used_by"],
            ["users.id"],
            name=op.f("fk_letter_codes_used_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_codes")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_letter_codes_code_hash")),
    )
    with op.batch_alter_table("letter_codes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_letter_codes_entry_id"), ["entry_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_letter_codes_town_id"), ["town_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("letter_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_letter_codes_town_id"))
        batch_op.drop_index(batch_op.f("ix_letter_codes_entry_id"))

    op.drop_table("letter_codes")
    with op.batch_alter_table("census_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_census_entries_town_import")

    op.drop_table("census_entries")
    with op.batch_alter_table("verification_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_claims_town_id"))

    op.drop_table("verification_claims")
    with op.batch_alter_table("census_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_census_imports_town_id"))

    op.drop_table("census_imports")
