"""The checks every administration page starts with; ids from URLs are looked up within the
current town only, so another town's ids are simply not found."""

from __future__ import annotations

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request

from parvis.context import Context, LoginRequired, get_context
from parvis.i18n import gettext as _
from parvis.models import Space
from parvis.permissions import SPACE_ADMIN


def require_admin_area(ctx: Context) -> None:
    if ctx.user is None:
        raise LoginRequired()
    has_space_role = any(SPACE_ADMIN in roles for roles in ctx.actor.space_roles.values())
    if not (ctx.actor.is_town_admin or has_space_role):
        raise HTTPException(403, _("Only administrators may open the administration."))


def town_admin(request: Request) -> Context:
    """The context of a page only town administrators may use."""
    ctx = get_context(request)
    require_admin_area(ctx)
    ctx.require("admin.town")
    return ctx


def town_space(ctx: Context, space_id: int) -> Space:
    space = ctx.session.scalar(
        select(Space).where(Space.id == space_id, Space.town_id == ctx.town.id)
    )
    if space is None:
        raise HTTPException(404)
    ctx.require("spaces.manage", space)
    return space


def space_choices(ctx: Context, empty_label: str) -> list[tuple[str, str]]:
    spaces = ctx.session.execute(
        select(Space.id, Space.title).where(Space.town_id == ctx.town.id).order_by(Space.title)
    )
    return [("", empty_label)] + [(str(i), t) for i, t in spaces]
