"""council_space tables

Revision ID: 0001_council_space
Revises:
Create Date: 2026-11-28 11:18:27.704428
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_council_space"
down_revision = None
branch_labels = ("council_space",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "council_space_digest_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("target", sa.String(length=60), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("path", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["spaces.id"],
            name=op.f("fk_council_space_digest_items_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["town_id"],
            ["towns.id"],
            name=op.f("fk_council_space_digest_items_town_id_towns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_space_digest_items")),
    )
    with op.batch_alter_table("council_space_digest_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_council_space_digest_items_space_at", ["space_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_council_space_digest_items_target"), ["target"], unique=False
        )

    op.create_table(
        "council_space_digest_state",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_council_space_digest_state_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_council_space_digest_state")),
    )
    op.create_table(
        "council_space_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["spaces.id"],
            name=op.f("fk_council_space_documents_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["town_id"],
            ["towns.id"],
            name=op.f("fk_council_space_documents_town_id_towns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_space_documents")),
    )
    with op.batch_alter_table("council_space_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_space_documents_space_id"), ["space_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_council_space_documents_town_id"), ["town_id"], unique=False
        )

    op.create_table(
        "council_space_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("council_role", sa.String(length=20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["spaces.id"],
            name=op.f("fk_council_space_members_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_council_space_members_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_space_members")),
    )
    with op.batch_alter_table("council_space_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_space_members_space_id"), ["space_id"], unique=False
        )

    op.create_table(
        "council_space_news",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_council_space_news_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["spaces.id"],
            name=op.f("fk_council_space_news_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_space_news")),
    )
    with op.batch_alter_table("council_space_news", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_space_news_space_id"), ["space_id"], unique=False
        )

    op.create_table(
        "council_space_ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("voter_key", sa.String(length=120), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name=op.f("fk_council_space_ballots_module_id_modules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_council_space_ballots_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_space_ballots")),
        sa.UniqueConstraint(
            "module_id", "voter_key", name=op.f("uq_council_space_ballots_module_id_voter_key")
        ),
    )
    with op.batch_alter_table("council_space_ballots", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_space_ballots_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "council_space_count_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("town_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=20), nullable=False),
        sa.Column("completion", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("budget", sa.Integer(), nullable=False),
        sa.Column("ballots", sa.Integer(), nullable=False),
        sa.Column("total_cost", sa.Integer(), nullable=False),
        sa.Column("endowment", sa.String(length=60), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name=op.f("fk_council_space_count_jobs_module_id_modules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["users.id"],
            name=op.f("fk_council_space_count_jobs_requested_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["town_id"],
            ["towns.id"],
            name=op.f("fk_council_space_count_jobs_town_id_towns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_space_count_jobs")),
    )
    with op.batch_alter_table("council_space_count_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_space_count_jobs_module_id"), ["module_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_council_space_count_jobs_status"), ["status"], unique=False
        )

    op.create_table(
        "council_space_ideas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("module_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("estimated_cost", sa.Integer(), nullable=False),
        sa.Column("final_cost", sa.Integer(), nullable=True),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("review_reason", sa.Text(), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("followup_status", sa.String(length=20), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("support_count", sa.Integer(), nullable=False),
        sa.Column("comment_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"],
            ["areas.id"],
            name=op.f("fk_council_space_ideas_area_id_areas"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_council_space_ideas_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["uploads.id"],
            name=op.f("fk_council_space_ideas_image_id_uploads"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["council_space_ideas.id"],
            name=op.f("fk_council_space_ideas_merged_into_id_council_space_ideas"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["module_id"],
            ["modules.id"],
            name=op.f("fk_council_space_ideas_module_id_modules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_space_ideas")),
    )
    with op.batch_alter_table("council_space_ideas", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_space_ideas_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            "ix_council_space_ideas_module_status", ["module_id", "status"], unique=False
        )

    op.create_table(
        "council_space_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("minutes_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["minutes_id"],
            ["council_space_documents.id"],
            name=op.f("fk_council_space_meetings_minutes_id_council_space_documents"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"],
            ["spaces.id"],
            name=op.f("fk_council_space_meetings_space_id_spaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_space_meetings")),
    )
    with op.batch_alter_table("council_space_meetings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_space_meetings_space_id"), ["space_id"], unique=False
        )

    op.create_table(
        "council_space_ballot_choices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["council_space_ballots.id"],
            name=op.f("fk_council_space_ballot_choices_ballot_id_council_space_ballots"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["council_space_ideas.id"],
            name=op.f("fk_council_space_ballot_choices_idea_id_council_space_ideas"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_space_ballot_choices")),
        sa.UniqueConstraint(
            "ballot_id", "idea_id", name=op.f("uq_council_space_ballot_choices_ballot_id_idea_id")
        ),
    )
    with op.batch_alter_table("council_space_ballot_choices", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_space_ballot_choices_idea_id"), ["idea_id"], unique=False
        )

    op.create_table(
        "council_space_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_by", sa.Integer(), nullable=True),
        sa.Column("hidden_reason", sa.Text(), nullable=False),
        sa.Column("report_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_council_space_comments_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["hidden_by"],
            ["users.id"],
            name=op.f("fk_council_space_comments_hidden_by_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["council_space_ideas.id"],
            name=op.f("fk_council_space_comments_idea_id_council_space_ideas"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_space_comments")),
    )
    with op.batch_alter_table("council_space_comments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_space_comments_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_council_space_comments_idea_id"), ["idea_id"], unique=False
        )

    op.create_table(
        "council_space_followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_council_space_followups_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["council_space_ideas.id"],
            name=op.f("fk_council_space_followups_idea_id_council_space_ideas"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_space_followups")),
    )
    with op.batch_alter_table("council_space_followups", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_space_followups_idea_id"), ["idea_id"], unique=False
        )

    op.create_table(
        "council_space_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("selected", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("stage", sa.String(length=20), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.Column("selection_order", sa.Integer(), nullable=True),
        sa.Column("remaining_budget", sa.Integer(), nullable=True),
        sa.Column("payment_per_supporter", sa.String(length=60), nullable=True),
        sa.Column("supporters_money", sa.String(length=60), nullable=True),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["council_space_ideas.id"],
            name=op.f("fk_council_space_results_idea_id_council_space_ideas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["council_space_count_jobs.id"],
            name=op.f("fk_council_space_results_job_id_council_space_count_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_space_results")),
        sa.UniqueConstraint(
            "job_id", "idea_id", name=op.f("uq_council_space_results_job_id_idea_id")
        ),
    )
    with op.batch_alter_table("council_space_results", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_space_results_idea_id"), ["idea_id"], unique=False
        )

    op.create_table(
        "council_space_supports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["council_space_ideas.id"],
            name=op.f("fk_council_space_supports_idea_id_council_space_ideas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_council_space_supports_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_space_supports")),
        sa.UniqueConstraint(
            "idea_id", "user_id", name=op.f("uq_council_space_supports_idea_id_user_id")
        ),
    )
    with op.batch_alter_table("council_space_supports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_space_supports_idea_id"), ["idea_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_council_space_supports_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "council_space_comment_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["council_space_comments.id"],
            name=op.f("fk_council_space_comment_reports_comment_id_council_space_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_council_space_comment_reports_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_council_space_comment_reports")),
        sa.UniqueConstraint(
            "comment_id",
            "user_id",
            name=op.f("uq_council_space_comment_reports_comment_id_user_id"),
        ),
    )
    with op.batch_alter_table("council_space_comment_reports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_council_space_comment_reports_comment_id"), ["comment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_council_space_comment_reports_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("council_space_comment_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_space_comment_reports_user_id"))
        batch_op.drop_index(batch_op.f("ix_council_space_comment_reports_comment_id"))

    op.drop_table("council_space_comment_reports")
    with op.batch_alter_table("council_space_supports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_space_supports_user_id"))
        batch_op.drop_index(batch_op.f("ix_council_space_supports_idea_id"))

    op.drop_table("council_space_supports")
    with op.batch_alter_table("council_space_results", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_space_results_idea_id"))

    op.drop_table("council_space_results")
    with op.batch_alter_table("council_space_followups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_space_followups_idea_id"))

    op.drop_table("council_space_followups")
    with op.batch_alter_table("council_space_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_space_comments_idea_id"))
        batch_op.drop_index(batch_op.f("ix_council_space_comments_author_id"))

    op.drop_table("council_space_comments")
    with op.batch_alter_table("council_space_ballot_choices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_space_ballot_choices_idea_id"))

    op.drop_table("council_space_ballot_choices")
    with op.batch_alter_table("council_space_meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_space_meetings_space_id"))

    op.drop_table("council_space_meetings")
    with op.batch_alter_table("council_space_ideas", schema=None) as batch_op:
        batch_op.drop_index("ix_council_space_ideas_module_status")
        batch_op.drop_index(batch_op.f("ix_council_space_ideas_author_id"))

    op.drop_table("council_space_ideas")
    with op.batch_alter_table("council_space_count_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_space_count_jobs_status"))
        batch_op.drop_index(batch_op.f("ix_council_space_count_jobs_module_id"))

    op.drop_table("council_space_count_jobs")
    with op.batch_alter_table("council_space_ballots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_space_ballots_user_id"))

    op.drop_table("council_space_ballots")
    with op.batch_alter_table("council_space_news", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_space_news_space_id"))

    op.drop_table("council_space_news")
    with op.batch_alter_table("council_space_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_space_members_space_id"))

    op.drop_table("council_space_members")
    with op.batch_alter_table("council_space_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_space_documents_town_id"))
        batch_op.drop_index(batch_op.f("ix_council_space_documents_space_id"))

    op.drop_table("council_space_documents")
    op.drop_table("council_space_digest_state")
    with op.batch_alter_table("council_space_digest_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_council_space_digest_items_target"))
        batch_op.drop_index("ix_council_space_digest_items_space_at")

    op.drop_table("council_space_digest_items")
