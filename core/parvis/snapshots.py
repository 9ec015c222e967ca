"""Rows every request reads, kept per process as plain column values (``values_of``) and given
to each unit of work as an ORM instance of its own, attached to its session without a query
(``attach``): the request's town, a module route's space and module. ``columns_of`` and
``from_row`` do the same for a row read with a Core statement (the signed-in user's query).

Whoever keeps such values keeps them behind a version read in the same unit of work (the town's
``setup_version`` or ``content_version``, see ``versions.py``), so an attached copy is exactly
what a query would have loaded. The copy is persistent: a view may change it and the change is
flushed as usual; JSON values are kept as text and decoded for each copy, so nothing a view
does touches what the process keeps.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.attributes import instance_state

T = TypeVar("T")
Values = dict[str, Any]

_COLUMNS: dict[type, tuple[Mapper[Any], tuple[str, ...], tuple[str, ...]]] = {}


def _keys(cls: type) -> tuple[Mapper[Any], tuple[str, ...], tuple[str, ...]]:
    """(mapper, column attribute names, primary key attribute names) of a mapped class."""
    keys = _COLUMNS.get(cls)
    if keys is None:
        mapper = inspect(cls)
        columns = tuple(attr.key for attr in mapper.column_attrs)
        primary = tuple(mapper.get_property_by_column(c).key for c in mapper.primary_key)
        keys = _COLUMNS[cls] = (mapper, columns, primary)
    return keys


def columns_of(cls: type) -> list[Any]:
    """The columns of a mapped class, in the order ``from_row`` reads them: a Core statement
    selecting them reads a row without the ORM's cost of loading an entity."""
    mapper = _keys(cls)[0]
    return [mapper.column_attrs[key].columns[0] for key in _keys(cls)[1]]


def from_row(session: Session, cls: type[T], row: Sequence[Any], start: int = 0) -> T | None:
    """The instance of ``cls`` whose columns (``columns_of``) start at ``row[start]``, attached
    to ``session``; None when its primary key is null (an outer join found none)."""
    keys = _keys(cls)[1]
    values = dict(zip(keys, row[start : start + len(keys)], strict=True))
    if any(values[key] is None for key in _keys(cls)[2]):
        return None
    return attach(session, cls, values)


def values_of(obj: Any) -> Values:
    """The column values of a loaded ORM instance (every column loaded, none changed)."""
    loaded = obj.__dict__
    return {key: _kept(loaded[key]) for key in _keys(type(obj))[1]}


def attach(session: Session, cls: type[T], values: Values) -> T:
    """An instance of ``cls`` with ``values``, persistent in ``session`` as if it had been
    loaded there (the one already in its identity map, if any)."""
    mapper, _columns, primary = _keys(cls)
    identity = mapper.identity_key_from_primary_key(tuple(values[k] for k in primary))
    existing = session.identity_map.get(identity)
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    obj = mapper.class_manager.new_instance()
    obj.__dict__.update(
        {key: json.loads(value) if type(value) is _Json else value for key, value in values.items()}
    )
    # Registered as loading a row registers it (``sqlalchemy/orm/loading.py``): persistent, no
    # history, no cascade to walk. ``make_transient_to_detached`` + ``session.add`` cost 5
    # times as much, and a ballot attaches five rows (``test_kept_rows`` checks the result).
    state = instance_state(obj)
    state.key = identity
    state.identity_token = identity[2]
    state.session_id = session.hash_key
    session.identity_map._add_unpresent(state, identity)
    return obj  # type: ignore[no-any-return]


class _Json(str):
    """A JSON column's value (mutable), kept as its text: each holder decodes its own."""


def _kept(value: Any) -> Any:
    return _Json(json.dumps(value)) if isinstance(value, (dict, list)) else value
