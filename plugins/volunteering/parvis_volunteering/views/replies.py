"""An application's page (its thread, for the volunteer and the association's managers) and
the answers each side can give."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis.api import Context, User, redirect, render, view

from .. import applications, associations, messages
from ..forms import MessageForm, ReasonForm
from ..i18n import _
from ..models import Application, Association, Mission, Profile, Slot
from .common import application_or_404, base_url, context
from .public import slot_label


def _sides(ctx: Context, application: Application, association: Association) -> tuple[bool, bool]:
    """(is the volunteer, is a manager); anyone else gets a 404 (the id says nothing)."""
    ctx.require("volunteering.apply")
    mine = ctx.user is not None and application.user_id == ctx.user.id
    manager = associations.is_manager(ctx.session, association.id, ctx.user)
    if not (mine or manager):
        raise HTTPException(404)
    return mine, manager


def _page(
    ctx: Context,
    application: Application,
    mission: Mission,
    association: Association,
    message_form: MessageForm | None = None,
    reason_form: ReasonForm | None = None,
    status: int = 200,
) -> Response:
    mine, manager = _sides(ctx, application, association)
    volunteer = profile = None
    if manager and application.user_id:
        # Contact details: only for managers of an association this person applied to.
        volunteer = ctx.session.get(User, application.user_id)
        profile = ctx.session.scalar(select(Profile).where(Profile.user_id == application.user_id))
    slot = ctx.session.get(Slot, application.slot_id)
    return render(
        ctx.request,
        "volunteering/application.html",
        {
            "application": application,
            "mission": mission,
            "association": association,
            "slot": slot,
            "when": slot_label(slot) if slot else "",
            "thread": messages.thread(ctx.session, application.id),
            "mine": mine,
            "manager": manager,
            "volunteer": volunteer,
            "profile": profile,
            "message_form": message_form or MessageForm(),
            "reason_form": reason_form or ReasonForm(),
        },
        status_code=status,
    )


@view
def application(request: Request) -> Response:
    ctx = context(request)
    found, mission, association = application_or_404(ctx, request.path_params["application"])
    return _page(ctx, found, mission, association)


@view
def message(request: Request) -> Response:
    ctx = context(request)
    found, mission, association = application_or_404(ctx, request.path_params["application"])
    mine, manager = _sides(ctx, found, association)
    form = MessageForm.from_request(ctx.form)
    valid = form.validate()
    if valid and not messages.may_post(ctx.session, ctx.user):
        form.add_error("body", _("You sent many messages in the last hour: wait a little."))
    if not valid or form.errors:
        return _page(ctx, found, mission, association, message_form=form, status=400)
    messages.post(
        ctx.parvis,
        ctx.session,
        found,
        mission,
        ctx.user,
        form.body.data,
        manager and not mine,
        base_url(ctx),
    )
    ctx.flash(_("Your message is sent."))
    return redirect(ctx.url("volunteering:application", application=found.id) + "#thread")


def _transition(
    request: Request, side: str, act: Callable[[Context, Application], str]
) -> Response:
    ctx = context(request)
    found, mission, association = application_or_404(ctx, request.path_params["application"])
    mine, manager = _sides(ctx, found, association)
    if (side == "manager" and not manager) or (side == "volunteer" and not mine):
        raise HTTPException(403, _("This answer is not yours to give."))
    try:
        done = act(ctx, found)
    except applications.Refused as refused:
        ctx.flash(str(refused), "error")
        return redirect(ctx.url("volunteering:application", application=found.id))
    ctx.session.refresh(found)
    if side == "manager":
        applications.tell_volunteer(ctx.parvis, ctx.session, found, mission, base_url(ctx))
    else:
        applications.tell_managers(ctx.parvis, ctx.session, found, mission, base_url(ctx))
    ctx.audit(f"volunteering.{found.status}", f"application:{found.id}")
    ctx.flash(done)
    return redirect(ctx.url("volunteering:application", application=found.id))


def _offer_next(ctx: Context, offered: Application | None) -> None:
    if offered is not None:
        mission = ctx.session.get(Mission, offered.mission_id)
        applications.tell_volunteer(ctx.parvis, ctx.session, offered, mission, base_url(ctx))


@view
def accept(request: Request) -> Response:
    def act(ctx: Context, app: Application) -> str:
        applications.accept(ctx.session, app)
        return _("The volunteer is accepted and told.")

    return _transition(request, "manager", act)


@view
def waitlist(request: Request) -> Response:
    def act(ctx: Context, app: Application) -> str:
        applications.waitlist(ctx.session, app)
        return _("The volunteer is on the waiting list and told.")

    return _transition(request, "manager", act)


@view
def refuse(request: Request) -> Response:
    ctx = context(request)
    found, mission, association = application_or_404(ctx, request.path_params["application"])
    _mine, manager = _sides(ctx, found, association)
    if not manager:
        raise HTTPException(403, _("This answer is not yours to give."))
    form = ReasonForm.from_request(ctx.form)
    if not form.validate():
        return _page(ctx, found, mission, association, reason_form=form, status=400)

    def act(ctx: Context, app: Application) -> str:
        _offer_next(ctx, applications.refuse(ctx.session, app, form.reason.data))
        return _("The volunteer is told, with your reason.")

    return _transition(request, "manager", act)


@view
def withdraw(request: Request) -> Response:
    def act(ctx: Context, app: Application) -> str:
        _offer_next(ctx, applications.withdraw(ctx.session, app))
        return _("You withdrew; the association is told.")

    return _transition(request, "volunteer", act)


@view
def confirm(request: Request) -> Response:
    def act(ctx: Context, app: Application) -> str:
        applications.confirm_offer(ctx.session, app)
        return _("The place is yours. Thank you!")

    return _transition(request, "volunteer", act)


def _post(path: str, endpoint: Any, name: str) -> Route:
    return Route(f"/applications/{{application:int}}/{path}", endpoint, methods=["POST"], name=name)


routes = [
    Route("/applications/{application:int}", application, name="application"),
    _post("message", message, "message"),
    _post("accept", accept, "accept"),
    _post("waitlist", waitlist, "waitlist"),
    _post("refuse", refuse, "refuse"),
    _post("withdraw", withdraw, "withdraw"),
    _post("confirm", confirm, "confirm"),
]
