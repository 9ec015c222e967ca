"""A mission's applications for its managers: answers by slot, « volunteers who may fit » with
invitations, and who came after each slot."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis.api import User, redirect, render, view

from .. import clock, matching, missions, notify, profiles
from ..i18n import _
from ..models import Application, Invitation, Profile, Slot
from .common import base_url, context, digits, mission_or_404, require_manager
from .public import slot_label


@view
def roster(request: Request) -> Response:
    ctx = context(request)
    mission, association = mission_or_404(ctx, request.path_params["mission"])
    require_manager(ctx, association)
    slots = missions.slots(ctx.session, mission.id)
    by_slot: dict[int, list[tuple[Application, str | None]]] = defaultdict(list)
    for application, name in ctx.session.execute(
        select(Application, User.display_name)
        .outerjoin(User, User.id == Application.user_id)
        .where(Application.mission_id == mission.id)
        .order_by(Application.created_at, Application.id)
    ):
        by_slot[application.slot_id].append((application, name))
    today = clock.today(ctx.time_zone)
    return render(
        request,
        "volunteering/roster.html",
        {
            "mission": mission,
            "association": association,
            "mission_slots": slots,
            "by_slot": by_slot,
            "slot_label": slot_label,
            "past": {s.id for s in slots if s.date is None or s.date <= today},
            "candidates": matching.volunteers_for(ctx.session, mission)
            if mission.status == "published"
            else [],
        },
    )


@view
def invite_volunteer(request: Request) -> Response:
    ctx = context(request)
    mission, association = mission_or_404(ctx, request.path_params["mission"])
    require_manager(ctx, association)
    profile_id = digits(str(ctx.form.get("profile", "")))
    profile = ctx.session.scalar(
        select(Profile).where(
            Profile.id == (profile_id or 0),
            Profile.town_id == ctx.town.id,
            Profile.contactable.is_(True),
        )
    )
    if profile is None or mission.status != "published":
        raise HTTPException(404)
    exists = ctx.session.scalar(
        select(Invitation.id).where(
            Invitation.mission_id == mission.id, Invitation.user_id == profile.user_id
        )
    )
    if exists is None:
        ctx.session.add(
            Invitation(mission_id=mission.id, user_id=profile.user_id, invited_by=ctx.user.id)
        )
        user = ctx.session.get(User, profile.user_id)
        title, name = mission.title, association.name
        link = f"{base_url(ctx)}/p/volunteering/me#invitations"

        def write() -> tuple[str, str]:
            return (
                _('%(name)s thinks of you for "%(title)s"', name=name, title=title),
                _(
                    "%(name)s saw your volunteer profile and invites you to look at the mission "
                    '"%(title)s". They do not have your contact details: answer if you like.',
                    name=name,
                    title=title,
                )
                + "\n\n"
                + link,
            )

        notify.mail_users(ctx.parvis, ctx.session, ctx.town.id, [user], write)
        ctx.audit("volunteering.invite_volunteer", f"mission:{mission.id}")
    ctx.flash(_("The volunteer is invited; you will see their details if they apply."))
    return redirect(ctx.url("volunteering:roster", mission=mission.id))


def _hours(value: str | None) -> float | None:
    try:
        hours = Decimal((value or "").replace(",", "."))
    except InvalidOperation:
        return None
    return float(hours) if 0 < hours <= 24 * 7 else None


@view
def attendance(request: Request) -> Response:
    ctx = context(request)
    slot = ctx.session.get(Slot, request.path_params["slot"])
    if slot is None:
        raise HTTPException(404)
    mission, association = mission_or_404(ctx, slot.mission_id)
    require_manager(ctx, association)
    if slot.date is not None and slot.date > clock.today(ctx.time_zone):
        raise HTTPException(403, _("You can say who came once the day has come."))
    default = clock.slot_hours(slot.start, slot.end) or float(mission.hours_per_session or 0) or 1.0
    came: dict[int, float | None] = {}
    for key in ctx.form.getlist("came"):
        application_id = digits(str(key))
        if application_id:
            came[application_id] = _hours(ctx.form.get(f"hours-{application_id}")) or default
    changed = profiles.record_attendance(ctx.session, slot.id, came)
    ctx.audit("volunteering.attendance", f"slot:{slot.id}", changed=changed)
    ctx.flash(_("Thank you: the volunteers' history is up to date."))
    return redirect(ctx.url("volunteering:roster", mission=mission.id))


routes = [
    Route("/missions/{mission:int}/applications", roster, name="roster"),
    Route(
        "/missions/{mission:int}/invite",
        invite_volunteer,
        methods=["POST"],
        name="invite_volunteer",
    ),
    Route("/slots/{slot:int}/attendance", attendance, methods=["POST"], name="attendance"),
]
