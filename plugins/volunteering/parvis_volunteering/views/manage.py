"""Associations for their managers: registration, details, the dashboard, and the managers
(invite by e-mail, leave, hand over)."""

from __future__ import annotations

from sqlalchemy import func, select
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis.api import Context, InvalidImage, parse_int, redirect, render, store_image, view

from .. import associations, terms
from ..forms import AssociationForm, InviteForm
from ..i18n import _
from ..models import LIVE, PENDING, REFUSED, Application, Association, Mission, Slot
from . import mission_edit
from .common import (
    area_choices,
    association_or_404,
    base_url,
    context,
    require_manager,
    term_choices,
)


def _association_form(ctx: Context, association: Association | None = None) -> AssociationForm:
    if ctx.form is not None:
        form = AssociationForm.from_request(ctx.form)
    elif association is not None:
        form = AssociationForm(obj=association)
        form.areas.data = [str(a) for a in association.area_ids or []]
    else:
        form = AssociationForm()
    form.areas.choices = area_choices(ctx)
    form.causes.choices = term_choices(ctx, terms.CAUSE)
    return form


def _details(ctx: Context, form: AssociationForm) -> associations.AssociationData | None:
    if not form.validate():
        return None
    return associations.AssociationData(
        name=form.name.data,
        purpose=form.purpose.data,
        website=form.website.data or "",
        contact_email=form.contact_email.data or "",
        contact_phone=form.contact_phone.data or "",
        area_ids=[int(a) for a in form.areas.data or []],
        causes=list(form.causes.data or []),
    )


def _store_logo(ctx: Context, form: AssociationForm) -> tuple[bool, int | None]:
    """(ok, upload id): a chosen logo is re-encoded and stored, anything else is a field error."""
    upload = ctx.form.get("logo") if ctx.form is not None else None
    if not isinstance(upload, UploadFile) or not upload.filename:
        return True, None
    try:
        stored = store_image(ctx.session, ctx.town, upload.file.read(), upload.filename)
    except InvalidImage:
        form.add_error("logo", _("This file is not an image we can read."))
        return False, None
    return True, stored.id


@view(files=("logo",))
def register(request: Request) -> Response:
    ctx = context(request)
    ctx.require("volunteering.register")
    form = _association_form(ctx)
    if ctx.form is not None:
        data = _details(ctx, form)
        ok, logo_id = _store_logo(ctx, form) if data is not None else (False, None)
        if data is not None and ok:
            association = associations.register(ctx.session, ctx.town.id, ctx.user, data)
            association.logo_id = logo_id
            ctx.audit("volunteering.register", f"association:{association.id}")
            ctx.flash(_("Thank you. Town staff will check the association before it is public."))
            return redirect(ctx.url("volunteering:manage", association=association.id))
    status = 400 if ctx.form is not None else 200
    return render(
        request,
        "volunteering/association_form.html",
        {"form": form, "association": None},
        status_code=status,
    )


@view(files=("logo",))
def edit(request: Request) -> Response:
    ctx = context(request)
    association = association_or_404(ctx, request.path_params["association"])
    require_manager(ctx, association)
    form = _association_form(ctx, association)
    if ctx.form is not None:
        data = _details(ctx, form)
        ok, logo_id = _store_logo(ctx, form) if data is not None else (False, None)
        if data is not None and ok:
            associations.update_details(association, data)
            association.logo_id = logo_id or association.logo_id
            if association.status == REFUSED:
                association.status = PENDING  # corrected: back in the town's queue
            ctx.audit("volunteering.association_edit", f"association:{association.id}")
            ctx.flash(_("The association is saved."))
            return redirect(ctx.url("volunteering:manage", association=association.id))
    status = 400 if ctx.form is not None else 200
    return render(
        request,
        "volunteering/association_form.html",
        {"form": form, "association": association},
        status_code=status,
    )


def _dashboard(
    ctx: Context, association: Association, invite_form: InviteForm | None = None, status: int = 200
) -> Response:
    pending = (
        select(func.count())
        .where(Application.mission_id == Mission.id, Application.status == "pending")
        .scalar_subquery()
    )
    live = (
        select(func.count())
        .where(Application.mission_id == Mission.id, Application.status.in_(LIVE))
        .scalar_subquery()
    )
    places = (
        select(func.coalesce(func.sum(Slot.places), 0))
        .where(Slot.mission_id == Mission.id)
        .scalar_subquery()
    )
    rows = ctx.session.execute(
        select(Mission, pending, live, places)
        .where(Mission.association_id == association.id)
        .order_by(Mission.status.desc(), Mission.created_at.desc())
    ).all()
    return render(
        ctx.request,
        "volunteering/manage.html",
        {
            "association": association,
            "rows": rows,
            "managers": associations.managers(ctx.session, association.id),
            "invite_form": invite_form or InviteForm(),
            "me": ctx.user,
        },
        status_code=status,
    )


@view
def manage(request: Request) -> Response:
    ctx = context(request)
    association = association_or_404(ctx, request.path_params["association"])
    require_manager(ctx, association)
    return _dashboard(ctx, association)


@view
def invite(request: Request) -> Response:
    ctx = context(request)
    association = association_or_404(ctx, request.path_params["association"])
    require_manager(ctx, association)
    form = InviteForm.from_request(ctx.form)
    if not form.validate():
        return _dashboard(ctx, association, form, 400)
    associations.invite(
        ctx.parvis, ctx.session, association, form.email.data, ctx.user, base_url(ctx), ctx.sign
    )
    ctx.audit("volunteering.invite_manager", f"association:{association.id}")
    ctx.flash(_("The invitation is sent."))
    return redirect(ctx.url("volunteering:manage", association=association.id))


@view
def accept_invite(request: Request) -> Response:
    """GET shows what the link is for; the POST (with the page's CSRF token) accepts."""
    ctx = context(request)
    ctx.require("volunteering.apply")
    token = request.path_params["token"][:100]
    if ctx.form is None:
        return render(request, "volunteering/accept_invite.html", {"token": token})
    association = associations.accept_invite(
        ctx.session, ctx.town.id, ctx.sign("volunteering-invite", token), ctx.user
    )
    if association is None:
        raise HTTPException(404)
    ctx.audit("volunteering.manager_join", f"association:{association.id}")
    ctx.flash(_("You are now a manager of %(name)s.", name=association.name))
    return redirect(ctx.url("volunteering:manage", association=association.id))


@view
def leave(request: Request) -> Response:
    ctx = context(request)
    association = association_or_404(ctx, request.path_params["association"])
    require_manager(ctx, association)
    problem = associations.leave(ctx.session, association.id, ctx.user)
    if problem:
        ctx.flash(problem, "error")
        return redirect(ctx.url("volunteering:manage", association=association.id))
    ctx.audit("volunteering.manager_leave", f"association:{association.id}")
    ctx.flash(_("You no longer manage %(name)s.", name=association.name))
    return redirect(ctx.url("volunteering:me"))


@view
def transfer(request: Request) -> Response:
    ctx = context(request)
    association = association_or_404(ctx, request.path_params["association"])
    require_manager(ctx, association)
    target = (ctx.form.get("manager") or "") if ctx.form is not None else ""
    problem = associations.transfer(
        ctx.session,
        association.id,
        ctx.user,
        parse_int(target) or 0,
    )
    if problem:
        ctx.flash(problem, "error")
    else:
        ctx.audit("volunteering.transfer", f"association:{association.id}")
        ctx.flash(_("The association is handed over."))
    return redirect(ctx.url("volunteering:manage", association=association.id))


@view
def register_start(request: Request) -> Response:
    """Where « my associations » live for a manager: the list, and the way to register one."""
    ctx = context(request)
    ctx.require("volunteering.register")
    return render(
        request,
        "volunteering/my_associations.html",
        {"managed": associations.managed(ctx.session, ctx.town.id, ctx.user)},
    )


routes = [
    Route("/associations/", register_start, name="my_associations"),
    Route("/associations/new", register, methods=["GET", "POST"], name="register"),
    Route("/associations/{association:int}/edit", edit, methods=["GET", "POST"], name="edit"),
    Route("/associations/{association:int}/manage", manage, name="manage"),
    Route("/associations/{association:int}/invite", invite, methods=["POST"], name="invite"),
    Route("/associations/{association:int}/leave", leave, methods=["POST"], name="leave"),
    Route("/associations/{association:int}/transfer", transfer, methods=["POST"], name="transfer"),
    Route("/invites/{token}", accept_invite, methods=["GET", "POST"], name="accept_invite"),
    *mission_edit.routes,
]
