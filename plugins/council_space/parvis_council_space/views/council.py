"""The council's own pages (site routes under ``/p/council_space/``): who sits on it, the
manage page, member changes and the download of its documents."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from parvis.api import Context, Space, User, get_context, redirect, render, view

from .. import common, showcase
from ..forms import COUNCIL_ROLE_LABELS, MeetingForm, MemberForm, MinutesForm, NewsForm
from ..i18n import _
from ..models import CouncilMember, Document


def council_context(request: Request) -> tuple[Context, Space]:
    """The request's context and its council space; 404 for a space of another kind."""
    ctx = get_context(request)
    space = ctx.space
    if space is None or space.kind != common.KIND:
        raise HTTPException(404)
    return ctx, space


def manage_page(
    ctx: Context,
    space: Space,
    member_form: MemberForm | None = None,
    news_form: NewsForm | None = None,
    meeting_form: MeetingForm | None = None,
    status_code: int = 200,
) -> Response:
    """The council's manage page (members, news, meetings), with any rejected form shown again."""
    news_form = news_form or NewsForm()
    meeting_form = meeting_form or MeetingForm()
    # Both forms have a "title" field: give each its own id on the shared page.
    for prefix, form in (("news", news_form), ("meeting", meeting_form)):
        form.title.id = form.title.label.field_id = f"{prefix}-title"
    return render(
        ctx.request,
        "council_space/manage.html",
        {
            "space": space,
            "members": showcase.members(ctx.session, space),
            "news": showcase.news(ctx.session, space),
            "meetings": showcase.meetings(ctx.session, space),
            "role_labels": COUNCIL_ROLE_LABELS,
            "member_form": member_form or MemberForm(),
            "news_form": news_form,
            "meeting_form": meeting_form,
            "minutes_form": MinutesForm(),
        },
        status_code=status_code,
    )


@view
def manage(request: Request) -> Response:
    ctx, space = council_context(request)
    ctx.require("council_space.manage", space)
    return manage_page(ctx, space)


@view
def member_add(request: Request) -> Response:
    ctx, space = council_context(request)
    ctx.require("council_space.manage", space)
    form = MemberForm.from_request(ctx.form)
    user_id = None
    valid = form.validate()
    if form.email.data and not form.email.errors:
        user_id = ctx.session.scalar(
            select(User.id).where(
                User.town_id == ctx.town.id, User.email == form.email.data.strip().lower()
            )
        )
        if user_id is None:
            form.add_error("email", _("No account of this town has this e-mail address."))
    if not valid or form.errors:
        return manage_page(ctx, space, member_form=form, status_code=400)
    position = ctx.session.scalar(
        select(func.coalesce(func.max(CouncilMember.position), 0)).where(
            CouncilMember.space_id == space.id
        )
    )
    ctx.session.add(
        CouncilMember(
            space_id=space.id,
            name=form.name.data.strip(),
            council_role=form.council_role.data,
            user_id=user_id,
            position=(position or 0) + 1,
        )
    )
    ctx.audit("council_space.member", f"space:{space.id}")
    ctx.flash(_("The member is added."))
    return redirect(ctx.url("council_space:manage", space=space.slug))


@view
def member_delete(request: Request) -> Response:
    ctx, space = council_context(request)
    ctx.require("council_space.manage", space)
    ctx.session.execute(
        delete(CouncilMember).where(
            CouncilMember.id == request.path_params["member"], CouncilMember.space_id == space.id
        )
    )
    ctx.audit(
        "council_space.member_delete",
        f"member:{request.path_params['member']}",
    )
    ctx.flash(_("The member is removed."))
    return redirect(ctx.url("council_space:manage", space=space.slug))


@view
def document(request: Request) -> Response:
    ctx = get_context(request)
    row = ctx.session.execute(
        select(Document, Space)
        .join(Space, Space.id == Document.space_id)
        .where(Document.id == request.path_params["doc"], Document.town_id == ctx.town.id)
    ).first()
    if row is None:
        raise HTTPException(404)
    doc, space = row
    if not (space.published or ctx.can("spaces.manage", space)):
        raise HTTPException(404)
    return Response(
        doc.data,
        media_type="application/pdf",
        headers={
            "content-disposition": f'attachment; filename="{doc.filename}"',
            "x-content-type-options": "nosniff",
            # Shared caches keep only what everyone may see.
            "cache-control": "public, max-age=3600" if space.published else "private, no-store",
        },
    )
