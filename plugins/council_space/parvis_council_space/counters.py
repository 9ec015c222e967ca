"""The counters kept on rows (supports and comments of an idea, reports of a comment),
recounted under a row lock so that concurrent clicks never lose one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .models import Comment, CommentReport, Idea, Support


def _recount(session: Session, row: Any, counter: Any, count: Any) -> None:
    """Set ``counter`` on the rows matching ``row`` (an ``id ==`` condition) from ``count``.

    The row is locked first, in a statement of its own: a concurrent writer waits for the
    commit, and its recount (a later statement, so a later snapshot) sees every row committed
    before it. Without the lock, two simultaneous clicks each count without the other's."""
    table = counter.class_
    # FOR NO KEY UPDATE: it waits for other recounts but not for inserts that merely
    # reference the row (their foreign-key lock), so it cannot deadlock with them.
    session.execute(select(table.id).where(row).with_for_update(key_share=True))
    session.execute(update(table).where(row).values({counter.key: count.scalar_subquery()}))
    session.expire_all()


def refresh_support_count(session: Session, idea_id: int) -> None:
    count = select(func.count(Support.id)).where(Support.idea_id == idea_id)
    _recount(session, Idea.id == idea_id, Idea.support_count, count)


def refresh_comment_count(session: Session, idea_id: int) -> None:
    count = select(func.count(Comment.id)).where(Comment.idea_id == idea_id)
    _recount(session, Idea.id == idea_id, Idea.comment_count, count)


def refresh_report_count(session: Session, comment_id: int) -> None:
    count = select(func.count(CommentReport.id)).where(CommentReport.comment_id == comment_id)
    _recount(session, Comment.id == comment_id, Comment.report_count, count)
