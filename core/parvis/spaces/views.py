"""Public pages: home, everything open now, space list, space page, uploads, accessibility."""

from __future__ import annotations

from sqlalchemy import select, true
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis import uploads
from parvis.context import Context, get_context
from parvis.forms import parse_int
from parvis.i18n import gettext as _
from parvis.models import Area, Upload
from parvis.rendering import redirect, render
from parvis.spaces import services
from parvis.spaces.home_parts import home_parts
from parvis.spaces.open_page import choose_area, choose_page, open_parts, open_rows
from parvis.spaces.space_cards import space_cards
from parvis.towns import town_areas
from parvis.web import view


@view(cache=True, autocommit=True)
def home(request: Request) -> Response:
    ctx = get_context(request)
    parts = home_parts(ctx)  # shared by every visitor: the viewer's own parts are below
    area_id = ctx.user.area_id if ctx.user is not None else None
    return render(
        request,
        "core/home.html",
        {
            "home": parts,
            "my_area": parts.area(area_id),
            "neighbourhood": parts.neighbourhoods.get(area_id, ()) if area_id is not None else (),
        },
        slots=("home.top", "home.main"),
    )


@view(cache=True, autocommit=True)
def open_now(request: Request) -> Response:
    """Everything open now, soonest deadline first, optionally in one neighbourhood, a page at
    a time; a page number that names no page gives an existing one and says so."""
    ctx = get_context(request)
    choice = choose_area(ctx, request.query_params.get("area"))
    rows = open_rows(ctx, choice)
    page = choose_page(request.query_params.get("page"), len(rows))
    return render(
        request,
        "core/open.html",
        {
            "open": open_parts(ctx, choice, rows, page),
            "unknown_area": choice.unknown,
            "paging": page,
        },
    )


@view(cache=True)
def space_list(request: Request) -> Response:
    ctx = get_context(request)
    area_id = parse_int(request.query_params.get("area"))
    kind = request.query_params.get("kind") or None
    if kind not in ctx.parvis.registry.space_kinds:
        kind = None
    spaces = services.list_spaces(ctx.session, ctx.town, visible=true(), area_id=area_id, kind=kind)
    return render(
        request,
        "core/spaces.html",
        {
            "spaces": spaces,
            "areas": town_areas(ctx.session, ctx.town),
            "kinds": ctx.parvis.registry.space_kinds,
            "area_id": area_id,
            "kind": kind,
        },
    )


@view(cache=True, autocommit=True)
def space_page(request: Request) -> Response:
    ctx = get_context(request)
    space = ctx.space
    assert space is not None
    can_manage = ctx.can("spaces.manage", space)
    cards = space_cards(ctx, space, include_unpublished=can_manage)
    following = ctx.user is not None and services.is_following(ctx.session, ctx.user.id, space)
    area = ctx.session.get(Area, space.area_id) if space.area_id else None
    return render(
        request,
        "core/space.html",
        {
            "cards": cards,
            "following": following,
            "can_manage": can_manage,
            "area": area,
            "kind": ctx.parvis.registry.space_kinds.get(space.kind),
        },
        slots=("space.top", "space.main", "space.aside"),
    )


@view
def follow(request: Request) -> Response:
    ctx = get_context(request)
    assert ctx.space is not None
    ctx.require("spaces.follow", ctx.space)
    assert ctx.user is not None
    wanted = (ctx.form or {}).get("follow") == "1"
    services.set_following(ctx.session, ctx.user.id, ctx.space, wanted)
    ctx.flash(_("You follow this space.") if wanted else _("You no longer follow this space."))
    return redirect(ctx.url("spaces:space", space=ctx.space.slug))


@view
def upload(request: Request) -> Response:
    ctx = get_context(request)
    item = ctx.session.scalar(
        select(Upload).where(
            Upload.id == request.path_params["upload"], Upload.town_id == ctx.town.id
        )
    )
    if item is None:
        raise HTTPException(404)
    # Served only to whoever may see what it belongs to (an unpublished space's image is as
    # private as the space); shared caches keep only what everyone may see.
    found = uploads.owners(ctx.session, item.id)
    visible = [o for o in found if o.town_wide or (o.space is not None and _may_see(ctx, o))]
    if not visible:
        raise HTTPException(404)
    public = all(uploads.is_public(o) for o in found)
    return Response(
        item.data,
        media_type=item.content_type,
        headers={"cache-control": "public, max-age=86400" if public else "private, no-store"},
    )


def _may_see(ctx: Context, owner: uploads.Owner) -> bool:
    if uploads.is_public(owner):
        return True
    return ctx.can("spaces.manage", owner.space)


@view(cache=True)
def accessibility(request: Request) -> Response:
    return render(request, "core/accessibility.html")


routes = [
    Route("/", home, name="spaces:home"),
    Route("/open", open_now, name="spaces:open"),
    Route("/spaces", space_list, name="spaces:list"),
    Route("/s/{space}", space_page, name="spaces:space"),
    Route("/s/{space}/follow", follow, methods=["POST"], name="spaces:follow"),
    Route("/uploads/{upload:int}", upload, name="spaces:upload"),
    Route("/accessibility", accessibility, name="spaces:accessibility"),
]
