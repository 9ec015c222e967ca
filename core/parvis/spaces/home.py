"""The home page as the place to participate: the few most pressing of what is open now
(``OPEN_NOW_SHOWN``, soonest deadline first, each with its deadline, participation count and one
action; the rest on the "open now" page, ``open_page.py``), the resident's neighbourhood, then
recent results and decisions. This module chooses the modules; ``home_cards.py`` writes the cards.

Every module type summarises its own modules (``ModuleType.summarize``), all of a type at once,
and only the candidates for the page, in bounded rounds, so the page costs the same number of
queries whatever the number of modules.

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
from typing import Any

from sqlalchemy import select

from parvis import schedule
from parvis.context import Context
from parvis.contrib import ModuleRow, ModuleSummary
from parvis.db import utcnow
from parvis.driver import driver_rows
from parvis.keylist import keyed_rows
from parvis.models import Module
from parvis.spaces import showable as showable_sql
from parvis.spaces.home_cards import AnySpace, CardBuilder, HomeCard
from parvis.stored import utc_datetime

RECENT_RESULTS = 6
# Modules that may have results summarised in the first round (most have them).
RESULTS_BATCH = 2 * RECENT_RESULTS
# The open modules shown as cards on the home page (the rest: the "open now" page), and how
# many are summarised in the first round: a few may not be listed (the quick polls the home page
# shows as polls, two by default: the consultation's ``home_polls`` setting); when more are not,
# a second round summarises the rest. Each candidate summarised costs as much as a card shown
# (4 more: 4 % of a cold home page).
OPEN_NOW_SHOWN = 6
OPEN_BATCH = OPEN_NOW_SHOWN + 2

SummarizeFn = Callable[[Context, Sequence[tuple[ModuleRow, AnySpace]]], Mapping[int, ModuleSummary]]


@dataclass(frozen=True)
class HomeSections:
    open_now: list[HomeCard]  # at most ``OPEN_NOW_SHOWN``, soonest deadline first
    results: list[HomeCard]
    more_open: bool  # more open modules than shown: the page links to the "open now" page


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
# An open row with the end of its current phase (None: undated), worked out once for the order
# (``soonest_first``) and carried to the card's deadline (``CardBuilder.build``).
OpenRow = tuple[int, str, str, AnySpace, dt.datetime | None]


_ROWS = select(*schedule.ROW_COLUMNS).select_from(keyed_rows(Module.id, "ids"))


def _enabled(ctx: Context) -> frozenset[str]:
    return frozenset(ctx.enabled_plugins) | frozenset(ctx.parvis.core_plugins)


def visible_modules(ctx: Context, spaces: Sequence[AnySpace]) -> list[_Row]:
    """The published modules of these (published) spaces open to residents or with dates, of
    plugins enabled for the town, in the town's order, as rows (not ORM objects: most are not
    shown; ``showable.showable``): what ``/open`` lists. Their dated phases go into
    ``ctx.schedules`` (same statement) and the due ones move on first."""
    by_id = {s.id: s for s in spaces}
    if not by_id:
        return []
    registry = ctx.parvis.registry
    enabled = _enabled(ctx)
    statement = showable_sql.showable(registry, ctx.parvis.db.engine.dialect.name)
    opened = showable_sql.town_pairs(registry, enabled)[0]
    found = driver_rows(ctx.session, statement, {"spaces": list(by_id), **opened})
    shown = _shown(ctx, enabled)
    placed: dict[int, tuple[int, int, _Row]] = {}  # id -> (position, id, row)
    schedules: dict[int, schedule.Schedule] = {}
    for module_id, kind, phase, space_id, position, dated, starts_at, ends_at in found:
        if module_id not in placed and kind in shown:
            placed[module_id] = (position, module_id, (module_id, kind, phase, by_id[space_id]))
        if starts_at is not None or ends_at is not None:
            dates = (utc_datetime(starts_at), utc_datetime(ends_at))
            schedules.setdefault(module_id, {})[dated] = dates
    rows = _in_order(placed)
    _move_due(ctx, rows, schedules, {})
    return list(rows.values())


@dataclass
class _Candidates:
    """What the home page's statement read (``showable.home_candidates``)."""

    rows: list[_Row]  # the open ones read, then the newest that may have results
    loaded: dict[int, ModuleRow]  # every row's module
    open_cut: bool  # more open modules without dates may follow those read
    older: bool  # older modules that may have results were left unread (``older_results``)


def _candidates(ctx: Context, spaces: Sequence[AnySpace]) -> _Candidates:
    """The home page's candidates: the first ``OPEN_BATCH + 1`` open modules without dates in
    the town's order (one more than summarised: whether there are more), every dated one (their
    deadlines come first; their dates go into ``ctx.schedules``, the due ones move on first),
    and the newest ``RESULTS_BATCH`` that may have results, each with its ``ModuleRow``."""
    by_id = {s.id: s for s in spaces}
    if not by_id:
        return _Candidates([], {}, False, False)
    registry = ctx.parvis.registry
    enabled = _enabled(ctx)
    dialect = ctx.parvis.db.engine.dialect.name
    limit = OPEN_BATCH + 1
    statement = showable_sql.home_candidates(
        registry, dialect, open_limit=limit, results_limit=RESULTS_BATCH
    )
    opened, results = showable_sql.town_pairs(registry, enabled)
    found = driver_rows(ctx.session, statement, {"spaces": list(by_id), **opened, **results})
    shown = _shown(ctx, enabled)
    placed: dict[int, tuple[int, int, _Row]] = {}  # id -> (position, id, row)
    recent: list[_Row] = []
    recent_ids: set[int] = set()
    loaded: dict[int, ModuleRow] = {}
    read = [0, 0, 0]  # rows of each part
    schedules: dict[int, schedule.Schedule] = {}
    for row in found:
        part, module_id, kind, phase, starts_at, ends_at = (
            row[0], row[1], row[3], row[6], row[12], row[13]
        )  # fmt: skip
        read[part] += 1
        if starts_at is not None or ends_at is not None:
            dates = (utc_datetime(starts_at), utc_datetime(ends_at))
            schedules.setdefault(module_id, {})[row[11]] = dates
        if kind not in shown or module_id in (recent_ids if part == 2 else placed):
            continue  # a dated module has a row per dated phase, and may be in part 2 too
        # ``ModuleRow``'s columns; every row is of a published module (each part tests it).
        loaded[module_id] = ModuleRow(*row[1:8], True, row[8] == 1, row[9], row[10])
        candidate = (module_id, kind, phase, by_id[row[2]])
        if part == 2:
            recent_ids.add(module_id)
            recent.append(candidate)
        else:
            placed[module_id] = (row[7], module_id, candidate)
    rows = _in_order(placed)
    _move_due(ctx, rows, schedules, loaded)
    found_rows = list(rows.values()) + [r for r in recent if r[0] not in rows]
    return _Candidates(found_rows, loaded, read[0] >= limit, read[2] >= RESULTS_BATCH)


def _shown(ctx: Context, enabled: frozenset[str]) -> set[str]:
    return {key for key, t in ctx.parvis.registry.module_types.items() if t.plugin in enabled}


def _in_order(placed: dict[int, tuple[int, int, _Row]]) -> dict[int, _Row]:
    # The town's order, as the space pages list them (ids are unique: rows never compared).
    return {entry[1]: entry[2] for entry in sorted(placed.values())}


def _move_due(
    ctx: Context,
    rows: dict[int, _Row],
    schedules: dict[int, schedule.Schedule],
    loaded: dict[int, ModuleRow],
) -> None:
    """Move on the modules of ``rows`` whose dates have passed (``rows`` and ``loaded`` then
    give their new phase); the schedules go into ``ctx.schedules``."""
    ctx.schedules.update(schedules)
    types, now = ctx.parvis.registry.module_types, utcnow()
    due = [
        key
        for key in schedules
        if key in rows
        and schedule.due_phase(types[rows[key][1]].phases, rows[key][2], schedules[key], now)
        != rows[key][2]
    ]
    if not due:
        return
    moved = _load(ctx, due)
    for module in moved.values():
        # The move compares and sets the phase read with the dates (the first statement),
        # not the one ``_load`` read after: outside a transaction, a hand move committed
        # between the two would otherwise be moved on by dates staff have since cleared.
        module.phase = rows[module.id][2]
    schedule.advance(ctx.parvis, ctx.session, list(moved.values()), schedules=schedules)
    for module in moved.values():
        old = rows[module.id]
        rows[module.id] = (module.id, old[1], module.phase, old[3])
        if module.id in loaded:
            loaded[module.id] = module


def older_results(ctx: Context, spaces: Sequence[AnySpace], seen: set[int]) -> list[_Row]:
    """Every module of these spaces that may have results and is not open, newest first, but
    those ``seen``: what the home page reads when the newest ``RESULTS_BATCH`` gave it too few
    results (their type listing none of them)."""
    by_id = {s.id: s for s in spaces}
    registry = ctx.parvis.registry
    statement = showable_sql.older_results(registry, ctx.parvis.db.engine.dialect.name)
    results = showable_sql.town_pairs(registry, _enabled(ctx))[1]
    found = driver_rows(ctx.session, statement, {"spaces": list(by_id), **results})
    rows = [(r[0], r[1], r[2], by_id[r[3]]) for r in found if r[0] not in seen]
    rows.sort(key=itemgetter(0), reverse=True)
    return rows


def _load(ctx: Context, ids: Sequence[int]) -> dict[int, ModuleRow]:
    """These modules as ``ModuleRow``s (what ``summarize`` takes), in one statement."""
    if not ids:
        return {}
    rows = driver_rows(ctx.session, _ROWS, {"ids": list(ids)})
    return {r[0]: ModuleRow(*r) for r in rows}


def module_pairs(
    ctx: Context, rows: Sequence[_Row] | Sequence[OpenRow]
) -> list[tuple[ModuleRow, AnySpace]]:
    """These rows' modules as ``ModuleRow``s with their spaces (what ``summarize`` takes), in
    the rows' order, in one statement."""
    return _pairs(_load(ctx, [r[0] for r in rows]), rows)


def _pairs(
    loaded: dict[int, ModuleRow], rows: Sequence[_Row] | Sequence[OpenRow]
) -> list[tuple[ModuleRow, AnySpace]]:
    # A module deleted between the rows' statement and this one is simply not shown.
    return [(loaded[r[0]], r[3]) for r in rows if r[0] in loaded]


def split_open(ctx: Context, rows: Sequence[_Row]) -> tuple[list[_Row], list[_Row]]:
    """These rows (``visible_modules``) as the open ones and those that may have results
    (``ModuleType.result_phases``), as the statements tell them apart (``showable.pairs``); the
    others (neither, or a phase their type no longer declares) are left out. Orders kept."""
    kinds = showable_sql.phase_kinds(ctx.parvis.registry)
    open_rows, closed = [], []
    for row in rows:
        shown = kinds.get((row[1], row[2]))  # True: open, False: may have results
        if shown:
            open_rows.append(row)
        elif shown is not None:
            closed.append(row)
    return open_rows, closed


_FAR = dt.datetime.max.replace(tzinfo=dt.UTC)


def soonest_first(ctx: Context, rows: Sequence[_Row]) -> list[OpenRow]:
    """Open rows, the soonest end of their current phase first (``schedule.phase_end``, read
    from ``ctx.schedules``: ``visible_modules`` put the dates there), then the undated ones (or
    past their end) in the town's order: the cards' order, worked out before any summary. Each
    row comes back with its phase's end, for its card's deadline (computed once, here)."""
    types, dated, now = ctx.parvis.registry.module_types, ctx.schedules, utcnow()
    keyed = []
    for i, row in enumerate(rows):
        end = None
        if row[0] in dated and dated[row[0]]:
            end = schedule.phase_end(types[row[1]].phases, row[2], dated[row[0]])
        # The position keeps the sort stable and never compares two rows.
        keyed.append((end if end is not None and end > now else _FAR, i, (*row, end)))
    keyed.sort(key=itemgetter(0, 1))
    return [k[2] for k in keyed]


def phase_ends(rows: Sequence[OpenRow]) -> dict[int, dt.datetime]:
    """The dated ones of these rows' phase ends by module id (``CardBuilder.build``'s ``ends``)."""
    return {r[0]: r[4] for r in rows if r[4] is not None}


def home_sections(ctx: Context, spaces: Sequence[AnySpace]) -> HomeSections:
    """The home page's open cards (the first ``OPEN_NOW_SHOWN`` listed) and recent results.

    Only candidates are summarised, in bounded rounds: the first ``OPEN_BATCH`` open modules in
    the cards' order and the ``RESULTS_BATCH`` latest that may have results, in one round; then,
    if either list is short (modules their type does not list), one more round for all the rest
    of it. The statements stay the same whatever the town's size."""
    found = _candidates(ctx, spaces)
    unordered, closed = split_open(ctx, found.rows)
    open_rows = soonest_first(ctx, unordered)  # each with its phase's end (``OpenRow``)
    closed.sort(key=itemgetter(0), reverse=True)  # newest first
    open_first, first = open_rows[:OPEN_BATCH], closed[:RESULTS_BATCH]
    open_pairs, first_pairs = _pairs(found.loaded, open_first), _pairs(found.loaded, first)
    summary = summaries(ctx, open_pairs + first_pairs)
    cards = CardBuilder(ctx)
    ends = phase_ends(open_first)
    open_now = cards.build(open_pairs, summary, results=False, limit=OPEN_NOW_SHOWN, ends=ends)
    results = cards.build(first_pairs, summary, results=True, limit=RECENT_RESULTS)
    if len(open_now) < OPEN_NOW_SHOWN and found.open_cut:
        # The first ones were not enough (their type lists them not): all of them, as ``/open``
        # reads them (the same first ones, in the same order, then the rest).
        open_rows = soonest_first(ctx, split_open(ctx, visible_modules(ctx, spaces))[0])
    more_open = open_rows[len(open_first) :] if len(open_now) < OPEN_NOW_SHOWN else []
    more_closed = closed[len(first) :] if len(results) < RECENT_RESULTS else []
    if found.older and len(results) < RECENT_RESULTS:
        # The newest gave too few results: all the older ones too (rare: bounded otherwise).
        more_closed += older_results(ctx, spaces, {r[0] for r in closed})
        more_closed.sort(key=itemgetter(0), reverse=True)
    if more_open or more_closed:
        # One more round for all the rest of either: bounded whatever the town's size.
        loaded = _load(ctx, [r[0] for r in more_open + more_closed])
        open_pairs, rest_pairs = _pairs(loaded, more_open), _pairs(loaded, more_closed)
        more = summaries(ctx, open_pairs + rest_pairs)
        summary = {**summary, **more}
        left = OPEN_NOW_SHOWN - len(open_now)
        ends = phase_ends(more_open)
        open_now += cards.build(open_pairs, more, results=False, limit=left, ends=ends)
        left = RECENT_RESULTS - len(results)
        results += cards.build(rest_pairs, more, results=True, limit=left)
    return HomeSections(open_now, results, _more(open_rows, open_now, summary))


def _more(rows: Sequence[OpenRow], shown: Sequence[HomeCard], summary: Mapping[int, Any]) -> bool:
    """Whether some open module is neither shown nor left out by its type (``listed=False``:
    it shows itself on the home page); one not summed up yet counts as listed."""
    ids = {c.module.id for c in shown}
    return any(r[0] not in ids and (r[0] not in summary or summary[r[0]].listed) for r in rows)
