"""Counting and results: the results page, requesting and publishing a count, the follow-up
of winning projects."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from parvis.api import Context, emit, parse_int, redirect, render, town_areas, view
from parvis.api import Event as ParvisEvent

from .. import count_jobs, digest, guards, ideas
from ..common import ServiceError
from ..config import COUNTING_RULES
from ..forms import SORT_LABELS, STATUS_LABELS, FollowupForm
from ..i18n import _
from ..models import CountJob
from ..results import results_rows, selected_titles
from .call import call_context, call_url, idea_or_404, page_context
from .ideas import render_idea


@view
def followup(request: Request) -> Response:
    ctx = call_context(request)
    idea = idea_or_404(ctx, request.path_params["idea"])
    ctx.require("council_space.manage", ctx.space, ctx.module)
    if idea.status != "selected":
        raise HTTPException(400, _("Only winning projects have a follow-up."))
    form = FollowupForm.from_request(ctx.form)
    if form.validate():
        try:
            ideas.add_followup(
                ctx.session, idea, ctx.user, form.status.data, (form.body.data or "").strip()
            )
        except ServiceError as exc:
            form.add_error("status", exc.message)
        else:
            ctx.flash(_("The follow-up is published."))
            return redirect(call_url(ctx, "idea", idea=idea.id) + "#follow-up")
    return render_idea(ctx, idea, followup_form=form, status_code=400)


@view
def results(request: Request) -> Response:
    ctx = call_context(request)
    can_manage = ctx.can("council_space.manage", ctx.space, ctx.module)
    published = count_jobs.latest_job(ctx.session, ctx.module, published=True)
    latest = count_jobs.latest_job(ctx.session, ctx.module, published=False) if can_manage else None
    shown_id = request.query_params.get("job", "")
    job = published
    if can_manage and parse_int(shown_id) is not None:
        candidate = ctx.session.get(CountJob, parse_int(shown_id))
        if candidate is not None and candidate.module_id == ctx.module.id:
            job = candidate
    elif can_manage and latest is not None and latest.status == "done" and job is None:
        job = latest
    filters = ideas.IdeaFilters.from_query(request.query_params, STATUS_LABELS)
    rows = (
        results_rows(ctx.session, ctx.module, job, filters)
        if job is not None and job.status == "done"
        else []
    )
    refresh = latest is not None and latest.status in ("pending", "running")
    return render(
        request,
        "council_space/results.html",
        {
            **page_context(ctx),
            "job": job,
            "latest": latest,
            "rows": rows,
            "filters": filters,
            "areas": town_areas(ctx.session, ctx.town.id),
            "sort_labels": SORT_LABELS,
            "refresh": refresh,
            "is_published": job is not None and job.published_at is not None,
            "selected_count": len(selected_titles(ctx.session, job))
            if job is not None and job.status == "done"
            else 0,
        },
    )


@view
def count(request: Request) -> Response:
    ctx = call_context(request)
    ctx.require("council_space.manage", ctx.space, ctx.module)
    try:
        job = count_jobs.request_count(ctx.session, ctx.town, ctx.module, ctx.user)
    except (ServiceError, guards.GuardError) as exc:
        ctx.flash(exc.message, "error")
        return redirect(call_url(ctx, "results"))
    ctx.audit("council_space.count", f"module:{ctx.module.id}")
    emit(
        ctx.session,
        ParvisEvent(
            "council_space.count_requested",
            ctx.town.id,
            ctx.actor.id,
            ctx.space.id,
            {"job": job.id, "module": ctx.module.id},
        ),
    )
    ctx.flash(_("The count has started. This page shows its progress."))
    return redirect(call_url(ctx, "results"))


@view
def publish(request: Request) -> Response:
    ctx = call_context(request)
    ctx.require("council_space.manage", ctx.space, ctx.module)
    job_id = (ctx.form or {}).get("job", "")
    job_number = parse_int(job_id)
    job = ctx.session.get(CountJob, job_number) if job_number is not None else None
    if job is None or job.module_id != ctx.module.id:
        raise HTTPException(404)
    if job.status != "done":
        raise HTTPException(400, _("Only a finished count can be published."))
    try:
        guards.check_publishable(ctx.session, ctx.module, job)
    except guards.GuardError as exc:
        ctx.flash(exc.message, "error")
        return redirect(call_url(ctx, "results"))
    if (ctx.form or {}).get("confirm") != "1":
        return _confirm_publish(request, ctx, job)
    count_jobs.publish_job(ctx.session, ctx.module, job)
    digest.record_digest(
        ctx.session, ctx.space, "results", ctx.module.title, call_url(ctx, "results")
    )
    ctx.audit("council_space.publish", f"count:{job.id}")
    ctx.flash(_("The results are published."))
    return redirect(call_url(ctx, "results"))


def _confirm_publish(request: Request, ctx: Context, job: CountJob) -> Response:
    """Publishing cannot be undone: say what residents will see before doing it."""
    selected = selected_titles(ctx.session, job)
    rule = COUNTING_RULES.get(job.rule, job.rule)
    return render(
        request,
        "core/confirm.html",
        {
            "heading": _("Publish the results of “%(title)s”?", title=ctx.module.title),
            "summary": [
                (_("Ballots counted"), str(job.ballots)),
                (_("Counting rule"), str(rule)),
                (_("Selected projects"), ", ".join(selected) or _("None")),
            ],
            "consequences": [
                _(
                    "Everyone sees the selected projects, the votes of every project and why "
                    "each one was or was not selected."
                ),
                _("Followers of the council get the results in their next digest e-mail."),
                _(
                    "Ballots are no longer accepted, even if the call is moved back to the "
                    "vote. Publishing cannot be undone."
                ),
            ],
            "action": call_url(ctx, "publish"),
            "fields": {"job": job.id},
            "confirm_label": _("Publish these results"),
            "back": call_url(ctx, "results"),
        },
    )
