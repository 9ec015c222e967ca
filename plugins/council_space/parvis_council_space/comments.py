"""Comments on ideas and their moderation: posting, reporting, hiding with a public reason."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parvis.api import Module, User, utcnow

from .common import ServiceError
from .counters import refresh_comment_count, refresh_report_count
from .i18n import _
from .models import Comment, CommentReport, Idea


def add_comment(session: Session, idea: Idea, author: User, body: str) -> Comment:
    comment = Comment(idea_id=idea.id, author_id=author.id, body=body)
    session.add(comment)
    session.flush()
    refresh_comment_count(session, idea.id)
    return comment


def idea_comments(session: Session, idea: Idea) -> list[tuple[Comment, str]]:
    rows = session.execute(
        select(Comment, User.display_name)
        .outerjoin(User, User.id == Comment.author_id)
        .where(Comment.idea_id == idea.id)
        .order_by(Comment.created_at, Comment.id)
    )
    return [(c, name or _("Former participant")) for c, name in rows]


COMMENT_LIMIT = 10  # comments per person ...
COMMENT_WINDOW = 600  # ... in this many seconds


def get_comment(session: Session, module: Module, comment_id: Any) -> Comment | None:
    """A comment on an idea of this call only (ids of other calls or towns are not found)."""
    try:
        comment_id = int(comment_id)
    except (TypeError, ValueError):
        return None
    return session.scalar(
        select(Comment)
        .join(Idea, Idea.id == Comment.idea_id)
        .where(Comment.id == comment_id, Idea.module_id == module.id)
    )


def hide_comment(session: Session, comment: Comment, moderator: User | None, reason: str) -> None:
    """Hide a comment with a public reason; its text is kept for the record (and GDPR)."""
    if not reason.strip():
        raise ServiceError(_("Give the public reason for hiding this comment."), "reason")
    comment.hidden_at = utcnow()
    comment.hidden_by = moderator.id if moderator else None
    comment.hidden_reason = reason.strip()


def restore_comment(session: Session, comment: Comment) -> None:
    comment.hidden_at = None
    comment.hidden_by = None
    comment.hidden_reason = ""


def report_comment(session: Session, comment: Comment, user: User) -> bool:
    """Record ``user``'s report of ``comment``; False when they had already reported it."""
    exists = session.scalar(
        select(CommentReport.id).where(
            CommentReport.comment_id == comment.id, CommentReport.user_id == user.id
        )
    )
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            session.add(CommentReport(comment_id=comment.id, user_id=user.id))
    except IntegrityError:
        return False  # a concurrent click already recorded it
    refresh_report_count(session, comment.id)
    return True


def reported_ids(session: Session, user: User | None, comment_ids: Iterable[int]) -> set[int]:
    ids = list(comment_ids)
    if user is None or not ids:
        return set()
    return set(
        session.scalars(
            select(CommentReport.comment_id).where(
                CommentReport.user_id == user.id, CommentReport.comment_id.in_(ids)
            )
        )
    )


@dataclass
class ModerationRow:
    comment: Comment
    idea: Idea
    author_name: str


def moderation_rows(session: Session, module: Module) -> list[ModerationRow]:
    """The call's comments for moderators: reported and visible ones first, in one query."""
    rows = session.execute(
        select(Comment, Idea, User.display_name)
        .join(Idea, Idea.id == Comment.idea_id)
        .outerjoin(User, User.id == Comment.author_id)
        .where(Idea.module_id == module.id)
        .order_by(
            Comment.hidden_at.is_not(None),
            Comment.report_count.desc(),
            Comment.created_at.desc(),
            Comment.id.desc(),
        )
    )
    return [ModerationRow(c, i, name or _("Former participant")) for c, i, name in rows]
