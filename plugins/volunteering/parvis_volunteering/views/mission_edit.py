"""Creating and editing a mission (managers of a validated or pending association)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis.api import Context, redirect, render, view

from .. import clock, missions, terms
from ..forms import MissionForm, parse_times, time_choices
from ..i18n import _
from ..models import CLOSED, SUSPENDED, Association, Mission
from .common import (
    area_choices,
    association_or_404,
    base_url,
    context,
    mission_or_404,
    require_manager,
    term_choices,
)


def _choices(ctx: Context, form: MissionForm) -> MissionForm:
    form.cause.choices = [("", _("Choose a cause")), *term_choices(ctx, terms.CAUSE)]
    form.skills.choices = term_choices(ctx, terms.SKILL)
    form.area.choices = area_choices(ctx, empty=_("None (remote)"))
    form.times.choices = time_choices()
    return form


def _data(ctx: Context, form: MissionForm, mission: Mission | None) -> missions.MissionData | None:
    """The form's values as ``MissionData``, or None after adding errors beside the fields."""
    kind = mission.kind if mission is not None else form.kind.data
    if not form.remote.data and not (form.area.data and form.address.data):
        form.add_error("address", _('Give the neighbourhood and the address, or tick "remote".'))
    slots: list[missions.SlotData] = []
    if kind == "slots":
        for entry in form.slots.entries:
            row = entry.form
            values = (row.date.data, row.start.data, row.end.data, row.places.data)
            if not any(values):
                continue
            if not all(values):
                row.date.errors = [*row.date.errors, _("Give the date, start, end and places.")]
            elif row.end.data <= row.start.data:
                row.end.errors = [*row.end.errors, _("The end must be after the start.")]
            elif row.date.data < clock.today(ctx.time_zone):
                row.date.errors = [*row.date.errors, _("This date has passed.")]
            else:
                slots.append(missions.SlotData(*values))
        has_slot_errors = any(e.form.errors for e in form.slots.entries)
        if not slots and mission is None and not has_slot_errors:
            form.slots.entries[0].form.date.errors = [_("Give at least one date.")]
    elif not form.times.data:
        form.add_error("times", _("Choose at least one weekly time."))
    if form.errors or any(e.form.errors for e in form.slots.entries):
        return None
    hours = form.hours_per_session.data
    return missions.MissionData(
        title=form.title.data,
        description=form.description.data,
        cause=form.cause.data,
        skills=list(form.skills.data or []),
        area_id=int(form.area.data) if form.area.data else None,
        address=form.address.data or "",
        remote=bool(form.remote.data),
        kind=kind,
        min_age=form.min_age.data or 0,
        accessibility=form.accessibility.data or "",
        slots=slots,
        times=parse_times(form.times.data or []),
        weeks=form.weeks.data,
        hours_per_session=float(hours) if isinstance(hours, Decimal) else None,
        places=form.places.data or 1,
    )


def _page(
    ctx: Context, association: Association, form: MissionForm, mission: Mission | None, status: int
) -> Response:
    return render(
        ctx.request,
        "volunteering/mission_form.html",
        {
            "association": association,
            "form": form,
            "mission": mission,
            "existing_slots": missions.slots(ctx.session, mission.id) if mission else [],
        },
        status_code=status,
    )


def _guard(ctx: Context, association: Association) -> None:
    require_manager(ctx, association)
    if association.status == SUSPENDED:
        raise HTTPException(403, _("This association is suspended."))


@view
def mission_new(request: Request) -> Response:
    ctx = context(request)
    association = association_or_404(ctx, request.path_params["association"])
    _guard(ctx, association)
    form = _choices(
        ctx, MissionForm.from_request(ctx.form) if ctx.form is not None else MissionForm()
    )
    if ctx.form is not None and form.validate():
        data = _data(ctx, form, None)
        if data is not None:
            mission = Mission(town_id=ctx.town.id, association_id=association.id)
            missions.save(ctx.session, mission, data)
            ctx.audit("volunteering.mission_new", f"mission:{mission.id}")
            ctx.flash(_("The mission is published."))
            return redirect(ctx.url("volunteering:mission", mission=mission.id))
    return _page(ctx, association, form, None, 400 if ctx.form is not None else 200)


@view
def mission_edit(request: Request) -> Response:
    ctx = context(request)
    mission, association = mission_or_404(ctx, request.path_params["mission"])
    _guard(ctx, association)
    if mission.status == CLOSED:
        raise HTTPException(403, _("This mission is closed."))
    if ctx.form is not None:
        form = _choices(ctx, MissionForm.from_request(ctx.form))
    else:
        form = _choices(ctx, MissionForm(obj=_Prefill(ctx, mission)))
    if ctx.form is not None and form.validate():
        data = _data(ctx, form, mission)
        if data is not None:
            missions.save(ctx.session, mission, data)
            ctx.audit("volunteering.mission_edit", f"mission:{mission.id}")
            ctx.flash(_("The mission is saved."))
            return redirect(ctx.url("volunteering:mission", mission=mission.id))
    return _page(ctx, association, form, mission, 400 if ctx.form is not None else 200)


class _Prefill:
    """A mission's stored values under the form's field names."""

    def __init__(self, ctx: Context, mission: Mission) -> None:
        slot = missions.slots(ctx.session, mission.id)
        self.title, self.description = mission.title, mission.description
        self.cause, self.remote, self.address = mission.cause, mission.remote, mission.address
        self.area = str(mission.area_id) if mission.area_id else ""
        self.kind, self.min_age, self.accessibility = (
            mission.kind,
            mission.min_age,
            mission.accessibility,
        )
        self.skills = missions.skills_of(ctx.session, mission.id)
        self.times = [f"{w}-{p}" for w, p in missions.times_of(ctx.session, mission.id)]
        self.weeks = mission.weeks
        self.hours_per_session = mission.hours_per_session
        self.places = slot[0].places if mission.kind == "recurring" and slot else 1
        self.slots: list[Any] = []


@view
def mission_close(request: Request) -> Response:
    ctx = context(request)
    mission, association = mission_or_404(ctx, request.path_params["mission"])
    require_manager(ctx, association)
    told = missions.close(ctx.parvis, ctx.session, mission.id, base_url(ctx))
    ctx.audit("volunteering.mission_close", f"mission:{mission.id}", told=told)
    ctx.flash(_("The mission is closed; the volunteers who had applied are told."))
    return redirect(ctx.url("volunteering:manage", association=association.id))


routes = [
    Route(
        "/associations/{association:int}/missions/new",
        mission_new,
        methods=["GET", "POST"],
        name="mission_new",
    ),
    Route(
        "/missions/{mission:int}/edit", mission_edit, methods=["GET", "POST"], name="mission_edit"
    ),
    Route("/missions/{mission:int}/close", mission_close, methods=["POST"], name="mission_close"),
]
