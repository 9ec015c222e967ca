"""The home page's parts every visitor sees alike (the "open now" and results cards, the
spaces, the areas), rendered once per town content version, language, minute and theme and
shared by all of them, logged in or not (``httpcache.shared_fragment``). The cards themselves
are chosen and written by ``home.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, NamedTuple

from markupsafe import Markup
from sqlalchemy import Integer, bindparam, exists, select, type_coerce

from parvis.context import Context
from parvis.contrib import SpaceRow
from parvis.driver import driver_rows
from parvis.httpcache import shared_fragment
from parvis.models import Module, Space
from parvis.spaces.home import home_sections
from parvis.stored import stored_datetime, stored_json
from parvis.towns import AreaRow


@dataclass(frozen=True, slots=True)
class HomeParts:
    """The home page's parts every visitor sees alike, rendered (``core/_home_parts.html``)."""

    open_now: Markup  # the "open now" section
    results: Markup  # the results section (empty: none)
    spaces: Markup  # the "all spaces" section with the areas
    areas: tuple[AreaRow, ...]
    neighbourhoods: Mapping[int, tuple[SpaceRow, ...]]  # area id -> its spaces

    def size(self) -> int:
        rows = sum(len(found) for found in self.neighbourhoods.values()) + len(self.areas)
        return len(self.open_now) + len(self.results) + len(self.spaces) + 300 * rows

    def area(self, area_id: int | None) -> AreaRow | None:
        return next((a for a in self.areas if a.id == area_id), None)


def home_parts(ctx: Context) -> HomeParts:
    """The shared parts of the home page, kept per town content version, language, minute and
    theme (``shared_fragment``): built for the first visitor, whoever they are, so nothing here
    may depend on the viewer."""
    return shared_fragment(ctx, "core.home", lambda: _build_parts(ctx), HomeParts.size)


# The published spaces as plain rows (every column, ``SpaceRow``): no ORM objects, no joined
# area (the areas' statement names them). Built once, as building it cost as much as running it.
# ``town_id`` and ``published`` are not read: every row read is the town's and published (each
# value read costs SQLite's driver about 1,000 instructions, its GIL let go and taken back).
# Last, whether the space holds a module at all (one look into an index): the statements that
# look for the pages' modules probe each space for each (type, phase) pair, ~2,500 instructions
# a probe on SQLite, and a town's spaces often hold none yet (a neighbourhood council's before
# its first call for ideas).
_KNOWN = ("town_id", "published")
_COLUMNS: list[Any] = [
    getattr(Space, f.name) for f in fields(SpaceRow)[:-3] if f.name not in _KNOWN
]
_HOLDS = type_coerce(exists().where(Module.space_id == Space.id).correlate(Space), Integer)
_SPACES = (
    select(*_COLUMNS, stored_json(Space.settings), stored_datetime(Space.created_at), _HOLDS)
    .where(Space.town_id == bindparam("town"), Space.published.is_(True))
    .order_by(Space.position, Space.title)
)


class PublishedSpaces(NamedTuple):
    """The town's published spaces in its order (``rows``), and those of them that hold a
    module (``holding``: the only ones whose modules are worth looking for)."""

    rows: list[SpaceRow]
    holding: list[SpaceRow]


def published_spaces(ctx: Context, areas: Sequence[AreaRow]) -> PublishedSpaces:
    """The town's published spaces in its order, each with its area, as rows."""
    named = {a.id: a for a in areas}
    town = ctx.town.id
    rows = driver_rows(ctx.session, _SPACES, {"town": town})
    # id, then (town_id), slug ... image_id, (published), position, settings, created_at.
    spaces = [SpaceRow(r[0], town, *r[1:8], True, *r[8:11]) for r in rows]
    for space in spaces:
        if space.area_id is not None:
            space.area = named.get(space.area_id)
    return PublishedSpaces(spaces, [s for s, r in zip(spaces, rows, strict=True) if r[-1]])


def _build_parts(ctx: Context) -> HomeParts:
    areas = ctx.parvis.areas_of(ctx.session, ctx.town)
    spaces, holding = published_spaces(ctx, areas)
    sections = home_sections(ctx, holding)
    env = ctx.parvis.jinja_env(ctx.town.theme)
    # The viewer-independent basics only: no user, no token, no permission check.
    macros = env.get_template("core/_home_parts.html").make_module(
        {"town": ctx.town, "locale": ctx.locale, "url": ctx.url}
    )
    # A resident's neighbourhood: rows, its few cards rendered for each request.
    by_area: dict[int, list[SpaceRow]] = {}
    for space in spaces:
        if space.area is not None:
            by_area.setdefault(space.area.id, []).append(space)
    return HomeParts(
        open_now=macros.open_now(sections.open_now, sections.more_open),
        results=macros.results(sections.results),
        spaces=macros.all_spaces(spaces, areas),
        areas=areas,
        neighbourhoods={a: tuple(found) for a, found in by_area.items()},
    )
