"""The plugin's pages, one module per page family.

``idea_call_routes`` are mounted by core under each idea call (``/s/{space}/idea_call/{module}/``);
``council_routes`` are the council's own pages, site routes under ``/p/council_space/``.
"""

from __future__ import annotations

from starlette.routing import Route

from . import council, ideas, meetings, moderation, news, results, review, settings, vote

# The ballot first: a request tries the routes in order (and an address is built by trying
# them too), and a vote is the call's busiest request.
idea_call_routes = [
    Route("/vote", vote.vote, methods=["GET", "POST"], name="vote"),
    Route("/vote/receipt", vote.receipt, name="receipt"),
    Route("/", ideas.index, name="index"),
    Route("/propose", ideas.propose, methods=["GET", "POST"], name="propose"),
    Route("/ideas/{idea:int}", ideas.idea_page, name="idea"),
    Route("/ideas/{idea:int}/edit", ideas.edit, methods=["GET", "POST"], name="edit"),
    Route("/ideas/{idea:int}/support", ideas.support, methods=["POST"], name="support"),
    Route("/ideas/{idea:int}/comment", ideas.comment, methods=["POST"], name="comment"),
    Route("/ideas/{idea:int}/review", review.review, methods=["POST"], name="review"),
    Route(
        "/comments/{comment:int}/report", moderation.report_comment, methods=["POST"], name="report"
    ),
    Route("/comments/{comment:int}/hide", moderation.hide_comment, methods=["POST"], name="hide"),
    Route(
        "/comments/{comment:int}/restore",
        moderation.restore_comment,
        methods=["POST"],
        name="restore",
    ),
    Route("/moderation", moderation.moderation, name="moderation"),
    Route("/review", review.queue, name="review_queue"),
    Route("/review/bulk", review.bulk, methods=["POST"], name="review_bulk"),
    Route("/ideas/{idea:int}/notes", review.add_note, methods=["POST"], name="note"),
    Route("/ideas/{idea:int}/merge", review.merge, methods=["POST"], name="merge"),
    Route("/ideas/{idea:int}/followup", results.followup, methods=["POST"], name="followup"),
    Route("/results", results.results, name="results"),
    Route("/count", results.count, methods=["POST"], name="count"),
    Route("/publish", results.publish, methods=["POST"], name="publish"),
    Route("/settings", settings.settings, methods=["GET", "POST"], name="settings"),
    Route("/export.pb", settings.export, name="export"),
    Route("/import", settings.import_pb, methods=["POST"], name="import"),
]

council_routes = [
    Route("/documents/{doc:int}", council.document, name="document"),
    Route("/{space}/manage", council.manage, name="manage"),
    Route("/{space}/members", council.member_add, methods=["POST"], name="member_add"),
    Route(
        "/{space}/members/{member:int}/delete",
        council.member_delete,
        methods=["POST"],
        name="member_delete",
    ),
    Route("/{space}/news", news.news_add, methods=["POST"], name="news_add"),
    Route("/{space}/news/{news:int}", news.news_page, name="news"),
    Route(
        "/{space}/news/{news:int}/edit", news.news_edit, methods=["GET", "POST"], name="news_edit"
    ),
    Route(
        "/{space}/news/{news:int}/delete",
        news.news_delete,
        methods=["GET", "POST"],
        name="news_delete",
    ),
    Route("/{space}/meetings", meetings.meeting_add, methods=["POST"], name="meeting_add"),
    Route("/{space}/meetings/{meeting:int}", meetings.meeting_page, name="meeting"),
    Route(
        "/{space}/meetings/{meeting:int}/edit",
        meetings.meeting_edit,
        methods=["GET", "POST"],
        name="meeting_edit",
    ),
    Route(
        "/{space}/meetings/{meeting:int}/delete",
        meetings.meeting_delete,
        methods=["GET", "POST"],
        name="meeting_delete",
    ),
    Route(
        "/{space}/meetings/{meeting:int}/minutes",
        meetings.minutes_upload,
        methods=["POST"],
        name="minutes",
    ),
]
