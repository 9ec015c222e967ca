"""A council's meetings: publishing, editing and deleting them, and their minutes (PDF)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from parvis.api import Context, Space, redirect, render, view

from .. import common, documents
from ..forms import MeetingForm, MinutesForm
from ..i18n import _
from ..models import Document, Meeting
from . import items
from .council import council_context, manage_page


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
    ctx, space = council_context(request)
    ctx.require("council_space.manage", space)
    form = MeetingForm.from_request(ctx.form)
    valid = form.validate()
    # Stored only with a valid form: a rejected one leaves no document behind.
    minutes_id = _read_minutes(ctx, space, form) if valid else None
    if not valid or form.minutes.errors:
        return manage_page(ctx, space, meeting_form=form, status_code=400)
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
    items.record_publication(ctx, space, "meeting", meeting)
    return items.back_to_manage(ctx, space, _("The meeting is published."))


def _to_utc(ctx: Context, local: dt.datetime) -> dt.datetime:
    """A date and time typed on the town's clock, as UTC."""
    return local.replace(tzinfo=ctx.time_zone).astimezone(dt.UTC)


@view(files=("minutes",))
def minutes_upload(request: Request) -> Response:
    ctx, space, meeting = items.to_change(request, "meeting", Meeting)
    form = MinutesForm.from_request(ctx.form)
    minutes_id = _read_minutes(ctx, space, form)
    if minutes_id is None:
        if not form.minutes.errors:
            form.add_error("minutes", _("Choose the PDF file of the minutes."))
        return _meeting_page(ctx, space, meeting, minutes_form=form, status_code=400)
    _replace_minutes(ctx, space, meeting, minutes_id)
    ctx.flash(_("The minutes are published."))
    return redirect(items.url(ctx, space, "meeting", meeting.id))


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
    ctx, space = council_context(request)
    meeting = items.get_or_404(ctx, space, Meeting, request.path_params["meeting"])
    return _meeting_page(ctx, space, meeting)


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
    ctx, space, meeting = items.to_change(request, "meeting", Meeting)
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
            items.record_edit(ctx, "meeting", meeting)
            ctx.flash(_("The meeting is saved."))
            return redirect(items.url(ctx, space, "meeting", meeting.id))
    return items.edit_page(ctx, space, "meeting", meeting, form)


@view
def meeting_delete(request: Request) -> Response:
    ctx, space, meeting = items.to_change(request, "meeting", Meeting)
    if request.method == "POST":
        items.record_deletion(ctx, "meeting", meeting)
        minutes_id = meeting.minutes_id
        ctx.session.delete(meeting)
        ctx.session.flush()
        if minutes_id is not None:  # its minutes are no longer downloadable either
            ctx.session.execute(
                delete(Document).where(Document.id == minutes_id, Document.space_id == space.id)
            )
        return items.back_to_manage(ctx, space, _("The meeting is deleted."))
    return items.confirm_delete_page(
        ctx,
        space,
        "meeting",
        meeting,
        _("Delete the meeting “%(title)s” and its minutes?", title=meeting.title),
    )
