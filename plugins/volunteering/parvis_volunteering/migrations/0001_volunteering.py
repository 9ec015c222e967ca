"""volunteering tables

Revision ID: 0001_volunteering
Revises:
Create Date: 2026-12-01 15:07:52.571880
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_volunteering"
down_revision = None
branch_labels = ("volunteering",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "volunteering_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ref_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteering_reminders")),
        sa.UniqueConstraint("kind", "ref_id", name=op.f("uq_volunteering_reminders_kind_ref_id")),
    )
    op.create_table(
        "volunteering_terms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("retired", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["town_id"],
            ["towns.id"],
            name=op.f("fk_volunteering_terms_town_id_towns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteering_terms")),
        sa.UniqueConstraint(
            "town_id", "kind", "key", name=op.f("uq_volunteering_terms_town_id_kind_key")
        ),
    )
    op.create_table(
        "volunteering_associations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("logo_id", sa.Integer(), nullable=True),
        sa.Column("website", sa.String(length=300), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=False),
        sa.Column("area_ids", sa.JSON(), nullable=False),
        sa.Column("causes", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("staff_message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("validated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["logo_id"],
            ["uploads.id"],
            name=op.f("fk_volunteering_associations_logo_id_uploads"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["town_id"],
            ["towns.id"],
            name=op.f("fk_volunteering_associations_town_id_towns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteering_associations")),
    )
    with op.batch_alter_table("volunteering_associations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_volunteering_associations_town_status", ["town_id", "status"], unique=False
        )

    op.create_table(
        "volunteering_manager_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("association_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["association_id"],
            ["volunteering_associations.id"],
            name=op.f("fk_volunteering_manager_invites_association_id_volunteering_associations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["users.id"],
            name=op.f("fk_volunteering_manager_invites_invited_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteering_manager_invites")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_volunteering_manager_invites_token_hash")),
    )
    with op.batch_alter_table("volunteering_manager_invites", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteering_manager_invites_association_id"),
            ["association_id"],
            unique=False,
        )

    op.create_table(
        "volunteering_managers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("association_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["association_id"],
            ["volunteering_associations.id"],
            name=op.f("fk_volunteering_managers_association_id_volunteering_associations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_volunteering_managers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteering_managers")),
        sa.UniqueConstraint(
            "association_id",
            "user_id",
            name=op.f("uq_volunteering_managers_association_id_user_id"),
        ),
    )
    with op.batch_alter_table("volunteering_managers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteering_managers_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "volunteering_missions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("association_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("cause", sa.String(length=40), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("remote", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=True),
        sa.Column("hours_per_session", sa.Numeric(precision=4, scale=1), nullable=True),
        sa.Column("min_age", sa.Integer(), nullable=False),
        sa.Column("accessibility", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "min_age >= 0 AND min_age <= 120", name=op.f("ck_volunteering_missions_min_age_range")
        ),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["areas.id"],
            name=op.f("fk_volunteering_missions_area_id_areas"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["association_id"],
            ["volunteering_associations.id"],
            name=op.f("fk_volunteering_missions_association_id_volunteering_associations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["town_id"],
            ["towns.id"],
            name=op.f("fk_volunteering_missions_town_id_towns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteering_missions")),
    )
    with op.batch_alter_table("volunteering_missions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteering_missions_area_id"), ["area_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_volunteering_missions_association_id"), ["association_id"], unique=False
        )
        batch_op.create_index(
            "ix_volunteering_missions_list", ["town_id", "status", "cause"], unique=False
        )

    op.create_table(
        "volunteering_profiles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("suggest", sa.Boolean(), nullable=False),
        sa.Column("contactable", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["areas.id"],
            name=op.f("fk_volunteering_profiles_area_id_areas"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["town_id"],
            ["towns.id"],
            name=op.f("fk_volunteering_profiles_town_id_towns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_volunteering_profiles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteering_profiles")),
        sa.UniqueConstraint("user_id", name=op.f("uq_volunteering_profiles_user_id")),
    )
    with op.batch_alter_table("volunteering_profiles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteering_profiles_town_id"), ["town_id"], unique=False
        )

    op.create_table(
        "volunteering_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("invited_by", sa.Integer(), nullable=True),
        sa.Column("answer", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invited_by"],
            ["users.id"],
            name=op.f("fk_volunteering_invitations_invited_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["mission_id"],
            ["volunteering_missions.id"],
            name=op.f("fk_volunteering_invitations_mission_id_volunteering_missions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_volunteering_invitations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteering_invitations")),
        sa.UniqueConstraint(
            "mission_id", "user_id", name=op.f("uq_volunteering_invitations_mission_id_user_id")
        ),
    )
    with op.batch_alter_table("volunteering_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteering_invitations_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "volunteering_mission_skills",
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["mission_id"],
            ["volunteering_missions.id"],
            name=op.f("fk_volunteering_mission_skills_mission_id_volunteering_missions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("mission_id", "skill", name=op.f("pk_volunteering_mission_skills")),
    )
    with op.batch_alter_table("volunteering_mission_skills", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteering_mission_skills_skill"), ["skill"], unique=False
        )

    op.create_table(
        "volunteering_mission_times",
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mission_id"],
            ["volunteering_missions.id"],
            name=op.f("fk_volunteering_mission_times_mission_id_volunteering_missions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "mission_id", "weekday", "part", name=op.f("pk_volunteering_mission_times")
        ),
    )
    op.create_table(
        "volunteering_profile_causes",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("cause", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["volunteering_profiles.id"],
            name=op.f("fk_volunteering_profile_causes_profile_id_volunteering_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("profile_id", "cause", name=op.f("pk_volunteering_profile_causes")),
    )
    with op.batch_alter_table("volunteering_profile_causes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteering_profile_causes_cause"), ["cause"], unique=False
        )

    op.create_table(
        "volunteering_profile_skills",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("skill", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["volunteering_profiles.id"],
            name=op.f("fk_volunteering_profile_skills_profile_id_volunteering_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("profile_id", "skill", name=op.f("pk_volunteering_profile_skills")),
    )
    with op.batch_alter_table("volunteering_profile_skills", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteering_profile_skills_skill"), ["skill"], unique=False
        )

    op.create_table(
        "volunteering_profile_times",
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["volunteering_profiles.id"],
            name=op.f("fk_volunteering_profile_times_profile_id_volunteering_profiles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "profile_id", "weekday", "part", name=op.f("pk_volunteering_profile_times")
        ),
    )
    with op.batch_alter_table("volunteering_profile_times", schema=None) as batch_op:
        batch_op.create_index(
            "ix_volunteering_profile_times_when", ["weekday", "part"], unique=False
        )

    op.create_table(
        "volunteering_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("date", sa.Date(), nullable=True),
        sa.Column("start", sa.Time(), nullable=True),
        sa.Column("end", sa.Time(), nullable=True),
        sa.Column("places", sa.Integer(), nullable=False),
        sa.Column("taken", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "taken >= 0 AND taken <= places", name=op.f("ck_volunteering_slots_places_bounds")
        ),
        sa.ForeignKeyConstraint(
            ["mission_id"],
            ["volunteering_missions.id"],
            name=op.f("fk_volunteering_slots_mission_id_volunteering_missions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteering_slots")),
    )
    with op.batch_alter_table("volunteering_slots", schema=None) as batch_op:
        batch_op.create_index("ix_volunteering_slots_date", ["date"], unique=False)
        batch_op.create_index(
            "ix_volunteering_slots_mission_date", ["mission_id", "date"], unique=False
        )

    op.create_table(
        "volunteering_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("mission_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("invited", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attended", sa.Boolean(), nullable=True),
        sa.Column("hours", sa.Numeric(precision=5, scale=1), nullable=True),
        sa.ForeignKeyConstraint(
            ["mission_id"],
            ["volunteering_missions.id"],
            name=op.f("fk_volunteering_applications_mission_id_volunteering_missions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"],
            ["volunteering_slots.id"],
            name=op.f("fk_volunteering_applications_slot_id_volunteering_slots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["town_id"],
            ["towns.id"],
            name=op.f("fk_volunteering_applications_town_id_towns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_volunteering_applications_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteering_applications")),
        sa.UniqueConstraint(
            "slot_id", "user_id", name=op.f("uq_volunteering_applications_slot_id_user_id")
        ),
    )
    with op.batch_alter_table("volunteering_applications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_volunteering_applications_mission_status", ["mission_id", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_volunteering_applications_slot_id"), ["slot_id"], unique=False
        )
        batch_op.create_index(
            "ix_volunteering_applications_status_created", ["status", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_volunteering_applications_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "volunteering_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("from_manager", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["volunteering_applications.id"],
            name=op.f("fk_volunteering_messages_application_id_volunteering_applications"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_volunteering_messages_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_volunteering_messages")),
    )
    with op.batch_alter_table("volunteering_messages", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_volunteering_messages_application_id"), ["application_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("volunteering_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteering_messages_application_id"))

    op.drop_table("volunteering_messages")
    with op.batch_alter_table("volunteering_applications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteering_applications_user_id"))
        batch_op.drop_index("ix_volunteering_applications_status_created")
        batch_op.drop_index(batch_op.f("ix_volunteering_applications_slot_id"))
        batch_op.drop_index("ix_volunteering_applications_mission_status")

    op.drop_table("volunteering_applications")
    with op.batch_alter_table("volunteering_slots", schema=None) as batch_op:
        batch_op.drop_index("ix_volunteering_slots_mission_date")
        batch_op.drop_index("ix_volunteering_slots_date")

    op.drop_table("volunteering_slots")
    with op.batch_alter_table("volunteering_profile_times", schema=None) as batch_op:
        batch_op.drop_index("ix_volunteering_profile_times_when")

    op.drop_table("volunteering_profile_times")
    with op.batch_alter_table("volunteering_profile_skills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteering_profile_skills_skill"))

    op.drop_table("volunteering_profile_skills")
    with op.batch_alter_table("volunteering_profile_causes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteering_profile_causes_cause"))

    op.drop_table("volunteering_profile_causes")
    op.drop_table("volunteering_mission_times")
    with op.batch_alter_table("volunteering_mission_skills", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteering_mission_skills_skill"))

    op.drop_table("volunteering_mission_skills")
    with op.batch_alter_table("volunteering_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteering_invitations_user_id"))

    op.drop_table("volunteering_invitations")
    with op.batch_alter_table("volunteering_profiles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteering_profiles_town_id"))

    op.drop_table("volunteering_profiles")
    with op.batch_alter_table("volunteering_missions", schema=None) as batch_op:
        batch_op.drop_index("ix_volunteering_missions_list")
        batch_op.drop_index(batch_op.f("ix_volunteering_missions_association_id"))
        batch_op.drop_index(batch_op.f("ix_volunteering_missions_area_id"))

    op.drop_table("volunteering_missions")
    with op.batch_alter_table("volunteering_managers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteering_managers_user_id"))

    op.drop_table("volunteering_managers")
    with op.batch_alter_table("volunteering_manager_invites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_volunteering_manager_invites_association_id"))

    op.drop_table("volunteering_manager_invites")
    with op.batch_alter_table("volunteering_associations", schema=None) as batch_op:
        batch_op.drop_index("ix_volunteering_associations_town_status")

    op.drop_table("volunteering_associations")
    op.drop_table("volunteering_terms")
    op.drop_table("volunteering_reminders")
