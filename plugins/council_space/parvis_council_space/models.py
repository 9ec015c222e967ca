"""Tables of the council space plugin: the council's showcase and its idea calls."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from parvis.api import Base, utcnow

# Council roles of a member record (shown on the showcase).
COUNCIL_ROLES = ("president", "secretary", "member")
# Review and result statuses of an idea.
IDEA_STATUSES = ("submitted", "feasible", "not_feasible", "merged", "selected", "not_selected")
FOLLOWUP_STATUSES = ("planned", "in_progress", "done")


class CouncilMember(Base):
    __tablename__ = "council_space_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    council_role: Mapped[str] = mapped_column(String(20), default="member")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Document(Base):
    """A PDF (meeting minutes), checked and kept in the database like core's uploads."""

    __tablename__ = "council_space_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"), index=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100), default="application/pdf")
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class NewsItem(Base):
    __tablename__ = "council_space_news"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Meeting(Base):
    __tablename__ = "council_space_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[dt.datetime]
    location: Mapped[str] = mapped_column(String(300), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    minutes_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_space_documents.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Idea(Base):
    """A resident's idea in an idea call; after review, a project that can be voted on."""

    __tablename__ = "council_space_ideas"
    __table_args__ = (Index("ix_council_space_ideas_module_status", "module_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # A resident may leave the cost to staff: None until someone estimates it.
    estimated_cost: Mapped[int | None]
    final_cost: Mapped[int | None]
    location: Mapped[str] = mapped_column(String(300), default="")
    image_id: Mapped[int | None] = mapped_column(ForeignKey("uploads.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    review_reason: Mapped[str] = mapped_column(Text, default="")
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("council_space_ideas.id", ondelete="SET NULL")
    )
    followup_status: Mapped[str | None] = mapped_column(String(20))
    # Identifier of the project in an imported .pb file, kept so a re-export matches.
    external_id: Mapped[str | None] = mapped_column(String(100))
    support_count: Mapped[int] = mapped_column(default=0)
    comment_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def cost(self) -> int | None:
        """The final cost, else the estimate; None while nobody has estimated it."""
        return self.final_cost if self.final_cost is not None else self.estimated_cost


class IdeaNote(Base):
    """A private note of the staff on an idea under review: never shown to residents."""

    __tablename__ = "council_space_idea_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(
        ForeignKey("council_space_ideas.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Support(Base):
    __tablename__ = "council_space_supports"
    __table_args__ = (UniqueConstraint("idea_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(
        ForeignKey("council_space_ideas.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Comment(Base):
    __tablename__ = "council_space_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(
        ForeignKey("council_space_ideas.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Hidden by a moderator: the text stays for the record, the page shows the public reason.
    hidden_at: Mapped[dt.datetime | None]
    hidden_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    report_count: Mapped[int] = mapped_column(default=0)


class CommentReport(Base):
    """A resident's report of a comment to the moderators (one per person and comment)."""

    __tablename__ = "council_space_comment_reports"
    __table_args__ = (UniqueConstraint("comment_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(
        ForeignKey("council_space_comments.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


# Writes that need not bump core's content version (see Ballot).
UNSEEN = {"parvis_unseen": True}


class Ballot(Base):
    """One ballot per voter and call: ``voter_key`` is ``u:<user id>`` for residents,
    ``p:<person key>`` in area-only calls (one per verified person, kept when the account is
    erased), or an opaque key for ballots imported from a .pb file (no fake accounts)."""

    __tablename__ = "council_space_ballots"
    # A ballot changes only counts on the call's card, which an anonymous page may show up to
    # the ETag's minute late: no content version bump per ballot (``parvis_unseen``), so ballots
    # do not queue on the town's row (its lock was held through each ballot's commit).
    __table_args__ = (UniqueConstraint("module_id", "voter_key"), {"info": UNSEEN})

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    voter_key: Mapped[str] = mapped_column(String(120))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class BallotChoice(Base):
    __tablename__ = "council_space_ballot_choices"
    __table_args__ = (UniqueConstraint("ballot_id", "idea_id"), {"info": UNSEEN})

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(
        ForeignKey("council_space_ballots.id", ondelete="CASCADE")
    )
    idea_id: Mapped[int] = mapped_column(
        ForeignKey("council_space_ideas.id", ondelete="CASCADE"), index=True
    )
    points: Mapped[int] = mapped_column(default=1)


class CountJob(Base):
    """A count asked for by staff, computed outside the request by a worker."""

    __tablename__ = "council_space_count_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"))
    rule: Mapped[str] = mapped_column(String(20))
    completion: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    budget: Mapped[int] = mapped_column(default=0)
    ballots: Mapped[int] = mapped_column(default=0)
    total_cost: Mapped[int] = mapped_column(default=0)
    endowment: Mapped[str | None] = mapped_column(String(60))
    error: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    started_at: Mapped[dt.datetime | None]
    finished_at: Mapped[dt.datetime | None]
    published_at: Mapped[dt.datetime | None]

    @property
    def worker_stopped(self) -> bool:
        """Failed because its worker stopped (killed, or past its lease), not by an error."""
        return self.error == WORKER_STOPPED


# ``CountJob.error`` of a count whose worker stopped: the page explains it in the staff's
# language (the technical error stays in the audit log's ``job.failed`` entry).
WORKER_STOPPED = "worker stopped"


class Result(Base):
    """The outcome of one project in a count, with what explains it."""

    __tablename__ = "council_space_results"
    __table_args__ = (UniqueConstraint("job_id", "idea_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(
        ForeignKey("council_space_count_jobs.id", ondelete="CASCADE")
    )
    idea_id: Mapped[int] = mapped_column(
        ForeignKey("council_space_ideas.id", ondelete="CASCADE"), index=True
    )
    selected: Mapped[bool]
    reason: Mapped[str] = mapped_column(String(40))
    stage: Mapped[str] = mapped_column(String(20))
    votes: Mapped[int]
    cost: Mapped[int]
    selection_order: Mapped[int | None]
    remaining_budget: Mapped[int | None]
    # Exact fractions written as "p/q" (amounts of money per supporter).
    payment_per_supporter: Mapped[str | None] = mapped_column(String(60))
    supporters_money: Mapped[str | None] = mapped_column(String(60))


class FollowupUpdate(Base):
    __tablename__ = "council_space_followups"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(
        ForeignKey("council_space_ideas.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DigestItem(Base):
    """Something worth telling a council's followers in their next digest."""

    __tablename__ = "council_space_digest_items"
    __table_args__ = (Index("ix_council_space_digest_items_space_at", "space_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    town_id: Mapped[int] = mapped_column(ForeignKey("towns.id", ondelete="CASCADE"))
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    # What the item is about ("news:<id>", "meeting:<id>"), so editing or deleting it
    # updates or withdraws the item before the next digest.
    target: Mapped[str | None] = mapped_column(String(60), index=True)
    title: Mapped[str] = mapped_column(String(300))
    path: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DigestState(Base):
    """When each follower last got a digest."""

    __tablename__ = "council_space_digest_state"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    last_sent_at: Mapped[dt.datetime]
