"""Public pages: the mission list with its filters, a mission with its apply form, and an
association's page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis.api import Area, Context, format_date, redirect, render, view

from .. import applications, associations, clock, missions, terms
from ..forms import PART_LABELS, WEEKDAYS, ApplyForm
from ..i18n import _, ngettext
from ..models import LIVE, PUBLISHED, VALIDATED, Application, Association, Mission, Slot
from .common import (
    area_choices,
    association_or_404,
    base_url,
    context,
    digits,
    iso_date,
    mission_or_404,
    term_choices,
    visible_to,
)


def filters_from(query: Any) -> missions.Filters:
    remote = query.get("remote", "")
    return missions.Filters(
        cause=query.get("cause", "")[:40],
        skill=query.get("skill", "")[:40],
        area_id=digits(query.get("area")),
        date_from=iso_date(query.get("from")),
        date_to=iso_date(query.get("to")),
        remote=remote if remote in ("yes", "no") else "",
        places_left=query.get("places") == "1",
        page=digits(query.get("page")) or 1,
    )


@view
def index(request: Request) -> Response:
    ctx = context(request)
    filters = filters_from(request.query_params)
    found, total = missions.search(ctx.session, ctx.town.id, filters)
    query = {k: v for k, v in request.query_params.items() if k != "page"}
    return render(
        request,
        "volunteering/index.html",
        {
            "found": found,
            "total": total,
            "filters": filters,
            "query": query,
            "pages": max(1, -(-total // missions.PAGE_SIZE)),
            "causes": term_choices(ctx, terms.CAUSE),
            "skills": term_choices(ctx, terms.SKILL),
            "cause_labels": terms.labels(ctx.session, ctx.town.id, terms.CAUSE),
            "area_choices": area_choices(ctx),
            "can_register": ctx.user is not None,
        },
    )


def slot_label(slot: Slot) -> str:
    if slot.date is None:
        return _("Every week")
    when = format_date(slot.date, "full")
    if slot.start and slot.end:
        when = _(
            "%(day)s, %(start)s–%(end)s",  # noqa: RUF001 (a range of hours)
            day=when,
            start=slot.start.strftime("%H:%M"),
            end=slot.end.strftime("%H:%M"),
        )
    return when


def place_label(slot: Slot) -> str:
    left = slot.places - slot.taken
    if left <= 0:
        return _("full: waiting list")
    return ngettext("%(num)d place left", "%(num)d places left", left)


def times_label(times: list[tuple[int, int]]) -> str:
    return ", ".join(f"{WEEKDAYS[w]} {PART_LABELS[p]}" for w, p in times)


def mission_page(
    ctx: Context,
    mission: Mission,
    association: Association,
    form: ApplyForm | None = None,
    status: int = 200,
) -> Response:
    upcoming = missions.slots(ctx.session, mission.id, since=clock.today(ctx.time_zone))
    form = form or ApplyForm()
    form.slot.choices = [(str(s.id), f"{slot_label(s)} — {place_label(s)}") for s in upcoming]
    if len(upcoming) == 1 and not form.slot.data:
        form.slot.data = str(upcoming[0].id)
    mine: list[Application] = []
    if ctx.user is not None:
        mine = list(
            ctx.session.scalars(
                select(Application).where(
                    Application.mission_id == mission.id, Application.user_id == ctx.user.id
                )
            )
        )
    area = ctx.session.get(Area, mission.area_id) if mission.area_id else None
    skill_labels = terms.labels(ctx.session, ctx.town.id, terms.SKILL)
    decision = ctx.decide("volunteering.apply")
    return render(
        ctx.request,
        "volunteering/mission.html",
        {
            "mission": mission,
            "association": association,
            "area": area,
            "cause": terms.labels(ctx.session, ctx.town.id, terms.CAUSE).get(
                mission.cause, mission.cause
            ),
            "skills": [skill_labels.get(s, s) for s in missions.skills_of(ctx.session, mission.id)],
            "times": times_label(missions.times_of(ctx.session, mission.id)),
            "upcoming": upcoming,
            "slot_label": slot_label,
            "place_label": place_label,
            "form": form,
            "mine": mine,
            "live": LIVE,
            "is_manager": associations.is_manager(ctx.session, association.id, ctx.user),
            "open": mission.status == PUBLISHED and association.status == VALIDATED and upcoming,
            "decision": decision,
        },
        status_code=status,
    )


@view
def mission(request: Request) -> Response:
    ctx = context(request)
    found, association = mission_or_404(ctx, request.path_params["mission"])
    if not visible_to(ctx, found, association):
        raise HTTPException(404)
    return mission_page(ctx, found, association)


@view
def apply(request: Request) -> Response:
    ctx = context(request)
    found, association = mission_or_404(ctx, request.path_params["mission"])
    if not visible_to(ctx, found, association):
        raise HTTPException(404)
    ctx.require("volunteering.apply")
    form = ApplyForm.from_request(ctx.form)
    upcoming = missions.slots(ctx.session, found.id, since=clock.today(ctx.time_zone))
    form.slot.choices = [(str(s.id), slot_label(s)) for s in upcoming]
    if not form.validate():
        return mission_page(ctx, found, association, form, 400)
    slot = next(s for s in upcoming if str(s.id) == form.slot.data)
    try:
        application = applications.apply(
            ctx.session, found, association, slot, ctx.user, form.message.data or ""
        )
    except applications.Refused as refused:
        form.add_error("slot", str(refused))
        return mission_page(ctx, found, association, form, 400)
    applications.tell_managers(ctx.parvis, ctx.session, application, found, base_url(ctx))
    ctx.audit("volunteering.apply", f"application:{application.id}")
    if application.status == "waitlisted":
        ctx.flash(_("This date is full: you are on the waiting list."), "info")
    else:
        ctx.flash(_("Your application is sent. The association will answer you here."))
    return redirect(ctx.url("volunteering:application", application=application.id))


@view
def association_page(request: Request) -> Response:
    ctx = context(request)
    association = association_or_404(ctx, request.path_params["association"])
    is_manager = associations.is_manager(ctx.session, association.id, ctx.user)
    if association.status != VALIDATED and not (is_manager or ctx.can("volunteering.staff")):
        raise HTTPException(404)
    found, _total = missions.search(
        ctx.session, ctx.town.id, missions.Filters(association_id=association.id, page=1)
    )
    served = list(
        ctx.session.scalars(
            select(Area.name).where(Area.id.in_(association.area_ids or [])).order_by(Area.position)
        )
    )
    cause_labels = terms.labels(ctx.session, ctx.town.id, terms.CAUSE)
    return render(
        request,
        "volunteering/association.html",
        {
            "association": association,
            "found": found,
            "served": served,
            "causes": [cause_labels.get(c, c) for c in association.causes or []],
            "is_manager": is_manager,
        },
    )


routes = [
    Route("/", index, name="index"),
    Route("/missions/{mission:int}", mission, name="mission"),
    Route("/missions/{mission:int}/apply", apply, methods=["POST"], name="apply"),
    Route("/associations/{association:int}", association_page, name="association"),
]
