"""Pages of an idea call (a module of type ``idea_call``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis.api import (
    Area,
    InvalidImage,
    User,
    emit,
    form_status,
    get_context,
    parse_int,
    rate_limit,
    redirect,
    render,
    store_image,
    town_areas,
    view,
)
from parvis.api import Event as ParvisEvent

from . import (
    ballot,
    ballot_box,
    comments,
    count_jobs,
    digest,
    guards,
    ideas,
    review_views,
    vote_views,
)
from .common import ServiceError
from .config import BALLOT_RULES, COUNTING_RULES, CallConfig
from .forms import (
    FOLLOWUP_LABELS,
    SORT_LABELS,
    STATUS_LABELS,
    CallSettingsForm,
    CommentForm,
    FollowupForm,
    HideForm,
    IdeaForm,
    ImportForm,
    MergeForm,
    ReviewForm,
)
from .i18n import _
from .models import CountJob, Idea
from .results import results_rows, selected_titles

PLUGIN = "council_space"
HEAD = "council_space/_head.html"


def _ctx(request: Request) -> Any:
    ctx = get_context(request)
    assert ctx.space is not None and ctx.module is not None
    return ctx


def _url(ctx: Any, route: str, **params: Any) -> str:
    return ctx.module_url(ctx.module, ctx.space, route, **params)


def _idea_or_404(ctx: Any, idea_id: Any) -> Idea:
    idea = ideas.get_idea(ctx.session, ctx.module, idea_id)
    if idea is None:
        raise HTTPException(404)
    return idea


def _common(ctx: Any) -> dict[str, Any]:
    config = CallConfig.of(ctx.module)
    mtype = ctx.module_type
    phase = mtype.phase(ctx.module.phase) if mtype else None
    return {
        "config": config,
        "phase": phase,
        "phases": list(mtype.phases) if mtype else [],
        "ballot_rules": BALLOT_RULES,
        "counting_rules": COUNTING_RULES,
        "status_labels": STATUS_LABELS,
        "followup_labels": FOLLOWUP_LABELS,
        "can_manage": ctx.can("council_space.manage", ctx.space, ctx.module),
        "can_review": ctx.can("council_space.review", ctx.space, ctx.module),
        "can_moderate": can_moderate(ctx),
    }


def can_moderate(ctx: Any) -> bool:
    """Town moderators (core's ``content.moderate``) and the council's own staff."""
    return ctx.can("content.moderate", ctx.space, ctx.module) or ctx.can(
        "council_space.manage", ctx.space, ctx.module
    )


# --- the call and its ideas ------------------------------------------------------------------


@view
def index(request: Request) -> Response:
    ctx = _ctx(request)
    filters = ideas.IdeaFilters.from_query(request.query_params, STATUS_LABELS)
    rows = ideas.list_ideas(ctx.session, ctx.module, filters)
    areas = town_areas(ctx.session, ctx.town.id)
    published = count_jobs.latest_job(ctx.session, ctx.module, published=True)
    return render(
        request,
        "council_space/call.html",
        {
            **_common(ctx),
            "rows": rows,
            "filters": filters,
            "areas": areas,
            "sort_labels": SORT_LABELS,
            "propose": ctx.decide("council_space.propose", ctx.space, ctx.module),
            "vote": ctx.decide("council_space.vote", ctx.space, ctx.module),
            "published": published,
            "ballots": ballot_box.ballot_count(ctx.session, ctx.module),
        },
    )


def _idea_form(ctx: Any, idea: Idea | None) -> IdeaForm:
    if ctx.request.method == "POST":
        form = IdeaForm.from_request(ctx.form)
    elif idea is not None:
        form = IdeaForm(
            title=idea.title,
            description=idea.description,
            estimated_cost=idea.estimated_cost,
            area=str(idea.area_id or ""),
            location=idea.location,
        )
    else:
        form = IdeaForm(area=str(ctx.space.area_id or ""))
    form.area.choices = [("", _("Choose a neighbourhood"))] + [
        (str(a.id), a.name) for a in town_areas(ctx.session, ctx.town.id)
    ]
    return form


def _read_idea(ctx: Any, form: IdeaForm) -> ideas.IdeaInput | None:
    """Validate the form (every error beside its field); None if something is wrong."""
    if not form.validate():
        return None  # checked first: a rejected form stores no image
    image_id = None
    image = ctx.form.get("image") if ctx.form else None
    if isinstance(image, UploadFile) and image.filename:
        key = f"council_space:image:{ctx.user.id}"
        if not rate_limit(ctx.session, key, ideas.IMAGE_LIMIT, ideas.IMAGE_WINDOW):
            form.add_error(
                "image", _("You have sent many images in the last hour: try again later.")
            )
            return None
        try:
            image_id = store_image(ctx.session, ctx.town, image.file.read(), image.filename).id
        except InvalidImage:
            form.add_error("image", _("This file is not an image we can read (JPEG or PNG)."))
            return None
    return ideas.IdeaInput(
        title=form.title.data.strip(),
        description=form.description.data.strip(),
        estimated_cost=None if form.estimated_cost.data is None else int(form.estimated_cost.data),
        area_id=int(form.area.data),
        location=(form.location.data or "").strip(),
        image_id=image_id,
    )


@view(files=("image",))
def propose(request: Request) -> Response:
    ctx = _ctx(request)
    ctx.require("council_space.propose", ctx.space, ctx.module)
    form = _idea_form(ctx, None)
    if request.method == "POST":
        data = _read_idea(ctx, form)
        if data is not None:
            idea = ideas.propose_idea(ctx.session, ctx.module, ctx.user, data)
            ctx.flash(_("Your idea is published. You can edit it until the submission ends."))
            return redirect(_url(ctx, "idea", idea=idea.id))
    return render(
        request,
        "council_space/idea_form.html",
        {**_common(ctx), "form": form, "idea": None},
        status_code=form_status(request),
    )


@view(files=("image",))
def edit(request: Request) -> Response:
    ctx = _ctx(request)
    idea = _idea_or_404(ctx, request.path_params["idea"])
    ctx.require("council_space.propose", ctx.space, ctx.module)
    if not ideas.can_edit_idea(idea, ctx.module, ctx.user):
        raise HTTPException(403, _("Only its author may edit an idea, during the submission."))
    form = _idea_form(ctx, idea)
    if request.method == "POST":
        data = _read_idea(ctx, form)
        if data is not None:
            ideas.update_idea(ctx.session, idea, data)
            ctx.flash(_("Your idea is saved."))
            return redirect(_url(ctx, "idea", idea=idea.id))
    return render(
        request,
        "council_space/idea_form.html",
        {**_common(ctx), "form": form, "idea": idea},
        status_code=form_status(request),
    )


def _idea_page(
    ctx: Any,
    idea: Idea,
    *,
    comment_form: CommentForm | None = None,
    review_form: ReviewForm | None = None,
    merge_form: MergeForm | None = None,
    followup_form: FollowupForm | None = None,
    status_code: int = 200,
) -> Response:
    session = ctx.session
    area = session.get(Area, idea.area_id) if idea.area_id else None
    thread = comments.idea_comments(session, idea)
    merged_into = session.get(Idea, idea.merged_into_id) if idea.merged_into_id else None
    duplicates = [
        i
        for i in session.scalars(
            select(Idea).where(Idea.module_id == ctx.module.id, Idea.merged_into_id == idea.id)
        )
    ]
    common = _common(ctx)
    if review_form is None:
        review_form = ReviewForm(
            feasible={"feasible": "1", "not_feasible": "0"}.get(idea.status),
            reason=idea.review_reason if idea.status in ("feasible", "not_feasible") else "",
            final_cost=idea.final_cost,
        )
    if merge_form is None:
        merge_form = MergeForm()
    merge_form.merge_into.choices = [("", _("Choose the idea to keep"))] + [
        (str(i.id), f"#{i.id} {i.title}")
        for i in session.scalars(
            select(Idea)
            .where(Idea.module_id == ctx.module.id, Idea.id != idea.id, Idea.status != "merged")
            .order_by(Idea.id)
        )
    ]
    updates = ideas.followups(session, [idea.id])[idea.id]
    return render(
        ctx.request,
        "council_space/idea.html",
        {
            **common,
            "idea": idea,
            "area": area,
            "author": session.get(User, idea.author_id) if idea.author_id else None,
            "comments": thread,
            "merged_into": merged_into,
            "duplicates": duplicates,
            "supported": bool(ideas.supported_ids(session, ctx.user, [idea.id])),
            "reported": comments.reported_ids(session, ctx.user, [c.id for c, _name in thread]),
            "report": ctx.decide("council_space.report", ctx.space, ctx.module),
            "support": ctx.decide("council_space.support", ctx.space, ctx.module),
            "comment": ctx.decide("council_space.comment", ctx.space, ctx.module),
            "can_edit": ideas.can_edit_idea(idea, ctx.module, ctx.user),
            "comment_form": comment_form or CommentForm(),
            "review_form": review_form,
            "merge_form": merge_form,
            "followup_form": followup_form or FollowupForm(status=idea.followup_status),
            "updates": updates,
            "ballot_back": _ballot_back(ctx, common["config"]),
        },
        status_code=status_code,
    )


def _ballot_back(ctx: Any, config: CallConfig) -> str | None:
    """Opened from the ballot: the way back to it with the choices not cast yet."""
    choices = ctx.request.query_params.get("choices")
    if choices is None or ctx.module.phase != "vote":
        return None
    kept = ballot.format_choices(ballot.parse_choices(choices), config.ballot_rule)
    return _url(ctx, "vote") + "?" + urlencode({"choices": kept}) + "#ballot-total"


@view
def idea_page(request: Request) -> Response:
    ctx = _ctx(request)
    return _idea_page(ctx, _idea_or_404(ctx, request.path_params["idea"]))


@view
def support(request: Request) -> Response:
    ctx = _ctx(request)
    idea = _idea_or_404(ctx, request.path_params["idea"])
    ctx.require("council_space.support", ctx.space, ctx.module)
    if idea.status == "merged":
        raise HTTPException(400, _("This idea was merged: support the idea it joined."))
    wanted = (ctx.form or {}).get("support") == "1"
    ideas.set_support(ctx.session, idea, ctx.user, wanted)
    ctx.flash(_("You support this idea.") if wanted else _("You no longer support this idea."))
    return redirect(_url(ctx, "idea", idea=idea.id))


@view
def comment(request: Request) -> Response:
    ctx = _ctx(request)
    idea = _idea_or_404(ctx, request.path_params["idea"])
    ctx.require("council_space.comment", ctx.space, ctx.module)
    form = CommentForm.from_request(ctx.form)
    if not form.validate():
        return _idea_page(ctx, idea, comment_form=form, status_code=400)
    key = f"council_space:comment:{ctx.user.id}"
    if not rate_limit(ctx.session, key, comments.COMMENT_LIMIT, comments.COMMENT_WINDOW):
        form.add_error(
            "body",
            _(
                "You have published %(count)s comments in the last %(minutes)s minutes: please "
                "wait a few minutes before publishing this one. Your text is kept below.",
                count=comments.COMMENT_LIMIT,
                minutes=comments.COMMENT_WINDOW // 60,
            ),
        )
        return _idea_page(ctx, idea, comment_form=form, status_code=429)
    comments.add_comment(ctx.session, idea, ctx.user, form.body.data.strip())
    ctx.flash(_("Your comment is published."))
    return redirect(_url(ctx, "idea", idea=idea.id) + "#comments")


# --- moderation of comments -----------------------------------------------------------------


def _comment_or_404(ctx: Any, comment_id: Any) -> Any:
    found = comments.get_comment(ctx.session, ctx.module, comment_id)
    if found is None:
        raise HTTPException(404)
    return found


def _require_moderator(ctx: Any) -> None:
    if not can_moderate(ctx):
        ctx.require("content.moderate", ctx.space, ctx.module)  # log in, or 403


@view
def report_comment(request: Request) -> Response:
    ctx = _ctx(request)
    found = _comment_or_404(ctx, request.path_params["comment"])
    ctx.require("council_space.report", ctx.space, ctx.module)
    if found.author_id == ctx.user.id:
        raise HTTPException(400, _("You cannot report your own comment."))
    if comments.report_comment(ctx.session, found, ctx.user):
        ctx.flash(_("Thank you: the moderators will look at this comment."))
    else:
        ctx.flash(_("You have already reported this comment."), "info")
    return redirect(_url(ctx, "idea", idea=found.idea_id) + f"#comment-{found.id}")


def _moderation_page(
    ctx: Any, forms: dict[int, HideForm] | None = None, status_code: int = 200
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
        {**_common(ctx), "rows": rows, "hide_forms": hide_forms},
        status_code=status_code,
    )


@view
def moderation(request: Request) -> Response:
    ctx = _ctx(request)
    _require_moderator(ctx)
    return _moderation_page(ctx)


@view
def hide_comment(request: Request) -> Response:
    ctx = _ctx(request)
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
    return redirect(_url(ctx, "moderation"))


@view
def restore_comment(request: Request) -> Response:
    ctx = _ctx(request)
    _require_moderator(ctx)
    found = _comment_or_404(ctx, request.path_params["comment"])
    comments.restore_comment(ctx.session, found)
    ctx.audit(
        "council_space.comment_restore",
        f"comment:{found.id}",
    )
    ctx.flash(_("The comment is shown again."))
    return redirect(_url(ctx, "moderation"))


@view
def review(request: Request) -> Response:
    ctx = _ctx(request)
    idea = _idea_or_404(ctx, request.path_params["idea"])
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
            return redirect(_url(ctx, "idea", idea=idea.id))
    return _idea_page(ctx, idea, review_form=form, status_code=400)


@view
def merge(request: Request) -> Response:
    ctx = _ctx(request)
    idea = _idea_or_404(ctx, request.path_params["idea"])
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
        return redirect(_url(ctx, "idea", idea=target.id))
    form = MergeForm.from_request(ctx.form)
    form.add_error(error_field, message)
    if not reason and error_field != "reason":
        form.add_error("reason", _("Give the public reason for this decision."))
    return _idea_page(ctx, idea, merge_form=form, status_code=400)


@view
def followup(request: Request) -> Response:
    ctx = _ctx(request)
    idea = _idea_or_404(ctx, request.path_params["idea"])
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
            return redirect(_url(ctx, "idea", idea=idea.id) + "#follow-up")
    return _idea_page(ctx, idea, followup_form=form, status_code=400)


# --- counting and results -------------------------------------------------------------------


@view
def results(request: Request) -> Response:
    ctx = _ctx(request)
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
            **_common(ctx),
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
    ctx = _ctx(request)
    ctx.require("council_space.manage", ctx.space, ctx.module)
    try:
        job = count_jobs.request_count(ctx.session, ctx.town, ctx.module, ctx.user)
    except (ServiceError, guards.GuardError) as exc:
        ctx.flash(exc.message, "error")
        return redirect(_url(ctx, "results"))
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
    return redirect(_url(ctx, "results"))


@view
def publish(request: Request) -> Response:
    ctx = _ctx(request)
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
        return redirect(_url(ctx, "results"))
    if (ctx.form or {}).get("confirm") != "1":
        return _confirm_publish(request, ctx, job)
    count_jobs.publish_job(ctx.session, ctx.module, job)
    digest.record_digest(ctx.session, ctx.space, "results", ctx.module.title, _url(ctx, "results"))
    ctx.audit("council_space.publish", f"count:{job.id}")
    ctx.flash(_("The results are published."))
    return redirect(_url(ctx, "results"))


def _confirm_publish(request: Request, ctx: Any, job: CountJob) -> Response:
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
            "action": _url(ctx, "publish"),
            "fields": {"job": job.id},
            "confirm_label": _("Publish these results"),
            "back": _url(ctx, "results"),
        },
    )


# --- settings -------------------------------------------------------------------------------


@view
def settings(request: Request) -> Response:
    ctx = _ctx(request)
    ctx.require("council_space.manage", ctx.space, ctx.module)
    config = CallConfig.of(ctx.module)
    if request.method == "POST":
        form = CallSettingsForm.from_request(ctx.form)
        if form.validate():
            for name in CallConfig.__dataclass_fields__:
                setattr(config, name, getattr(form, name).data)
            config.criteria = config.criteria or ""
            config.save(ctx.module)
            ctx.audit(
                "council_space.settings",
                f"module:{ctx.module.id}",
                **{k: v for k, v in config.as_dict().items() if k != "criteria"},
            )
            ctx.flash(_("The settings of the call are saved."))
            return redirect(_url(ctx, "settings"))
    else:
        form = settings_form(ctx)
    return render(
        request,
        "council_space/settings.html",
        {**_common(ctx), "form": form, "import_form": ImportForm()},
        status_code=400 if form.errors else 200,
    )


def settings_form(ctx: Any) -> CallSettingsForm:
    return CallSettingsForm(**CallConfig.of(ctx.module).as_dict())


routes = [
    Route("/", index, name="index"),
    Route("/propose", propose, methods=["GET", "POST"], name="propose"),
    Route("/ideas/{idea:int}", idea_page, name="idea"),
    Route("/ideas/{idea:int}/edit", edit, methods=["GET", "POST"], name="edit"),
    Route("/ideas/{idea:int}/support", support, methods=["POST"], name="support"),
    Route("/ideas/{idea:int}/comment", comment, methods=["POST"], name="comment"),
    Route("/ideas/{idea:int}/review", review, methods=["POST"], name="review"),
    Route("/comments/{comment:int}/report", report_comment, methods=["POST"], name="report"),
    Route("/comments/{comment:int}/hide", hide_comment, methods=["POST"], name="hide"),
    Route("/comments/{comment:int}/restore", restore_comment, methods=["POST"], name="restore"),
    Route("/moderation", moderation, name="moderation"),
    Route("/review", review_views.queue, name="review_queue"),
    Route("/review/bulk", review_views.bulk, methods=["POST"], name="review_bulk"),
    Route("/ideas/{idea:int}/notes", review_views.add_note, methods=["POST"], name="note"),
    Route("/ideas/{idea:int}/merge", merge, methods=["POST"], name="merge"),
    Route("/ideas/{idea:int}/followup", followup, methods=["POST"], name="followup"),
    Route("/vote", vote_views.vote, methods=["GET", "POST"], name="vote"),
    Route("/vote/receipt", vote_views.receipt, name="receipt"),
    Route("/results", results, name="results"),
    Route("/count", count, methods=["POST"], name="count"),
    Route("/publish", publish, methods=["POST"], name="publish"),
    Route("/settings", settings, methods=["GET", "POST"], name="settings"),
]
