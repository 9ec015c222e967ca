"""Moderation of comments: reporting, the moderators' list, hiding with a reason, restoring."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from parvis.api import Context, redirect, render, view

from .. import comments
from ..forms import HideForm
from ..i18n import _
from ..models import Comment
from .call import call_context, call_url, can_moderate, page_context


def _comment_or_404(ctx: Context, comment_id: Any) -> Comment:
    found = comments.get_comment(ctx.session, ctx.module, comment_id)
    if found is None:
        raise HTTPException(404)
    return found


def _require_moderator(ctx: Context) -> None:
    if not can_moderate(ctx):
        ctx.require("content.moderate", ctx.space, ctx.module)  # log in, or 403


@view
def report_comment(request: Request) -> Response:
    ctx = call_context(request)
    found = _comment_or_404(ctx, request.path_params["comment"])
    ctx.require("council_space.report", ctx.space, ctx.module)
    if found.author_id == ctx.user.id:
        raise HTTPException(400, _("You cannot report your own comment."))
    if comments.report_comment(ctx.session, found, ctx.user):
        ctx.flash(_("Thank you: the moderators will look at this comment."))
    else:
        ctx.flash(_("You have already reported this comment."), "info")
    return redirect(call_url(ctx, "idea", idea=found.idea_id) + f"#comment-{found.id}")


def _moderation_page(
    ctx: Context, forms: dict[int, HideForm] | None = None, status_code: int = 200
) -> Response:
    rows = comments.moderation_rows(ctx.session, ctx.module)
    forms = forms or {}
    hide_forms = {}
    for row in rows:
        form = forms.get(row.comment.id) or HideForm()
        form.reason.id = form.reason.label.field_id = f"reason-{row.comment.id}"
        hide_forms[row.comment.id] = form
    return render(
        ctx.request,
        "council_space/moderation.html",
        {**page_context(ctx), "rows": rows, "hide_forms": hide_forms},
        status_code=status_code,
    )


@view
def moderation(request: Request) -> Response:
    ctx = call_context(request)
    _require_moderator(ctx)
    return _moderation_page(ctx)


@view
def hide_comment(request: Request) -> Response:
    ctx = call_context(request)
    _require_moderator(ctx)
    found = _comment_or_404(ctx, request.path_params["comment"])
    form = HideForm.from_request(ctx.form)
    if not form.validate():
        return _moderation_page(ctx, {found.id: form}, status_code=400)
    comments.hide_comment(ctx.session, found, ctx.user, form.reason.data)
    ctx.audit(
        "council_space.comment_hide",
        f"comment:{found.id}",
        reason=found.hidden_reason,
        reports=found.report_count,
    )
    ctx.flash(_("The comment is hidden."))
    return redirect(call_url(ctx, "moderation"))


@view
def restore_comment(request: Request) -> Response:
    ctx = call_context(request)
    _require_moderator(ctx)
    found = _comment_or_404(ctx, request.path_params["comment"])
    comments.restore_comment(ctx.session, found)
    ctx.audit(
        "council_space.comment_restore",
        f"comment:{found.id}",
    )
    ctx.flash(_("The comment is shown again."))
    return redirect(call_url(ctx, "moderation"))
