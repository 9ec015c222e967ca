"""The "open now" page (``/open``): every open participation of the town as cards, the soonest
deadline first, optionally in one neighbourhood (``?area=ID``), ``PAGE_SIZE`` cards a page
(``?page=N``); the home page shows only the first few (``home.OPEN_NOW_SHOWN``) and links here.

The open modules are ordered first (their rows and phase ends only, no summary), then only the
page's modules are summed up and written as cards: a page costs the same statements and about
the same work whatever the number of open modules.

Unlike the home page, it lists the modules a plugin shows on the home page itself
(``ModuleSummary.listed=False``: the consultation's quick polls) as cards too: a resident who asks
for everything open expects to find them here, and no slot shows them on this page.

Its listing depends on nothing of the viewer, so it is rendered once per town content version,
language, minute, theme, neighbourhood and page and shared by every visitor (``shared_fragment``),
like the home page's parts; so is the order of the open modules, which every page of one
neighbourhood shares. Only known neighbourhoods and existing pages get a fragment of their own (a
forged id or page number never adds one: it is brought back to an existing page first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from markupsafe import Markup

from parvis.context import Context
from parvis.forms import parse_int
from parvis.httpcache import shared_fragment
from parvis.i18n import format_number
from parvis.i18n import gettext as _
from parvis.spaces.home import (
    OpenRow,
    module_pairs,
    phase_ends,
    soonest_first,
    split_open,
    summaries,
    visible_modules,
)
from parvis.spaces.home_cards import CardBuilder, HomeCard
from parvis.spaces.home_parts import published_spaces
from parvis.towns import AreaRow

# Cards a page: a few screens on a phone, one statement-free render of the page's summaries.
PAGE_SIZE = 24


@dataclass(frozen=True, slots=True)
class OpenParts:
    """The page's part every visitor sees alike, rendered (``core/_open_parts.html``)."""

    listing: Markup  # the neighbourhood links, the heading, the page's cards and the pages' nav
    count: int  # how many cards on this page

    def size(self) -> int:
        return len(self.listing) + 100


@dataclass(frozen=True, slots=True)
class OpenChoice:
    """The neighbourhood asked for: ``area`` None for the whole town; ``unknown`` when the
    ``area`` parameter named none of the town's (garbage, forged, another town's)."""

    areas: tuple[AreaRow, ...]
    area: AreaRow | None
    unknown: bool


def choose_area(ctx: Context, raw: str | None) -> OpenChoice:
    """The town's neighbourhoods (kept per process: ``Parvis.areas_of``) and the one ``raw``
    names, if it is one of them."""
    areas = ctx.parvis.areas_of(ctx.session, ctx.town)
    if not raw:
        return OpenChoice(areas, None, False)
    wanted = parse_int(raw)
    area = next((a for a in areas if a.id == wanted), None)
    return OpenChoice(areas, area, area is None)


@dataclass(frozen=True, slots=True)
class OpenPage:
    """The page asked for (``?page=``), brought back to an existing one: ``notice`` says why
    when it was not one ("invalid": not a whole number from 1; "past": after the last page)."""

    page: int
    pages: int
    total: int  # open modules listed over all the pages
    notice: str | None = None

    @property
    def rows(self) -> slice:
        return slice((self.page - 1) * PAGE_SIZE, self.page * PAGE_SIZE)


def choose_page(raw: str | None, total: int) -> OpenPage:
    """The page ``raw`` names among those ``total`` modules fill; garbage, 0 and negative
    numbers give the first page, a number past the last page (however many digits) the last."""
    pages = max(1, -(-total // PAGE_SIZE))
    text = (raw or "").strip()
    if not text:
        return OpenPage(1, pages, total)
    # Leading zeros are no digits of the number ("0000000002" is page 2, "000000000000" zero).
    digits = text.isascii() and text.isdigit()
    significant = (text.lstrip("0") or "0") if digits else text
    wanted = parse_int(significant, digits=9)
    if wanted is None and digits:
        return OpenPage(pages, pages, total, "past")  # too many digits to be a page
    if wanted is None or wanted < 1:
        return OpenPage(1, pages, total, "invalid")
    if wanted > pages:
        return OpenPage(pages, pages, total, "past")
    return OpenPage(wanted, pages, total)


def open_rows(ctx: Context, choice: OpenChoice) -> tuple[OpenRow, ...]:
    """The open modules of this choice, soonest deadline first, with their phase ends: no
    summary yet. Shared like the listing, by every page of the neighbourhood."""
    name = "core.open.rows" if choice.area is None else f"core.open.rows.{choice.area.id}"
    return shared_fragment(ctx, name, lambda: _ordered(ctx, choice), lambda r: 150 * len(r))


def _ordered(ctx: Context, choice: OpenChoice) -> tuple[OpenRow, ...]:
    spaces = published_spaces(ctx, choice.areas).holding
    if choice.area is not None:
        spaces = [s for s in spaces if s.area_id == choice.area.id]
    # The open ones only: the modules that may only have results are not even read.
    open_rows, _closed = split_open(ctx, visible_modules(ctx, spaces))
    return tuple(soonest_first(ctx, open_rows))


def open_parts(
    ctx: Context, choice: OpenChoice, rows: Sequence[OpenRow], page: OpenPage
) -> OpenParts:
    """The listing of this choice's page (``page``: an existing one, ``choose_page``), shared
    by every visitor (see the module's docstring)."""
    name = "core.open" if choice.area is None else f"core.open.{choice.area.id}"
    return shared_fragment(
        ctx, f"{name}.p{page.page}", lambda: _build(ctx, choice, rows, page), OpenParts.size
    )


def open_cards(ctx: Context, rows: Sequence[OpenRow]) -> list[HomeCard]:
    """These ordered open rows (one page of them) as cards: one round of summaries for these
    only."""
    pairs = module_pairs(ctx, rows)
    return CardBuilder(ctx, unlisted=True).build(
        pairs, summaries(ctx, pairs), results=False, ends=phase_ends(rows)
    )


class PageLink(NamedTuple):
    """A link of the pages' nav, written here (a link built in the template costs a dozen
    calls): ``None`` in the list where some pages are left out."""

    number: str  # in the language's format
    label: str  # "Page 3", its accessible name
    href: str
    current: bool


@dataclass(frozen=True, slots=True)
class Pager:
    previous: str | None
    links: list[PageLink | None]
    next: str | None


def page_numbers(page: int, pages: int) -> list[int | None]:
    """The page numbers the nav links to: the first, the last, and the asked page with its
    neighbours; ``None`` where some are left out (at most seven entries: one line on a phone)."""
    shown = sorted({1, pages, *range(max(1, page - 1), min(pages, page + 1) + 1)})
    numbers: list[int | None] = []
    for n in shown:
        if numbers and n - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(n)
    return numbers


def pager(base: str, page: OpenPage) -> Pager | None:
    """The pages' nav of ``page`` (None: one page only); ``base`` is the first page's link
    (with the neighbourhood, if any), which the others extend with ``page=N``."""
    if page.pages < 2:
        return None
    sep = "&" if "?" in base else "?"

    def href(n: int) -> str:
        return base if n == 1 else f"{base}{sep}page={n}"

    links = [
        None
        if n is None
        else PageLink(
            format_number(n), _("Page %(page)s", page=format_number(n)), href(n), n == page.page
        )
        for n in page_numbers(page.page, page.pages)
    ]
    return Pager(
        href(page.page - 1) if page.page > 1 else None,
        links,
        href(page.page + 1) if page.page < page.pages else None,
    )


def _build(ctx: Context, choice: OpenChoice, rows: Sequence[OpenRow], page: OpenPage) -> OpenParts:
    cards = open_cards(ctx, rows[page.rows])
    env = ctx.parvis.jinja_env(ctx.town.theme)
    # The viewer-independent basics only: no user, no token, no permission check.
    macros = env.get_template("core/_open_parts.html").make_module(
        {"town": ctx.town, "locale": ctx.locale, "url": ctx.url}
    )
    base = ctx.url("spaces:open") + (f"?area={choice.area.id}" if choice.area else "")
    listing = macros.listing(cards, choice.areas, choice.area, page, pager(base, page))
    return OpenParts(listing, len(cards))
