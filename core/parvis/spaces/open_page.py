"""The "open now" page (``/open``): every open participation of the town as cards, the soonest
deadline first, optionally in one neighbourhood (``?area=ID``); the home page shows only the
first few (``home.OPEN_NOW_SHOWN``) and links here.

Unlike the home page, it lists the modules a plugin shows on the home page itself
(``ModuleSummary.listed=False``: the consultation's quick polls) as cards too: a resident who asks
for everything open expects to find them here, and no slot shows them on this page.

Its listing depends on nothing of the viewer, so it is rendered once per town content version,
language, minute, theme and neighbourhood and shared by every visitor (``shared_fragment``), like
the home page's parts; only known neighbourhoods get a fragment of their own (a forged id never
adds one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from parvis.context import Context
from parvis.forms import parse_int
from parvis.httpcache import shared_fragment
from parvis.spaces.home import (
    module_pairs,
    phase_ends,
    soonest_first,
    split_open,
    summaries,
    visible_modules,
)
from parvis.spaces.home_cards import CardBuilder, HomeCard
from parvis.spaces.home_parts import AreaRow, published_spaces
from parvis.towns import area_rows


@dataclass(frozen=True, slots=True)
class OpenParts:
    """The page's part every visitor sees alike, rendered (``core/_open_parts.html``)."""

    listing: Markup  # the neighbourhood links, the heading and the cards (or the empty state)
    count: int  # how many cards

    def size(self) -> int:
        return len(self.listing) + 100


@dataclass(frozen=True, slots=True)
class OpenChoice:
    """The neighbourhood asked for: ``area`` None for the whole town; ``unknown`` when the
    ``area`` parameter named none of the town's (garbage, forged, another town's)."""

    areas: tuple[AreaRow, ...]
    area: AreaRow | None
    unknown: bool


def _areas(ctx: Context) -> tuple[AreaRow, ...]:
    return tuple([AreaRow(*r) for r in area_rows(ctx.session, ctx.town.id)])


def choose_area(ctx: Context, raw: str | None) -> OpenChoice:
    """The town's neighbourhoods (kept like the listing: one statement per content version)
    and the one ``raw`` names, if it is one of them."""
    areas = shared_fragment(ctx, "core.open.areas", lambda: _areas(ctx), lambda a: 100 * len(a))
    if not raw:
        return OpenChoice(areas, None, False)
    wanted = parse_int(raw)
    area = next((a for a in areas if a.id == wanted), None)
    return OpenChoice(areas, area, area is None)


def open_parts(ctx: Context, choice: OpenChoice) -> OpenParts:
    """The listing for this choice, shared by every visitor (see the module's docstring)."""
    name = "core.open" if choice.area is None else f"core.open.{choice.area.id}"
    return shared_fragment(ctx, name, lambda: _build(ctx, choice), OpenParts.size)


def open_cards(ctx: Context, areas: Sequence[AreaRow], area: AreaRow | None) -> list[HomeCard]:
    """Every open module of the town's published spaces (of ``area`` only, if given), as
    cards, soonest deadline first: one round of summaries for all of them."""
    spaces = published_spaces(ctx, areas)
    if area is not None:
        spaces = [s for s in spaces if s.area_id == area.id]
    open_rows, _closed = split_open(ctx, visible_modules(ctx, spaces))
    ordered = soonest_first(ctx, open_rows)
    pairs = module_pairs(ctx, ordered)
    return CardBuilder(ctx, unlisted=True).build(
        pairs, summaries(ctx, pairs), results=False, ends=phase_ends(ordered)
    )


def _build(ctx: Context, choice: OpenChoice) -> OpenParts:
    cards = open_cards(ctx, choice.areas, choice.area)
    env = ctx.parvis.jinja_env(ctx.town.theme)
    # The viewer-independent basics only: no user, no token, no permission check.
    macros = env.get_template("core/_open_parts.html").make_module(
        {"town": ctx.town, "locale": ctx.locale, "url": ctx.url}
    )
    return OpenParts(macros.listing(cards, choice.areas, choice.area), len(cards))
