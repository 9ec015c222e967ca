"""Pages of a call's ideas: the list, proposing and editing, an idea's page, support, comments."""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import select
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from parvis.api import (
    Area,
    Context,
    InvalidImage,
    User,
    form_status,
    rate_limit,
    redirect,
    render,
    store_image,
    town_areas,
    view,
)

from .. import ballot, ballot_box, comments, count_jobs, ideas
from ..config import CallConfig
from ..forms import (
    SORT_LABELS,
    STATUS_LABELS,
    CommentForm,
    FollowupForm,
    IdeaForm,
    MergeForm,
    ReviewForm,
)
from ..i18n import _
from ..models import Idea
from .call import call_context, call_url, idea_or_404, page_context


@view
def index(request: Request) -> Response:
    ctx = call_context(request)
    filters = ideas.IdeaFilters.from_query(request.query_params, STATUS_LABELS)
    rows = ideas.list_ideas(ctx.session, ctx.module, filters)
    areas = town_areas(ctx.session, ctx.town.id)
    published = count_jobs.latest_job(ctx.session, ctx.module, published=True)
    return render(
        request,
        "council_space/call.html",
        {
            **page_context(ctx),
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


def _idea_form(ctx: Context, idea: Idea | None) -> IdeaForm:
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


def _read_idea(ctx: Context, form: IdeaForm) -> ideas.IdeaInput | None:
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
    ctx = call_context(request)
    ctx.require("council_space.propose", ctx.space, ctx.module)
    form = _idea_form(ctx, None)
    if request.method == "POST":
        data = _read_idea(ctx, form)
        if data is not None:
            idea = ideas.propose_idea(ctx.session, ctx.module, ctx.user, data)
            ctx.flash(_("Your idea is published. You can edit it until the submission ends."))
            return redirect(call_url(ctx, "idea", idea=idea.id))
    return render(
        request,
        "council_space/idea_form.html",
        {**page_context(ctx), "form": form, "idea": None},
        status_code=form_status(request),
    )


@view(files=("image",))
def edit(request: Request) -> Response:
    ctx = call_context(request)
    idea = idea_or_404(ctx, request.path_params["idea"])
    ctx.require("council_space.propose", ctx.space, ctx.module)
    if not ideas.can_edit_idea(idea, ctx.module, ctx.user):
        raise HTTPException(403, _("Only its author may edit an idea, during the submission."))
    form = _idea_form(ctx, idea)
    if request.method == "POST":
        data = _read_idea(ctx, form)
        if data is not None:
            ideas.update_idea(ctx.session, idea, data)
            ctx.flash(_("Your idea is saved."))
            return redirect(call_url(ctx, "idea", idea=idea.id))
    return render(
        request,
        "council_space/idea_form.html",
        {**page_context(ctx), "form": form, "idea": idea},
        status_code=form_status(request),
    )


def render_idea(
    ctx: Context,
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
    common = page_context(ctx)
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


def _ballot_back(ctx: Context, config: CallConfig) -> str | None:
    """Opened from the ballot: the way back to it with the choices not cast yet."""
    choices = ctx.request.query_params.get("choices")
    if choices is None or ctx.module.phase != "vote":
        return None
    kept = ballot.format_choices(ballot.parse_choices(choices), config.ballot_rule)
    return call_url(ctx, "vote") + "?" + urlencode({"choices": kept}) + "#ballot-total"


@view
def idea_page(request: Request) -> Response:
    ctx = call_context(request)
    return render_idea(ctx, idea_or_404(ctx, request.path_params["idea"]))


@view
def support(request: Request) -> Response:
    ctx = call_context(request)
    idea = idea_or_404(ctx, request.path_params["idea"])
    ctx.require("council_space.support", ctx.space, ctx.module)
    if idea.status == "merged":
        raise HTTPException(400, _("This idea was merged: support the idea it joined."))
    wanted = (ctx.form or {}).get("support") == "1"
    ideas.set_support(ctx.session, idea, ctx.user, wanted)
    ctx.flash(_("You support this idea.") if wanted else _("You no longer support this idea."))
    return redirect(call_url(ctx, "idea", idea=idea.id))


@view
def comment(request: Request) -> Response:
    ctx = call_context(request)
    idea = idea_or_404(ctx, request.path_params["idea"])
    ctx.require("council_space.comment", ctx.space, ctx.module)
    form = CommentForm.from_request(ctx.form)
    if not form.validate():
        return render_idea(ctx, idea, comment_form=form, status_code=400)
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
        return render_idea(ctx, idea, comment_form=form, status_code=429)
    comments.add_comment(ctx.session, idea, ctx.user, form.body.data.strip())
    ctx.flash(_("Your comment is published."))
    return redirect(call_url(ctx, "idea", idea=idea.id) + "#comments")
