"""The volunteer's own pages: their space (applications, invitations, history), the profile,
« Missions for you » and the calendar of accepted slots."""

from __future__ import annotations

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis.api import redirect, render, view

from .. import associations, ics, matching, profiles, terms
from ..forms import ProfileForm, parse_times, time_choices
from ..i18n import _
from ..models import Application, Association, Invitation, Mission, Slot
from .common import area_choices, context, term_choices
from .public import slot_label


@view
def me(request: Request) -> Response:
    ctx = context(request)
    ctx.require("volunteering.apply")
    rows = ctx.session.execute(
        select(Application, Mission, Slot)
        .join(Mission, Mission.id == Application.mission_id)
        .join(Slot, Slot.id == Application.slot_id)
        .where(Application.user_id == ctx.user.id)
        .order_by(Slot.date.is_(None), Slot.date.desc(), Application.id.desc())
    ).all()
    invitations = ctx.session.execute(
        select(Invitation, Mission, Association.name)
        .join(Mission, Mission.id == Invitation.mission_id)
        .join(Association, Association.id == Mission.association_id)
        .where(
            Invitation.user_id == ctx.user.id,
            Invitation.answer.is_(None),
            Mission.status == "published",
        )
        .order_by(Invitation.created_at.desc())
    ).all()
    return render(
        request,
        "volunteering/me.html",
        {
            "rows": rows,
            "invitations": invitations,
            "slot_label": slot_label,
            "profile": profiles.of(ctx.session, ctx.user),
            "history": profiles.history(ctx.session, ctx.user),
            "managed": associations.managed(ctx.session, ctx.town.id, ctx.user),
        },
    )


@view
def profile(request: Request) -> Response:
    ctx = context(request)
    ctx.require("volunteering.apply")
    current = profiles.of(ctx.session, ctx.user)
    if ctx.form is not None:
        form = ProfileForm.from_request(ctx.form)
    elif current is not None:
        skills, causes, times = profiles.values(ctx.session, current)
        form = ProfileForm(
            skills=skills,
            causes=causes,
            times=[f"{w}-{p}" for w, p in times],
            area=str(current.area_id or ""),
            phone=current.phone,
            suggest=current.suggest,
            contactable=current.contactable,
        )
    else:
        form = ProfileForm(area=str(ctx.user.area_id or ""))
    form.skills.choices = term_choices(ctx, terms.SKILL)
    form.causes.choices = term_choices(ctx, terms.CAUSE)
    form.times.choices = time_choices()
    form.area.choices = area_choices(ctx, empty=_("Not given"))
    if ctx.form is not None and form.validate():
        profiles.save(
            ctx.session,
            ctx.town.id,
            ctx.user,
            profiles.ProfileData(
                skills=list(form.skills.data or []),
                causes=list(form.causes.data or []),
                times=parse_times(form.times.data or []),
                area_id=int(form.area.data) if form.area.data else None,
                phone=form.phone.data or "",
                suggest=bool(form.suggest.data),
                contactable=bool(form.contactable.data),
            ),
        )
        ctx.flash(_("Your volunteer profile is saved."))
        return redirect(ctx.url("volunteering:suggestions"))
    status = 400 if ctx.form is not None else 200
    return render(
        request, "volunteering/profile.html", {"form": form, "profile": current}, status_code=status
    )


@view
def delete_profile(request: Request) -> Response:
    ctx = context(request)
    ctx.require("volunteering.apply")
    current = profiles.of(ctx.session, ctx.user)
    if current is not None:
        ctx.session.delete(current)
    ctx.flash(_("Your volunteer profile is deleted; your applications stay."))
    return redirect(ctx.url("volunteering:me"))


@view
def suggestions(request: Request) -> Response:
    ctx = context(request)
    ctx.require("volunteering.apply")
    current = profiles.of(ctx.session, ctx.user)
    found = (
        matching.missions_for(ctx.session, current, ctx.user)
        if current is not None and current.suggest
        else []
    )
    return render(
        request,
        "volunteering/suggestions.html",
        {
            "profile": current,
            "found": found,
            "cause_labels": terms.labels(ctx.session, ctx.town.id, terms.CAUSE),
        },
    )


@view
def answer_invitation(request: Request) -> Response:
    ctx = context(request)
    ctx.require("volunteering.apply")
    invitation = ctx.session.scalar(
        select(Invitation).where(
            Invitation.id == request.path_params["invitation"], Invitation.user_id == ctx.user.id
        )
    )
    if invitation is None:
        raise HTTPException(404)
    yes = ctx.form.get("answer") == "yes"
    invitation.answer = "yes" if yes else "no"
    if yes:
        ctx.flash(_("Choose a date and apply: the association will then see your details."), "info")
        return redirect(ctx.url("volunteering:mission", mission=invitation.mission_id) + "#apply")
    ctx.flash(_("Noted; the association will not insist."))
    return redirect(ctx.url("volunteering:me"))


@view
def calendar(request: Request) -> Response:
    ctx = context(request)
    ctx.require("volunteering.apply")
    body = ics.accepted_slots(ctx.session, ctx.user, ctx.town.name, ctx.time_zone, ctx.base_url)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="volunteering.ics"'},
    )


routes = [
    Route("/me", me, name="me"),
    Route("/me/profile", profile, methods=["GET", "POST"], name="profile"),
    Route("/me/profile/delete", delete_profile, methods=["POST"], name="delete_profile"),
    Route("/me/missions", suggestions, name="suggestions"),
    Route("/me/calendar.ics", calendar, name="calendar"),
    Route(
        "/invitations/{invitation:int}/answer",
        answer_invitation,
        methods=["POST"],
        name="answer_invitation",
    ),
]
