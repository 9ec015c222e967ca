"""Review of a call's ideas: the staff's queue (ideas waiting first, private notes, one decision
for many ideas), and the decision or merge taken on an idea's page.

Everything here needs ``council_space.review`` on the call (staff or councillors of this space,
during the review phase); residents never see the queue or the notes.
"""

from __future__ import annotations

from starlette.datastructures import MultiDict
from starlette.requests import Request
from starlette.responses import Response

from parvis.api import Context, get_context, parse_int, redirect, render, view

from .. import ideas, review_queue
from ..common import ServiceError
from ..forms import STATUS_LABELS, BulkReviewForm, MergeForm, NoteForm, ReviewForm
from ..i18n import _
from .call import call_context, call_url, idea_or_404, page_context
from .ideas import render_idea


def _reviewer_context(request: Request) -> Context:
    ctx = get_context(request)
    assert ctx.space is not None and ctx.module is not None
    ctx.require("council_space.review", ctx.space, ctx.module)
    return ctx


def _page(
    ctx: Context,
    *,
    bulk: BulkReviewForm | None = None,
    chosen: set[int] | None = None,
    bulk_error: str = "",
    notes: dict[int, NoteForm] | None = None,
    status_code: int = 200,
) -> Response:

    status = ctx.request.query_params.get("status")
    status = status if status in review_queue.REVIEWABLE else None
    rows = review_queue.queue(ctx.session, ctx.module, status)
    note_forms = {}
    for row in rows:
        form = (notes or {}).get(row.idea.id) or NoteForm()
        form.body.id = form.body.label.field_id = f"note-{row.idea.id}"
        note_forms[row.idea.id] = form
    return render(
        ctx.request,
        "council_space/review_queue.html",
        {
            **page_context(ctx),
            "rows": rows,
            "status": status,
            "statuses": review_queue.REVIEWABLE,
            "status_labels": STATUS_LABELS,
            "bulk": bulk or BulkReviewForm(),
            "chosen": chosen or set(),
            "bulk_error": bulk_error,
            "note_forms": note_forms,
        },
        status_code=status_code,
    )


@view
def queue(request: Request) -> Response:
    return _page(_reviewer_context(request))


@view
def bulk(request: Request) -> Response:
    ctx = _reviewer_context(request)
    data = ctx.form or MultiDict()
    chosen = {n for n in (parse_int(v) for v in data.getlist("ideas")) if n is not None}
    form = BulkReviewForm.from_request(ctx.form)
    if not form.validate():
        return _page(ctx, bulk=form, chosen=chosen, status_code=400)
    try:
        ideas = review_queue.bulk_review(
            ctx.session, ctx.module, sorted(chosen), form.action.data, form.reason.data
        )
    except ServiceError as exc:
        if exc.field in ("action", "reason"):
            form.add_error(exc.field, exc.message)
            return _page(ctx, bulk=form, chosen=chosen, status_code=400)
        return _page(ctx, bulk=form, chosen=chosen, bulk_error=exc.message, status_code=400)
    for idea in ideas:
        ctx.audit(
            "council_space.review",
            f"idea:{idea.id}",
            status=idea.status,
            final_cost=idea.final_cost,
            bulk=True,
        )
    ctx.flash(_("Ideas reviewed: %(num)s. The decision is public.", num=len(ideas)))
    return redirect(call_url(ctx, "review_queue"))


@view
def add_note(request: Request) -> Response:
    ctx = _reviewer_context(request)
    idea = ideas.get_idea(ctx.session, ctx.module, request.path_params["idea"])
    if idea is None or idea.status not in review_queue.REVIEWABLE:
        from starlette.exceptions import HTTPException

        raise HTTPException(404)
    form = NoteForm.from_request(ctx.form)
    if not form.validate():
        return _page(ctx, notes={idea.id: form}, status_code=400)
    note = review_queue.add_note(ctx.session, idea, ctx.user, form.body.data)
    ctx.audit("council_space.note", f"idea:{idea.id}", note=note.id)
    ctx.flash(_("Your private note is saved."))
    return redirect(call_url(ctx, "review_queue") + f"#idea-{idea.id}")


@view
def review(request: Request) -> Response:
    ctx = call_context(request)
    idea = idea_or_404(ctx, request.path_params["idea"])
    ctx.require("council_space.review", ctx.space, ctx.module)
    form = ReviewForm.from_request(ctx.form)
    if form.validate():
        try:
            ideas.review_idea(
                ctx.session,
                idea,
                feasible=form.feasible.data == "1",
                reason=form.reason.data,
                final_cost=form.final_cost.data,
            )
        except ServiceError as exc:
            form.add_error(exc.field or "reason", exc.message)
        else:
            ctx.audit(
                "council_space.review",
                f"idea:{idea.id}",
                status=idea.status,
                final_cost=idea.final_cost,
            )
            ctx.flash(_("The review is saved and public."))
            return redirect(call_url(ctx, "idea", idea=idea.id))
    return render_idea(ctx, idea, review_form=form, status_code=400)


@view
def merge(request: Request) -> Response:
    ctx = call_context(request)
    idea = idea_or_404(ctx, request.path_params["idea"])
    ctx.require("council_space.review", ctx.space, ctx.module)
    target = ideas.get_idea(ctx.session, ctx.module, (ctx.form or {}).get("merge_into"))
    reason = ((ctx.form or {}).get("reason") or "").strip()
    error_field, message = None, None
    if target is None:
        error_field, message = "merge_into", _("Choose an idea of this call.")
    else:
        try:
            ideas.merge_idea(ctx.session, idea, target, reason)
        except ServiceError as exc:
            error_field, message = exc.field or "reason", exc.message
    if message is None:
        ctx.audit(
            "council_space.merge",
            f"idea:{idea.id}",
            into=target.id,
        )
        ctx.flash(_("The idea is merged into #%(id)s.", id=target.id))
        return redirect(call_url(ctx, "idea", idea=target.id))
    form = MergeForm.from_request(ctx.form)
    form.add_error(error_field, message)
    if not reason and error_field != "reason":
        form.add_error("reason", _("Give the public reason for this decision."))
    return render_idea(ctx, idea, merge_form=form, status_code=400)
