"""The home page as the place to participate: what is open now (deadline, participation count,
one action each), the resident's neighbourhood, then recent results and decisions.

Every module type summarises its own modules (``ModuleType.summarize``), all of a type at once,
so the page costs the same number of queries whatever the number of modules.

What every visitor sees alike (the "open now" and results cards, the spaces, the areas) is
rendered once per town content version, language and minute and shared by all of them, logged
in or not (``home_parts.py``, ``httpcache.shared_fragment``): it shows published content only and
summaries that depend on nothing of the viewer. What differs per viewer (the header, the
neighbourhood block, the quick polls and their forms) is rendered for each request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Select, and_, or_, select

from parvis import schedule
from parvis.cards import card_frame
from parvis.context import Context
from parvis.contrib import ModuleRow, ModuleSummary, ModuleType, SpaceRow
from parvis.db import utcnow
from parvis.driver import driver_rows
from parvis.i18n import gettext as _
from parvis.keylist import in_keys
from parvis.models import Module, PhaseDates, Space
from parvis.phases import Deadline, phase_deadline
from parvis.plugins import Registry
from parvis.schedule import resident_phase
from parvis.stored import stored_datetime, utc_datetime

RECENT_RESULTS = 6
# Modules that may have results summarised in the first round (most have them).
RESULTS_BATCH = 2 * RECENT_RESULTS

# The home page and space pages both give ``summarize`` ``SpaceRow``s (docs/plugin_hooks.md);
# the alias still admits ``Space`` objects.
AnySpace = Space | SpaceRow
SummarizeFn = Callable[[Context, Sequence[tuple[ModuleRow, AnySpace]]], Mapping[int, ModuleSummary]]


@dataclass(slots=True)
class HomeCard:
    """One module on the home page, ready for ``ui.card`` (not frozen: built by the dozen, and
    a frozen dataclass takes five times as long to build)."""

    module: ModuleRow
    space: AnySpace
    title: str  # the module's (a field: ``framed_card_list`` reads it for each card)
    url: str
    type_label: str
    phase_label: str
    deadline: Deadline | None
    count: tuple[int, str] | None
    action: tuple[str, str]
    image: str | None = None  # the space's picture
    tone: str = "open"
    # The markup around the title (``cards.card_frame``), shared by the cards of one type,
    # phase and space: ``framed_card_list`` writes the same markup as ``card(**options)``.
    frame: tuple[str, str] = ("", "")

    @property
    def options(self) -> dict[str, Any]:
        """The card's arguments (``card_list``, or ``ui.card(**c.options)``)."""
        return {
            "title": self.title,
            "href": self.url,
            "image": self.image,
            "kind": self.module.type,
            "meta": self.space.title,
            "badge": (self.phase_label, self.tone),
            "due": self.deadline,
            "count": self.count,
            "action": self.action,
        }


@dataclass(frozen=True)
class HomeSections:
    open_now: list[HomeCard]
    results: list[HomeCard]


def summaries(
    ctx: Context, items: Sequence[tuple[ModuleRow, AnySpace]]
) -> dict[int, ModuleSummary]:
    """Each module's summary, calling each ``summarize`` function once for all its modules.

    Module types that share one function (the consultation's surveys and polls) are summed up
    in one call, so their figures cost one set of queries, not one per type.
    """
    types = ctx.parvis.registry.module_types
    by_function: dict[SummarizeFn, list[tuple[ModuleRow, AnySpace]]] = {}
    # Each type's group (None: not summed up) looked up once, not once per module.
    groups: dict[str, list[tuple[ModuleRow, AnySpace]] | None] = {}
    for item in items:
        kind = item[0].type
        if kind in groups:
            group = groups[kind]
        else:
            mtype = types.get(kind)
            group = groups[kind] = (
                by_function.setdefault(mtype.summarize, [])
                if mtype is not None and mtype.summarize is not None
                else None
            )
        if group is not None:
            group.append(item)
    found: dict[int, ModuleSummary] = {}
    for summarize, group in by_function.items():
        found.update(summarize(ctx, group))
    return found


# A visible module as a plain tuple (id, type, phase, space): enough to tell whether the home
# page can show it; hundreds are read and most are not shown (a tuple costs no call to build).
_Row = tuple[int, str, str, AnySpace]


# Statements built once: building one (and its cache key) cost as much as running it. The
# dates as stored: most modules have none, and their ``NULL``s are not processed.
_VISIBLE = (
    select(
        Module.id,
        Module.type,
        Module.phase,
        Module.space_id,
        PhaseDates.phase,
        stored_datetime(PhaseDates.starts_at),
        stored_datetime(PhaseDates.ends_at),
    )
    .outerjoin(PhaseDates, PhaseDates.module_id == Module.id)
    .where(in_keys(Module.space_id, "spaces"), Module.published.is_(True))
    .order_by(Module.position, Module.id)
)
# Per registry (one per app): ``_VISIBLE`` narrowed to what the page may show.
_NARROWED: dict[int, tuple[Registry, Select[Any]]] = {}


def _showable(registry: Registry) -> Select[Any]:
    """``_VISIBLE`` without the modules the page can never show: those neither open to
    residents nor in a phase that may have results (drafts, set-ups); a module with dated
    phases is always read, as it may be due to move on (``schedule.due_phase``)."""
    kept = _NARROWED.get(id(registry))
    if kept is not None and kept[0] is registry:
        return kept[1]
    shown = []
    for key, mtype in registry.module_types.items():
        if mtype.summarize is not None and mtype.result_phases is None:
            shown.append(Module.type == key)  # results may come in any phase
            continue
        phases = [p.key for p in mtype.phases if resident_phase(registry.actions, mtype, p.key)]
        if mtype.summarize is not None and mtype.result_phases is not None:
            phases += sorted(set(mtype.result_phases) - set(phases))
        if phases:
            shown.append(and_(Module.type == key, or_(*(Module.phase == p for p in phases))))
    statement = _VISIBLE.where(or_(PhaseDates.module_id.is_not(None), *shown))
    _NARROWED[id(registry)] = (registry, statement)
    return statement


_ROWS = select(*schedule.ROW_COLUMNS).where(in_keys(Module.id, "ids"))


def visible_modules(ctx: Context, spaces: Sequence[AnySpace]) -> list[_Row]:
    """The published modules of these (published) spaces that the home page may show, of
    plugins enabled for the town, in the town's order, as rows (not ORM objects: most are not
    shown); their dated phases go into ``ctx.schedules`` (same statement) and the due ones move
    on first."""
    enabled = set(ctx.enabled_plugins) | set(ctx.parvis.core_plugins)
    by_id = {s.id: s for s in spaces}
    if not by_id:
        return []
    registry = ctx.parvis.registry
    found = driver_rows(ctx.session, _showable(registry), {"spaces": list(by_id)})
    types = registry.module_types
    shown = {key for key, mtype in types.items() if mtype.plugin in enabled}
    rows: dict[int, _Row] = {}
    schedules: dict[int, schedule.Schedule] = {}
    for module_id, kind, phase, space_id, dated, starts_at, ends_at in found:
        if module_id not in rows and kind in shown:
            rows[module_id] = (module_id, kind, phase, by_id[space_id])
        if starts_at is not None or ends_at is not None:
            dates = (utc_datetime(starts_at), utc_datetime(ends_at))
            schedules.setdefault(module_id, {})[dated] = dates
    ctx.schedules.update(schedules)
    now = utcnow()
    due = [
        key
        for key in schedules
        if key in rows
        and schedule.due_phase(types[rows[key][1]].phases, rows[key][2], schedules[key], now)
        != rows[key][2]
    ]
    if due:
        moved = _load(ctx, due)
        schedule.advance(ctx.parvis, ctx.session, list(moved.values()), schedules=schedules)
        for module in moved.values():
            old = rows[module.id]
            rows[module.id] = (module.id, old[1], module.phase, old[3])
    return list(rows.values())


def _load(ctx: Context, ids: Sequence[int]) -> dict[int, ModuleRow]:
    """These modules as ``ModuleRow``s (what ``summarize`` takes), in one statement."""
    if not ids:
        return {}
    rows = driver_rows(ctx.session, _ROWS, {"ids": list(ids)})
    return {r[0]: ModuleRow(*r) for r in rows}


def _pairs(loaded: dict[int, ModuleRow], rows: Sequence[_Row]) -> list[tuple[ModuleRow, AnySpace]]:
    # A module deleted between the rows' statement and this one is simply not shown.
    return [(loaded[r[0]], r[3]) for r in rows if r[0] in loaded]


def home_sections(ctx: Context, spaces: Sequence[AnySpace]) -> HomeSections:
    registry = ctx.parvis.registry
    types = registry.module_types
    # Summarise only what the page can show: the open modules, and the latest ones that may have
    # results (``ModuleType.result_phases``), newest first, until there are enough.
    opened: dict[tuple[str, str], bool | None] = {}
    open_rows, closed = [], []
    for row in visible_modules(ctx, spaces):
        key = (row[1], row[2])
        if key in opened:
            shown = opened[key]
        else:
            # True: open, False: may have results, None: neither.
            mtype = types[row[1]]
            shown = opened[key] = (
                True
                if resident_phase(registry.actions, mtype, row[2])
                else False
                if mtype.summarize is not None
                and (mtype.result_phases is None or row[2] in mtype.result_phases)
                else None
            )
        if shown:
            open_rows.append(row)
        elif shown is not None:
            closed.append(row)
    closed.sort(key=itemgetter(0), reverse=True)
    first = closed[:RESULTS_BATCH]
    loaded = _load(ctx, [r[0] for r in open_rows + first])
    open_pairs = _pairs(loaded, open_rows)
    first_pairs = _pairs(loaded, first)
    summary = summaries(ctx, open_pairs + first_pairs)
    cards = _Cards(ctx)
    open_now = cards.build(open_pairs, summary, results=False)
    results = cards.build(first_pairs, summary, results=True)
    if len(results) < RECENT_RESULTS and len(closed) > len(first):
        # One more round for all the rest: statements stay bounded whatever the town's size.
        rest = closed[len(first) :]
        pairs = _pairs(_load(ctx, [r[0] for r in rest]), rest)
        results += cards.build(pairs, summaries(ctx, pairs), results=True)
    # Soonest deadline first; undated ones after, in the town's order (the position keeps the
    # sort stable and never compares two cards).
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    order = [(c.deadline.ends_at if c.deadline else far, i, c) for i, c in enumerate(open_now)]
    order.sort()
    return HomeSections([c for _end, _i, c in order], results[:RECENT_RESULTS])


# What a summary says when the module type gave none (read-only, shared).
_NO_SUMMARY = ModuleSummary()


class _Cards:
    """Builds the home page's cards, working out once per page what the cards of one type,
    phase and space share: labels translated once per type and phase, the markup around the
    title (``cards.card_frame``: the same markup as ``card``), each space's picture link and
    each type's link reversed once; no call per card but building it."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.shared: dict[tuple[str, str, int, bool], _Shared] = {}
        self.images: dict[int, str | None] = {}  # each space's picture link
        # Each type and phase's labels, translated once: (type, type label, phase label).
        self.labels: dict[tuple[str, str], tuple[ModuleType, str, str]] = {}
        self.actions = (_("See the results"), _("Take part"))

    def build(
        self,
        pairs: Sequence[tuple[ModuleRow, AnySpace]],
        summary: Mapping[int, ModuleSummary],
        *,
        results: bool,
    ) -> list[HomeCard]:
        """The open cards of these modules, or (``results``) their result cards, newest first,
        at most ``RECENT_RESULTS``; modules their type does not list are left out."""
        shared_by, dated = self.shared, self.ctx.schedules
        see_results, take_part = self.actions
        cards = []
        for module, space in pairs:
            found = _NO_SUMMARY  # ``in`` then ``[]``: no call per module
            if module.id in summary:
                found = summary[module.id]
            if not found.listed or (results and not found.results_url):
                continue
            key = (module.type, module.phase, space.id, results)
            if key in shared_by:
                shared = shared_by[key]
            else:
                shared = shared_by[key] = self._shared(module, space, results)
            url = f"{shared.link[0]}{module.id}{shared.link[1]}"
            deadline = None
            if not results and module.id in dated and dated[module.id]:
                end = schedule.phase_end(shared.mtype.phases, module.phase, dated[module.id])
                if end is not None:
                    deadline = phase_deadline(shared.phase_label, end)
            count = None
            if found.participation is not None:
                count = (found.participation, found.participation_label)
            if results:
                action = (see_results, found.results_url)
            else:
                action = (found.action_label or take_part, found.action_url or url)
            cards.append(
                HomeCard(
                    module,
                    space,
                    module.title,
                    url,
                    shared.type_label,
                    shared.phase_label,
                    deadline,
                    count,
                    action,
                    shared.image,
                    shared.tone,
                    shared.frame,
                )
            )
            if results and len(cards) == RECENT_RESULTS:
                break
        return cards

    def _shared(self, module: ModuleRow, space: AnySpace, results: bool) -> _Shared:
        ctx = self.ctx
        key = (module.type, module.phase)
        if key in self.labels:
            mtype, type_label, phase_label = self.labels[key]
        else:
            mtype = ctx.parvis.registry.module_types[module.type]
            phase = mtype.phase(module.phase)
            type_label, phase_label = str(mtype.label), str(phase.label) if phase else key[1]
            self.labels[key] = (mtype, type_label, phase_label)
        if space.id in self.images:
            image = self.images[space.id]
        else:
            image = self.images[space.id] = (
                ctx.url("spaces:upload", upload=space.image_id) if space.image_id else None
            )
        tone = "closed" if results else "open"
        return _Shared(
            mtype,
            type_label,
            phase_label,
            tone,
            image,
            card_frame(module.type, (phase_label, tone), space.title, image=image),
            ctx.module_link(module.type, space),
        )


class _Shared(NamedTuple):
    """What the home cards of one type, phase, space and section share."""

    mtype: ModuleType
    type_label: str
    phase_label: str
    tone: str
    image: str | None
    frame: tuple[str, str]
    link: tuple[str, str]
