"""The council's showcase: members, news, meetings with minutes; site routes under
``/p/council_space/``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, func, select
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis.api import (
    Context,
    Space,
    User,
    form_status,
    get_context,
    redirect,
    render,
    utcnow,
    view,
)

from . import common, digest, documents
from .forms import COUNCIL_ROLE_LABELS, MeetingForm, MemberForm, MinutesForm, NewsForm
from .i18n import _
from .models import CouncilMember, Document, Meeting, NewsItem

ROLE_ORDER = {"president": 0, "secretary": 1, "member": 2}


def _council(request: Request) -> tuple[Any, Space]:
    ctx = get_context(request)
    space = ctx.space
    if space is None or space.kind != common.KIND:
        raise HTTPException(404)
    return ctx, space


def members(session: Any, space: Space) -> list[CouncilMember]:
    found = list(session.scalars(select(CouncilMember).where(CouncilMember.space_id == space.id)))
    return sorted(found, key=lambda m: (ROLE_ORDER.get(m.council_role, 9), m.position, m.name))


def news(session: Any, space: Space, limit: int | None = None) -> list[NewsItem]:
    query = (
        select(NewsItem)
        .where(NewsItem.space_id == space.id)
        .order_by(NewsItem.published_at.desc(), NewsItem.id.desc())
    )
    return list(session.scalars(query.limit(limit) if limit else query))


def meetings(session: Any, space: Space) -> list[Meeting]:
    return list(
        session.scalars(
            select(Meeting)
            .where(Meeting.space_id == space.id)
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        )
    )


def _manage_page(
    ctx: Context,
    space: Space,
    member_form: MemberForm | None = None,
    news_form: NewsForm | None = None,
    meeting_form: MeetingForm | None = None,
    status_code: int = 200,
) -> Response:
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
            "members": members(ctx.session, space),
            "news": news(ctx.session, space),
            "meetings": meetings(ctx.session, space),
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
    ctx, space = _council(request)
    ctx.require("council_space.manage", space)
    return _manage_page(ctx, space)


@view
def member_add(request: Request) -> Response:
    ctx, space = _council(request)
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
        return _manage_page(ctx, space, member_form=form, status_code=400)
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
    ctx, space = _council(request)
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
def news_add(request: Request) -> Response:
    ctx, space = _council(request)
    ctx.require("council_space.manage", space)
    form = NewsForm.from_request(ctx.form)
    if not form.validate():
        return _manage_page(ctx, space, news_form=form, status_code=400)
    item = NewsItem(
        space_id=space.id,
        author_id=ctx.actor.id,
        title=form.title.data.strip(),
        body=form.body.data.strip(),
        published_at=utcnow(),
    )
    ctx.session.add(item)
    ctx.session.flush()
    digest.record_digest(
        ctx.session,
        space,
        "news",
        item.title,
        ctx.url("council_space:news", space=space.slug, news=item.id),
        target=f"news:{item.id}",
    )
    ctx.audit("council_space.news_add", f"news:{item.id}")
    ctx.flash(_("The news item is published."))
    return redirect(ctx.url("council_space:manage", space=space.slug))


def _read_minutes(ctx: Context, space: Space, form: Any) -> int | None:
    upload = ctx.form.get("minutes") if ctx.form else None
    if not (isinstance(upload, UploadFile) and upload.filename):
        return None
    max_bytes = int(ctx.setting("council_space", "max_pdf_mb")) * 1024 * 1024
    data = upload.file.read(max_bytes + 1)
    try:
        return documents.store_pdf(
            ctx.session, ctx.town, space, data, upload.filename, max_bytes
        ).id
    except common.ServiceError as exc:
        form.add_error("minutes", exc.message)
        return None


def _replace_minutes(ctx: Context, space: Space, meeting: Meeting, minutes_id: int) -> None:
    """Point the meeting at its new minutes and delete the old PDF: replaced minutes must not
    stay downloadable at their old address."""
    old_id = meeting.minutes_id
    meeting.minutes_id = minutes_id
    ctx.session.flush()
    if old_id is not None and old_id != minutes_id:
        ctx.session.execute(
            delete(Document).where(Document.id == old_id, Document.space_id == space.id)
        )


@view(files=("minutes",))
def meeting_add(request: Request) -> Response:
    ctx, space = _council(request)
    ctx.require("council_space.manage", space)
    form = MeetingForm.from_request(ctx.form)
    valid = form.validate()
    # Stored only with a valid form: a rejected one leaves no document behind.
    minutes_id = _read_minutes(ctx, space, form) if valid else None
    if not valid or form.minutes.errors:
        return _manage_page(ctx, space, meeting_form=form, status_code=400)
    starts_at = form.starts_at.data
    meeting = Meeting(
        space_id=space.id,
        title=form.title.data.strip(),
        starts_at=_to_utc(ctx, starts_at),
        location=(form.location.data or "").strip(),
        agenda=form.agenda.data or "",
        minutes_id=minutes_id,
    )
    ctx.session.add(meeting)
    ctx.session.flush()
    digest.record_digest(
        ctx.session,
        space,
        "meeting",
        meeting.title,
        ctx.url("council_space:meeting", space=space.slug, meeting=meeting.id),
        target=f"meeting:{meeting.id}",
    )
    ctx.audit("council_space.meeting_add", f"meeting:{meeting.id}")
    ctx.flash(_("The meeting is published."))
    return redirect(ctx.url("council_space:manage", space=space.slug))


def _to_utc(ctx: Context, local: dt.datetime) -> dt.datetime:
    """A date and time typed on the town's clock, as UTC."""
    return local.replace(tzinfo=ctx.time_zone).astimezone(dt.UTC)


def _meeting_or_404(ctx: Context, space: Space, meeting_id: Any) -> Meeting:
    meeting = ctx.session.scalar(
        select(Meeting).where(Meeting.id == meeting_id, Meeting.space_id == space.id)
    )
    if meeting is None:
        raise HTTPException(404)
    return meeting


@view(files=("minutes",))
def minutes_upload(request: Request) -> Response:
    ctx, space = _council(request)
    ctx.require("council_space.manage", space)
    meeting = _meeting_or_404(ctx, space, request.path_params["meeting"])
    form = MinutesForm.from_request(ctx.form)
    minutes_id = _read_minutes(ctx, space, form)
    if minutes_id is None:
        if not form.minutes.errors:
            form.add_error("minutes", _("Choose the PDF file of the minutes."))
        return _meeting_page(ctx, space, meeting, minutes_form=form, status_code=400)
    _replace_minutes(ctx, space, meeting, minutes_id)
    ctx.flash(_("The minutes are published."))
    return redirect(ctx.url("council_space:meeting", space=space.slug, meeting=meeting.id))


def _meeting_page(
    ctx: Context, space: Space, meeting: Meeting, minutes_form: Any = None, status_code: int = 200
) -> Response:
    doc = ctx.session.get(Document, meeting.minutes_id) if meeting.minutes_id else None
    return render(
        ctx.request,
        "council_space/meeting.html",
        {
            "space": space,
            "meeting": meeting,
            "document": doc,
            "minutes_form": minutes_form or MinutesForm(),
            "can_manage": ctx.can("council_space.manage", space),
        },
        status_code=status_code,
    )


@view
def meeting_page(request: Request) -> Response:
    ctx, space = _council(request)
    return _meeting_page(ctx, space, _meeting_or_404(ctx, space, request.path_params["meeting"]))


@view
def news_page(request: Request) -> Response:
    ctx, space = _council(request)
    item = ctx.session.scalar(
        select(NewsItem).where(
            NewsItem.id == request.path_params["news"], NewsItem.space_id == space.id
        )
    )
    if item is None:
        raise HTTPException(404)
    return render(
        request,
        "council_space/news.html",
        {"space": space, "item": item, "can_manage": ctx.can("council_space.manage", space)},
    )


# --- editing and deleting news and meetings ---------------------------------------------------


def _news_or_404(ctx: Context, space: Space, news_id: Any) -> NewsItem:
    item = ctx.session.scalar(
        select(NewsItem).where(NewsItem.id == news_id, NewsItem.space_id == space.id)
    )
    if item is None:
        raise HTTPException(404)
    return item


@view
def news_edit(request: Request) -> Response:
    ctx, space = _council(request)
    ctx.require("council_space.manage", space)
    item = _news_or_404(ctx, space, request.path_params["news"])
    if request.method == "POST":
        form = NewsForm.from_request(ctx.form)
        if form.validate():
            item.title = form.title.data.strip()
            item.body = form.body.data.strip()
            digest.retitle_digest(ctx.session, f"news:{item.id}", item.title)
            ctx.audit(
                "council_space.news_edit",
                f"news:{item.id}",
                title=item.title,
            )
            ctx.flash(_("The news item is saved."))
            return redirect(ctx.url("council_space:news", space=space.slug, news=item.id))
    else:
        form = NewsForm(title=item.title, body=item.body)
    return render(
        request,
        "council_space/edit.html",
        {
            "space": space,
            "kind": "news",
            "item": item,
            "form": form,
            "action": ctx.url("council_space:news_edit", space=space.slug, news=item.id),
            "back": ctx.url("council_space:news", space=space.slug, news=item.id),
        },
        status_code=form_status(request),
    )


@view
def news_delete(request: Request) -> Response:
    ctx, space = _council(request)
    ctx.require("council_space.manage", space)
    item = _news_or_404(ctx, space, request.path_params["news"])
    if request.method == "POST":
        digest.withdraw_digest(ctx.session, f"news:{item.id}")
        ctx.audit(
            "council_space.news_delete",
            f"news:{item.id}",
            title=item.title,
        )
        ctx.session.delete(item)
        ctx.flash(_("The news item is deleted."))
        return redirect(ctx.url("council_space:manage", space=space.slug))
    return _confirm_page(
        ctx,
        space,
        _("Delete the news item “%(title)s”?", title=item.title),
        ctx.url("council_space:news_delete", space=space.slug, news=item.id),
        ctx.url("council_space:news", space=space.slug, news=item.id),
    )


def _confirm_page(ctx: Context, space: Space, question: str, action: str, back: str) -> Response:
    return render(
        ctx.request,
        "council_space/confirm_delete.html",
        {"space": space, "question": question, "action": action, "back": back},
    )


def _meeting_form(ctx: Context, meeting: Meeting) -> MeetingForm:
    if ctx.request.method == "POST":
        return MeetingForm.from_request(ctx.form)
    local = meeting.starts_at
    if local.tzinfo is None:  # SQLite gives naive UTC datetimes back
        local = local.replace(tzinfo=dt.UTC)
    return MeetingForm(
        title=meeting.title,
        starts_at=local.astimezone(ctx.time_zone).replace(tzinfo=None),
        location=meeting.location,
        agenda=meeting.agenda,
    )


@view(files=("minutes",))
def meeting_edit(request: Request) -> Response:
    ctx, space = _council(request)
    ctx.require("council_space.manage", space)
    meeting = _meeting_or_404(ctx, space, request.path_params["meeting"])
    form = _meeting_form(ctx, meeting)
    if request.method == "POST":
        valid = form.validate()
        minutes_id = _read_minutes(ctx, space, form) if valid else None
        if valid and not form.minutes.errors:
            meeting.title = form.title.data.strip()
            meeting.starts_at = _to_utc(ctx, form.starts_at.data)
            meeting.location = (form.location.data or "").strip()
            meeting.agenda = form.agenda.data or ""
            if minutes_id is not None:
                _replace_minutes(ctx, space, meeting, minutes_id)
            digest.retitle_digest(ctx.session, f"meeting:{meeting.id}", meeting.title)
            ctx.audit(
                "council_space.meeting_edit",
                f"meeting:{meeting.id}",
                title=meeting.title,
            )
            ctx.flash(_("The meeting is saved."))
            return redirect(ctx.url("council_space:meeting", space=space.slug, meeting=meeting.id))
    return render(
        request,
        "council_space/edit.html",
        {
            "space": space,
            "kind": "meeting",
            "item": meeting,
            "form": form,
            "action": ctx.url("council_space:meeting_edit", space=space.slug, meeting=meeting.id),
            "back": ctx.url("council_space:meeting", space=space.slug, meeting=meeting.id),
        },
        status_code=form_status(request),
    )


@view
def meeting_delete(request: Request) -> Response:
    ctx, space = _council(request)
    ctx.require("council_space.manage", space)
    meeting = _meeting_or_404(ctx, space, request.path_params["meeting"])
    if request.method == "POST":
        digest.withdraw_digest(ctx.session, f"meeting:{meeting.id}")
        ctx.audit(
            "council_space.meeting_delete",
            f"meeting:{meeting.id}",
            title=meeting.title,
        )
        minutes_id = meeting.minutes_id
        ctx.session.delete(meeting)
        ctx.session.flush()
        if minutes_id is not None:  # its minutes are no longer downloadable either
            ctx.session.execute(
                delete(Document).where(Document.id == minutes_id, Document.space_id == space.id)
            )
        ctx.flash(_("The meeting is deleted."))
        return redirect(ctx.url("council_space:manage", space=space.slug))
    return _confirm_page(
        ctx,
        space,
        _("Delete the meeting “%(title)s” and its minutes?", title=meeting.title),
        ctx.url("council_space:meeting_delete", space=space.slug, meeting=meeting.id),
        ctx.url("council_space:meeting", space=space.slug, meeting=meeting.id),
    )


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


routes = [
    Route("/documents/{doc:int}", document, name="document"),
    Route("/{space}/manage", manage, name="manage"),
    Route("/{space}/members", member_add, methods=["POST"], name="member_add"),
    Route(
        "/{space}/members/{member:int}/delete",
        member_delete,
        methods=["POST"],
        name="member_delete",
    ),
    Route("/{space}/news", news_add, methods=["POST"], name="news_add"),
    Route("/{space}/news/{news:int}", news_page, name="news"),
    Route("/{space}/news/{news:int}/edit", news_edit, methods=["GET", "POST"], name="news_edit"),
    Route(
        "/{space}/news/{news:int}/delete",
        news_delete,
        methods=["GET", "POST"],
        name="news_delete",
    ),
    Route("/{space}/meetings", meeting_add, methods=["POST"], name="meeting_add"),
    Route("/{space}/meetings/{meeting:int}", meeting_page, name="meeting"),
    Route(
        "/{space}/meetings/{meeting:int}/edit",
        meeting_edit,
        methods=["GET", "POST"],
        name="meeting_edit",
    ),
    Route(
        "/{space}/meetings/{meeting:int}/delete",
        meeting_delete,
        methods=["GET", "POST"],
        name="meeting_delete",
    ),
    Route(
        "/{space}/meetings/{meeting:int}/minutes",
        minutes_upload,
        methods=["POST"],
        name="minutes",
    ),
]
