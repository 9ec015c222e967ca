"""The statements that read the modules the home page and ``/open`` may show, whose cost does not
grow with the town's history.

``/open`` (``showable``) reads two parts, the home page (``home_candidates``) three; the open
ones and those that may have results are found by the index on ``modules (space_id, type,
phase)`` rather than by testing every module of the town's spaces:

0. the modules open to residents without dates (the dated ones come with part 1): one range
   per space and (type, open phase) pair of the index on ``modules (space_id, type, phase,
   published, dated, position)``. The home page reads only the first ``open_limit`` in the
   town's order: its cards are the soonest deadlines first, then the town's order, and a row
   read costs far more than a row skipped;
1. every module with dated phases, whatever its phase, one row per dated phase: it may be due
   to move on (there is no scheduler: ``schedule.py``), and an open one's card shows its
   deadline. They are found by the partial index on ``modules (space_id) WHERE dated``, the
   mark the database's triggers keep (``Module.dated``), not by looking each module of the
   spaces up in ``module_phase_dates`` (which grew with the town's history);
2. for the home page, the newest ``results_limit`` modules that may have results and are not
   open (its recent results), newest first; older ones are read only when the page finds too
   few results among these (``older_results``).

The home page's rows carry every column of ``ModuleRow`` (its cards' modules, read once). The
(type, phase) pairs are the registry's, bound as constant parameters of a ``VALUES`` list; the
space ids come as one value (``keylist``). SQLite is told the join order (``CROSS JOIN``:
pairs, then spaces, then the index), which its planner does not find alone; PostgreSQL finds it.
Measured in ``docs/performance.md`` ("Session 13", "Session 14", "Session 15").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Integer, String, bindparam, column, text
from sqlalchemy.sql.selectable import TextualSelect

from parvis.keylist import keys_param
from parvis.plugins import Registry
from parvis.schedule import resident_phase

# ``/open``'s columns: the module's (id, type, phase, space, position: NULL in ``older_results``),
# then one dated phase (its key, start and end as stored: ``stored.utc_datetime``; NULLs for an
# open module without dates).
_COLUMNS = (
    column("id", Integer),
    column("type", String),
    column("phase", String),
    column("space_id", Integer),
    column("position", Integer),
    column("dated_phase", String),
    column("starts_at", String),
    column("ends_at", String),
)
_MODULE = "m.id, m.type, m.phase, m.space_id, m.position"
_RECENT = "m.id, m.type, m.phase, m.space_id, CAST(NULL AS INTEGER)"
# The home page's columns: its part (0, 1, 2), then ``ModuleRow``'s but ``published`` (every
# part reads published modules only: a value read costs SQLite's driver about 1,000
# instructions), settings and creation as stored (``ModuleRow`` decodes them if read), then one
# dated phase as above.
HOME_COLUMNS = (
    column("part", Integer),
    column("id", Integer),
    column("space_id", Integer),
    column("type", String),
    column("slug", String),
    column("title", String),
    column("phase", String),
    column("position", Integer),
    # As stored (0 or 1 on SQLite): the reader makes it ``bool`` (no result processor, a pass
    # over the rows).
    column("dated", Integer),
    column("settings", String),
    column("created_at", String),
    *_COLUMNS[5:],
)

# Per registry (one per app) and what is read: the statement, built once.
_BUILT: dict[tuple[Any, ...], tuple[Registry, TextualSelect]] = {}
# Per registry: ``phase_kinds``; and per registry and set of enabled plugins: the pairs'
# parameters (``town_pairs``).
_KINDS: dict[int, tuple[Registry, dict[tuple[str, str], bool]]] = {}
_PAIRS: dict[tuple[Any, ...], tuple[Registry, tuple[dict[str, str], dict[str, str]]]] = {}


def pairs(registry: Registry) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The (type, phase) pairs open to residents, and those that may have results and are not
    open (``ModuleType.result_phases``; every phase when a type names none): what
    ``home.split_open`` tells apart, in the registry's order."""
    opened: list[tuple[str, str]] = []
    results: list[tuple[str, str]] = []
    for key, mtype in registry.module_types.items():
        for phase in mtype.phases:
            if resident_phase(registry.actions, mtype, phase.key):
                opened.append((key, phase.key))
            elif mtype.summarize is not None and (
                mtype.result_phases is None or phase.key in mtype.result_phases
            ):
                results.append((key, phase.key))
    return opened, results


def phase_kinds(registry: Registry) -> dict[tuple[str, str], bool]:
    """``pairs`` as one look-up: (type, phase) -> True (open), False (may have results)."""
    kept = _KINDS.get(id(registry))
    if kept is not None and kept[0] is registry:
        return kept[1]
    opened, results = pairs(registry)
    kinds = {**dict.fromkeys(results, False), **dict.fromkeys(opened, True)}
    _KINDS[id(registry)] = (registry, kinds)
    return kinds


def showable(registry: Registry, dialect: str) -> Any:
    """``/open``'s statement (parts 0, whole, and 1; ``_COLUMNS``), run with
    ``{"spaces": [space ids]}``."""

    def build() -> TextualSelect:
        opened = pairs(registry)[0]
        sqlite = dialect == "sqlite"
        binds: list[Any] = [keys_param("spaces")]
        parts = [_dated(sqlite, _MODULE)]
        if opened:
            values = _values("o", opened, binds)
            found = _by_pairs(sqlite, values, "o")
            parts.insert(
                0, f"SELECT {_MODULE}, {_no_dates(sqlite)} {found} WHERE {_undated(sqlite)}"
            )
        return text("\nUNION ALL\n".join(parts)).bindparams(*binds).columns(*_COLUMNS)

    return _kept(registry, ("showable", dialect), build)


def town_pairs(
    registry: Registry, enabled: frozenset[str]
) -> tuple[dict[str, str], dict[str, str]]:
    """The statements' (type, phase) parameters for a town whose enabled plugins (core's
    included) are ``enabled``, the open pairs' and those that may have results: a type of
    another plugin gets an empty pair, which no module matches, so its modules are not read
    (nor counted in a part's limit)."""
    key = (id(registry), enabled)
    kept = _PAIRS.get(key)
    if kept is not None and kept[0] is registry:
        return kept[1]
    types = registry.module_types
    found: list[dict[str, str]] = []
    for name, listed in zip("or", pairs(registry), strict=True):
        params: dict[str, str] = {}
        for i, (kind, phase) in enumerate(listed):
            ours = types[kind].plugin in enabled
            params[f"{name}t{i}"], params[f"{name}p{i}"] = (kind, phase) if ours else ("", "")
        found.append(params)
    opened, results = found
    _PAIRS[key] = (registry, (opened, results))
    return opened, results


def home_candidates(
    registry: Registry, dialect: str, *, open_limit: int, results_limit: int
) -> Any:
    """The home page's statement (``HOME_COLUMNS``): the first ``open_limit`` open modules
    without dates in the town's order (position, id), every dated module with its dated phases,
    the newest ``results_limit`` that may have results and are not open (published modules
    only); run with ``{"spaces": [space ids]}``."""

    def build() -> TextualSelect:
        opened, recent = pairs(registry)
        sqlite = dialect == "sqlite"
        binds: list[Any] = [keys_param("spaces")]
        full = _full_module(sqlite)
        parts = [_dated(sqlite, f"1, {full}")]
        if opened:
            parts.insert(0, _first(
                f"0, {full}", sqlite, _values("o", opened, binds), "o", _undated(sqlite),
                "m.position, m.id", open_limit,
            ))  # fmt: skip
        if recent:
            parts.append(_first(
                f"2, {full}", sqlite, _values("r", recent, binds), "r", _published(sqlite),
                "m.id DESC", results_limit,
            ))  # fmt: skip
        return text("\nUNION ALL\n".join(parts)).bindparams(*binds).columns(*HOME_COLUMNS)

    return _kept(registry, ("home", dialect, open_limit, results_limit), build)


def older_results(registry: Registry, dialect: str) -> Any:
    """Every module that may have results and is not open, in no order (``_COLUMNS``): what
    the home page reads when the newest ones do not give it enough results."""

    def build() -> TextualSelect:
        recent = pairs(registry)[1]
        sqlite = dialect == "sqlite"
        binds: list[Any] = [keys_param("spaces")]
        if recent:
            values = _values("r", recent, binds)
            sql = _first(_RECENT, sqlite, values, "r", _published(sqlite), "m.id DESC", None)
        else:
            sql = f"SELECT {_RECENT}, {_no_dates(sqlite)} FROM modules AS m WHERE 1 = 0"
        return text(sql).bindparams(*binds).columns(*_COLUMNS)

    return _kept(registry, ("older", dialect), build)


def _kept(registry: Registry, key: tuple[Any, ...], build: Callable[[], TextualSelect]) -> Any:
    # Built once per app: building a statement (and its cache key) costs as much as running it.
    kept = _BUILT.get((id(registry), *key))
    if kept is not None and kept[0] is registry:
        return kept[1]
    statement = build()
    _BUILT[(id(registry), *key)] = (registry, statement)
    return statement


def _values(name: str, found: list[tuple[str, str]], binds: list[Any]) -> str:
    rows = []
    for i, (kind, phase) in enumerate(found):
        binds += [
            bindparam(f"{name}t{i}", kind, String()),
            bindparam(f"{name}p{i}", phase, String()),
        ]
        rows.append(f"(:{name}t{i}, :{name}p{i})")
    return f"(VALUES {', '.join(rows)}) AS {name}"


def _full_module(sqlite: bool) -> str:
    # ``ModuleRow``'s columns but ``published`` (``HOME_COLUMNS``); the settings as their text
    # (``stored_json``).
    settings = "m.settings" if sqlite else "CAST(m.settings AS TEXT)"
    return (
        "m.id, m.space_id, m.type, m.slug, m.title, m.phase, m.position, "
        f"m.dated, {settings}, m.created_at"
    )


def _spaces(sqlite: bool) -> str:
    # The space ids as a table of one column, ``value``.
    return "json_each(:spaces) AS s" if sqlite else "unnest(CAST(:spaces AS INTEGER[])) AS s(value)"


def _published(sqlite: bool) -> str:
    return "m.published = 1" if sqlite else "m.published"


def _undated(sqlite: bool) -> str:
    # Published and without dates (``Module.dated``): both in the index of the pairs' ranges.
    return "m.published = 1 AND m.dated = 0" if sqlite else "m.published AND NOT m.dated"


def _by_pairs(sqlite: bool, values: str, pair: str) -> str:
    # Pairs, then spaces, then one index range for each: SQLite keeps the order of a CROSS JOIN.
    # The pairs outermost are read once, as they come; inside, SQLite first copied them into a
    # temporary b-tree (about 25,000 instructions a statement) to read them again for each space.
    join = "CROSS JOIN" if sqlite else "JOIN"
    glue = "" if sqlite else " ON TRUE"
    return (
        f"FROM {values} {join} {_spaces(sqlite)}{glue} {join} modules AS m "
        f"ON m.space_id = s.value AND m.type = {pair}.column1 AND m.phase = {pair}.column2"
    )


def _first(
    columns: str, sqlite: bool, values: str, pair: str, where: str, order: str, limit: int | None
) -> str:
    # The first ``limit`` modules (None: all) of these (type, phase) pairs in this order,
    # without dates: their ids from the index alone (it holds every column tested and ordered
    # by), then the rows of those only (in no order: the reader orders them).
    bounded = "" if limit is None else f" ORDER BY {order} LIMIT {int(limit)}"
    join = "CROSS JOIN" if sqlite else "JOIN"
    return (
        f"SELECT {columns}, {_no_dates(sqlite)} FROM (SELECT m.id AS id "
        f"{_by_pairs(sqlite, values, pair)} WHERE {where}{bounded}) AS p_{pair} "
        f"{join} modules AS m ON m.id = p_{pair}.id"
    )


def _dated(sqlite: bool, columns: str) -> str:
    # The dated modules of each space through the partial index on ``space_id`` (``m.dated``,
    # as the index's own condition reads: the planner matches them), then their dates.
    join = "CROSS JOIN" if sqlite else "JOIN"
    return (
        f"SELECT {columns}, d.phase, d.starts_at, d.ends_at FROM {_spaces(sqlite)} "
        f"{join} modules AS m ON m.space_id = s.value AND m.dated "
        f"{join} module_phase_dates AS d ON d.module_id = m.id WHERE {_published(sqlite)}"
    )


def _no_dates(sqlite: bool) -> str:
    # Typed on PostgreSQL: a NULL of a subquery is text there, which no timestamp unites with.
    if sqlite:
        return "NULL, NULL, NULL"
    return "CAST(NULL AS VARCHAR), CAST(NULL AS TIMESTAMPTZ), CAST(NULL AS TIMESTAMPTZ)"
