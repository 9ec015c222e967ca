"""The petitions pages: a module's page, signing, and the site-level "about" page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from parvis.api import Event, emit, get_context, redirect, render, view
from parvis_petitions.i18n import _
from parvis_petitions.models import Signature


def _count(session: Any, module_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(Signature).where(Signature.module_id == module_id)
    )


@view
def index(request: Any) -> Any:
    ctx = get_context(request)
    signed = ctx.user is not None and ctx.session.scalar(
        select(Signature.id).where(
            Signature.module_id == ctx.module.id, Signature.user_id == ctx.user.id
        )
    )
    return render(
        request,
        "petitions/index.html",
        {
            "count": _count(ctx.session, ctx.module.id),
            "goal": ctx.setting("petitions", "goal"),
            "signed": bool(signed),
            "decision": ctx.decide("petitions.sign", ctx.space, ctx.module),
        },
    )


@view
def sign(request: Any) -> Any:
    ctx = get_context(request)
    ctx.require("petitions.sign", ctx.space, ctx.module)
    try:
        with ctx.session.begin_nested():
            ctx.session.add(Signature(module_id=ctx.module.id, user_id=ctx.user.id))
    except IntegrityError:
        ctx.flash(_("You already signed this petition."), "info")
    else:
        emit(
            ctx.session,
            Event(
                "petitions.signed",
                ctx.town.id,
                ctx.user.id,
                ctx.space.id,
                {"module_id": ctx.module.id},
            ),
        )
        ctx.flash(_("Thank you for signing."))
    return redirect(ctx.module_url(ctx.module, ctx.space))


@view
def about(request: Any) -> Any:
    return render(request, "petitions/about.html")
