"""The one statement that reads the modules the home page and ``/open`` may show, whose cost does
not grow with the town's history.

Three parts; 0 and 2 are found by the index on ``modules (space_id, type, phase)`` rather than
by testing every module of the town's spaces:

0. the modules open to residents: one index range per space and (type, open phase) pair;
1. every module with dated phases, whatever its phase, one row per dated phase: it may be due
   to move on (there is no scheduler: ``schedule.py``), and an open one's card shows its
   deadline (each module of the spaces is looked up in ``module_phase_dates``' index: the one
   part that still grows with the town's modules);
2. with ``results``, the newest ``limit`` modules that may have results and are not open (the
   home page's recent results), newest first; older ones are read only when the page finds too
   few results among these (``older_results``).

The (type, phase) pairs are the registry's, bound as constant parameters of a ``VALUES`` list;
the space ids come as one value (``keylist``). SQLite is told the join order (``CROSS JOIN``:
spaces, then pairs, then the index), which its planner does not find alone; PostgreSQL finds it.
Measured in ``docs/performance.md`` ("Session 13").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Integer, String, bindparam, column, text
from sqlalchemy.sql.selectable import TextualSelect

from parvis.keylist import keys_param
from parvis.plugins import Registry
from parvis.schedule import resident_phase

# The statement's columns: the module's (id, type, phase, space, position: NULL in part 2, which
# tells its rows apart), then one dated phase (its key, start and end as stored:
# ``stored.utc_datetime``; NULLs in part 2 and for an open module without dates).
_COLUMNS = (
    column("id", Integer),
    column("type", String),
    column("phase", String),
    column("space_id", Integer),
    column("position", Integer),
    column("dated", String),
    column("starts_at", String),
    column("ends_at", String),
)
_MODULE = "m.id, m.type, m.phase, m.space_id, m.position"
_RECENT = "m.id, m.type, m.phase, m.space_id, CAST(NULL AS INTEGER)"

# Per registry (one per app) and what is read: the statement, built once.
_BUILT: dict[tuple[Any, ...], tuple[Registry, TextualSelect]] = {}


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


def showable(registry: Registry, dialect: str, *, results: bool, limit: int | None) -> Any:
    """The statement (parts 0 and 1, and 2 with ``results``: at most ``limit`` rows), run with
    ``{"spaces": [space ids]}``."""

    def build() -> TextualSelect:
        opened, recent = pairs(registry)
        sqlite = dialect == "sqlite"
        binds: list[Any] = [keys_param("spaces")]
        parts = [_dated(sqlite)]
        if opened:
            parts.insert(0, _open(sqlite, _values("o", opened, binds)))
        if results and recent:
            parts.append(_recent(sqlite, _values("r", recent, binds), limit))
        return text("\nUNION ALL\n".join(parts)).bindparams(*binds).columns(*_COLUMNS)

    return _kept(registry, ("showable", dialect, results, limit), build)


def older_results(registry: Registry, dialect: str) -> Any:
    """Part 2 alone and whole (every module that may have results and is not open, newest
    first): what the home page reads when the newest ones do not give it enough results."""

    def build() -> TextualSelect:
        recent = pairs(registry)[1]
        sqlite = dialect == "sqlite"
        binds: list[Any] = [keys_param("spaces")]
        sql = _recent(sqlite, _values("r", recent, binds), None) if recent else _nothing(sqlite)
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


def _spaces(sqlite: bool) -> str:
    # The space ids as a table of one column, ``value``.
    return "json_each(:spaces) AS s" if sqlite else "unnest(CAST(:spaces AS INTEGER[])) AS s(value)"


def _published(sqlite: bool) -> str:
    return "m.published = 1" if sqlite else "m.published"


def _by_pairs(sqlite: bool, values: str, pair: str) -> str:
    # Spaces, then pairs, then one index range for each: SQLite keeps the order of a CROSS JOIN.
    join = "CROSS JOIN" if sqlite else "JOIN"
    glue = "" if sqlite else " ON TRUE"
    return (
        f"FROM {_spaces(sqlite)} {join} {values}{glue} {join} modules AS m "
        f"ON m.space_id = s.value AND m.type = {pair}.column1 AND m.phase = {pair}.column2"
    )


def _open(sqlite: bool, values: str) -> str:
    # No dates: part 1 reads those of every dated module, the open ones included.
    return (
        f"SELECT {_MODULE}, {_no_dates(sqlite)} {_by_pairs(sqlite, values, 'o')} "
        f"WHERE {_published(sqlite)}"
    )


def _dated(sqlite: bool) -> str:
    join = "CROSS JOIN" if sqlite else "JOIN"
    return (
        f"SELECT {_MODULE}, d.phase, d.starts_at, d.ends_at FROM {_spaces(sqlite)} "
        f"{join} modules AS m ON m.space_id = s.value "
        f"{join} module_phase_dates AS d ON d.module_id = m.id WHERE {_published(sqlite)}"
    )


def _no_dates(sqlite: bool) -> str:
    # Typed on PostgreSQL: a NULL of a subquery is text there, which no timestamp unites with.
    if sqlite:
        return "NULL, NULL, NULL"
    return "CAST(NULL AS VARCHAR), CAST(NULL AS TIMESTAMPTZ), CAST(NULL AS TIMESTAMPTZ)"


def _recent(sqlite: bool, values: str, limit: int | None) -> str:
    bounded = "" if limit is None else f" LIMIT {int(limit)}"
    return (
        f"SELECT * FROM (SELECT {_RECENT}, {_no_dates(sqlite)} "
        f"{_by_pairs(sqlite, values, 'r')} WHERE {_published(sqlite)} "
        f"ORDER BY m.id DESC{bounded}) AS recent"
    )


def _nothing(sqlite: bool) -> str:
    return f"SELECT {_RECENT}, {_no_dates(sqlite)} FROM modules AS m WHERE 1 = 0"
