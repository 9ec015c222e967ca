"""Public pages: home, space list, space page, uploads, accessibility statement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from sqlalchemy import bindparam, select, true
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis import schedule, uploads
from parvis.cards import card_frame, framed_card_list
from parvis.context import Context, get_context
from parvis.contrib import ModuleRow, ModuleType
from parvis.forms import parse_int
from parvis.httpcache import shared_fragment
from parvis.i18n import gettext as _
from parvis.models import Area, Module, Space, Upload
from parvis.phases import Deadline, phase_deadline
from parvis.rendering import redirect, render
from parvis.schedule import resident_phase
from parvis.spaces import services
from parvis.spaces.home import summaries
from parvis.spaces.home_parts import home_parts
from parvis.towns import town_areas
from parvis.web import view


@view(cache=True)
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


@view(cache=True)
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


@dataclass(frozen=True, slots=True)
class SpaceCards:
    """A space page's module cards, rendered (``count``: how many)."""

    html: Markup
    count: int


def space_cards(ctx: Context, space: Space, *, include_unpublished: bool) -> SpaceCards:
    """The space's module cards, kept per space, town content version, language, minute and
    theme (``shared_fragment``) and given to every visitor: built for the first one, whoever
    they are, so nothing here depends on the viewer but whether unpublished modules are listed
    (staff who manage the space), which is part of the key."""
    name = f"core.space.{space.id}.{'all' if include_unpublished else 'published'}"
    return shared_fragment(
        ctx,
        name,
        lambda: _render_cards(ctx, space, include_unpublished),
        lambda kept: len(kept.html),
    )


def _render_cards(ctx: Context, space: Space, include_unpublished: bool) -> SpaceCards:
    cards = module_cards(ctx, space, include_unpublished=include_unpublished)
    env = ctx.parvis.jinja_env(ctx.town.theme)
    if env.globals["theme_cards"]:  # the theme's own ``card`` macro
        macros = env.get_template("core/_space_cards.html").make_module(
            {"town": ctx.town, "locale": ctx.locale, "url": ctx.url}
        )
        html = Markup(macros.module_cards(cards))
    else:
        html = framed_card_list(cards)
    return SpaceCards(html, len(cards))


@dataclass(slots=True)
class ModuleCard:
    """One module on its space's page, ready for the card (attributes, not dict keys: Jinja
    tries an attribute first, and each miss on a dict costs an exception). Not frozen: a frozen
    dataclass takes five times as long to build, and a page builds hundreds. ``frame`` is the
    markup the cards of its type and phase share (``cards.card_frame``)."""

    module: ModuleRow
    title: str
    url: str
    type_label: str
    phase_label: str
    tone: str
    deadline: Deadline | None
    count: tuple[int, str] | None
    action: tuple[str, str] | None
    frame: tuple[str, str]

    @property
    def options(self) -> dict[str, Any]:
        """The card's arguments (``ui.card(**c.options)``, for a theme's own card macro)."""
        return {
            "title": self.title,
            "href": self.url,
            "kind": self.module.type,
            "meta": self.type_label,
            "badge": (self.phase_label, self.tone),
            "due": self.deadline,
            "count": self.count,
            "action": self.action,
        }


@dataclass(slots=True)
class _Labels:
    """What the cards of one module type and phase share, worked out once per page."""

    mtype: ModuleType
    type_label: str
    phase_label: str
    tone: str
    acting: bool
    frame: tuple[str, str]


# A space's modules with their dated phases (all, or only the published ones), built once.
_SPACE_MODULES = {
    True: schedule.rows_query(Module.space_id == bindparam("space")),
    False: schedule.rows_query(Module.space_id == bindparam("space"), Module.published.is_(True)),
}


def module_cards(ctx: Context, space: Space, *, include_unpublished: bool) -> list[ModuleCard]:
    """The space's modules of plugins enabled for the town, with their link and labels.

    Labels and the cards' shared markup are worked out once per type and phase here, not once
    per card; each type's link is reversed once (its module's id then put in it).
    """
    registry = ctx.parvis.registry.module_types
    enabled = set(ctx.enabled_plugins) | set(ctx.parvis.core_plugins)
    labels: dict[tuple[str, str], _Labels] = {}
    links: dict[str, tuple[str, str]] = {}
    cards = []
    listed, schedules = schedule.modules_with_schedules(
        ctx.session, _SPACE_MODULES[include_unpublished], {"space": space.id}
    )
    modules = [m for m in listed if m.type in registry and registry[m.type].plugin in enabled]
    ctx.schedules.update(schedule.advance(ctx.parvis, ctx.session, modules, schedules=schedules))
    summary = summaries(ctx, [(m, space) for m in modules])
    see_results = _("See the results")
    dated = ctx.schedules
    # ``in`` then ``[]`` rather than ``.get``: no call per module (a page lists hundreds).
    for module in modules:
        found = None
        if module.id in summary:
            found = summary[module.id]
            if not found.listed_in_space:
                continue  # the plugin shows it on the page itself (slot)
        key = (module.type, module.phase)
        if key in labels:
            shared = labels[key]
        else:
            shared = labels[key] = _labels(ctx, registry[module.type], module.phase)
        if module.type not in links:
            # The module's id is the last part of its address: split there, for the others.
            head, _sep, tail = ctx.module_url(module, space).rpartition(f"/{module.id}")
            links[module.type] = (head + "/", tail)
        link = links[module.type]
        end = None
        if module.id in dated:
            dates = dated[module.id]
            if dates:
                end = schedule.phase_end(shared.mtype.phases, module.phase, dates)
        count = action = None
        if found is not None:
            if found.participation is not None:
                count = (found.participation, found.participation_label)
            if shared.acting and found.action_label:
                action = (found.action_label, found.action_url)
            elif found.results_url:
                action = (see_results, found.results_url)
        cards.append(
            ModuleCard(
                module,
                module.title,
                f"{link[0]}{module.id}{link[1]}",
                shared.type_label,
                shared.phase_label,
                shared.tone,
                phase_deadline(shared.phase_label, end) if end is not None else None,
                count,
                action,
                shared.frame,
            )
        )
    return cards


def _labels(ctx: Context, mtype: ModuleType, key: str) -> _Labels:
    phase = mtype.phase(key)
    type_label = str(mtype.label)
    phase_label = str(phase.label) if phase else key
    tone = phase_tone(mtype, key)
    return _Labels(
        mtype,
        type_label,
        phase_label,
        tone,
        resident_phase(ctx.parvis.registry.actions, mtype, key),
        card_frame(mtype.key, (phase_label, tone), type_label),
    )


def phase_tone(mtype: ModuleType, key: str) -> str:
    """The badge tone of a phase: open while it lets residents act, upcoming before the
    first such phase, closed after."""
    keys = [p.key for p in mtype.phases]
    acting = [i for i, p in enumerate(mtype.phases) if p.actions]
    if key not in keys or not acting:
        return "neutral"
    index = keys.index(key)
    if index in acting:
        return "open"
    return "upcoming" if index < acting[0] else "closed"


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
    Route("/spaces", space_list, name="spaces:list"),
    Route("/s/{space}", space_page, name="spaces:space"),
    Route("/s/{space}/follow", follow, methods=["POST"], name="spaces:follow"),
    Route("/uploads/{upload:int}", upload, name="spaces:upload"),
    Route("/accessibility", accessibility, name="spaces:accessibility"),
]
