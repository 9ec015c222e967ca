"""Rows every request reads, kept per process as plain column values (``values_of``) and given
to each unit of work as an ORM instance of its own, attached to its session without a query
(``attach``): the request's town, a module route's space and module. ``Shape`` does the
same for a row read with a Core statement (the signed-in user's query).

Whoever keeps such values keeps them behind a version read in the same unit of work (the town's
``setup_version`` or ``content_version``, see ``versions.py``), so an attached copy is exactly
what a query would have loaded. The copy is persistent: a view may change it and the change is
flushed as usual; JSON values are kept serialized (``marshal``) and rebuilt for each copy, so
nothing a view does touches what the process keeps.
"""

from __future__ import annotations

import marshal
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import inspect
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.attributes import instance_state

T = TypeVar("T")
Values = dict[str, Any]

_COLUMNS: dict[type, tuple[Mapper[Any], tuple[str, ...], tuple[str, ...]]] = {}
# Per class, what ``attach`` needs: (identity class, primary key attribute names, constructor).
_ATTACH: dict[type, tuple[type, tuple[str, ...], Any]] = {}


def _keys(cls: type) -> tuple[Mapper[Any], tuple[str, ...], tuple[str, ...]]:
    """(mapper, column attribute names, primary key attribute names) of a mapped class."""
    keys = _COLUMNS.get(cls)
    if keys is None:
        mapper = inspect(cls)
        columns = tuple(attr.key for attr in mapper.column_attrs)
        primary = tuple(mapper.get_property_by_column(c).key for c in mapper.primary_key)
        keys = _COLUMNS[cls] = (mapper, columns, primary)
    return keys


class Shape(Generic[T]):
    """How a Core statement reads an entity of ``cls`` without the ORM's cost of loading it:
    the columns it selects (``columns``, in the order ``build`` reads them), the attributes
    known without reading them (given to ``build``: e.g. the keys of the join that found the
    row) and those it leaves unread (``later``): they load on first access with one query,
    as an expired attribute does, for columns a request seldom needs."""

    def __init__(self, cls: type[T], given: tuple[str, ...] = (), later: tuple[str, ...] = ()):
        mapper, keys, primary = _keys(cls)
        unknown = set(given) | set(later) | set(primary)
        if not unknown <= set(keys) or set(primary) & (set(given) | set(later)):
            raise ValueError(f"{cls.__name__}: given/later must be other columns than the key")
        self.cls = cls
        self.read = tuple(k for k in keys if k not in given and k not in later)
        self.columns: list[Any] = [mapper.column_attrs[k].columns[0] for k in self.read]
        self.given = frozenset(given)
        self.later = frozenset(later)
        self._primary = tuple(self.read.index(k) for k in primary)

    def build(self, session: Session, row: Sequence[Any], start: int = 0, **given: Any) -> T | None:
        """The instance whose columns start at ``row[start]``, attached to ``session``; None
        when its primary key is null (an outer join found none)."""
        if given.keys() != self.given:
            raise TypeError(f"{self.cls.__name__}: give exactly {sorted(self.given)}")
        values = row[start : start + len(self.read)]
        if any(values[i] is None for i in self._primary):
            return None
        return attach(
            session, self.cls, {**dict(zip(self.read, values, strict=True)), **given}, self.later
        )


def values_of(obj: Any) -> Values:
    """The column values of a loaded ORM instance (every column loaded, none changed)."""
    loaded = obj.__dict__
    return {key: _kept(loaded[key]) for key in _keys(type(obj))[1]}


def attach(
    session: Session, cls: type[T], values: Values, later: frozenset[str] = frozenset()
) -> T:
    """An instance of ``cls`` with ``values``, persistent in ``session`` as if it had been
    loaded there (the one already in its identity map, if any); the attributes named in
    ``later`` are left unloaded, to load on first access (as the ORM's own loader leaves a
    column it did not read: marked expired)."""
    how = _ATTACH.get(cls)
    if how is None:
        mapper, _columns, primary = _keys(cls)
        how = _ATTACH[cls] = (mapper._identity_class, primary, mapper.class_manager.new_instance)
    identity_class, primary, new_instance = how
    # ``mapper.identity_key_from_primary_key``'s key, built here: a ballot attaches five rows.
    key = (values[primary[0]],) if len(primary) == 1 else tuple([values[k] for k in primary])
    identity = (identity_class, key, None)
    existing = session.identity_map.get(identity)
    if existing is not None:
        return existing  # type: ignore[no-any-return]
    obj = new_instance()
    obj.__dict__.update({k: marshal.loads(v) if type(v) is _Json else v for k, v in values.items()})
    # Registered as loading a row registers it (``sqlalchemy/orm/loading.py``): persistent, no
    # history, no cascade to walk. ``make_transient_to_detached`` + ``session.add`` cost 5
    # times as much, and a ballot attaches five rows (``test_kept_rows`` checks the result).
    state = instance_state(obj)
    state.key = identity
    state.identity_token = identity[2]
    state.session_id = session.hash_key
    session.identity_map._add_unpresent(state, identity)
    if later:
        state.expired_attributes.update(later)
    return obj  # type: ignore[no-any-return]


class _Json(bytes):
    """A JSON column's value (mutable), kept serialized: each holder rebuilds its own. With
    ``marshal``, one C call each way (``json`` costs a dozen Python calls per value, and a
    ballot attaches four such values); it keeps exactly what was loaded (JSON's types only),
    and never leaves the process."""


def _kept(value: Any) -> Any:
    return _Json(marshal.dumps(value)) if isinstance(value, (dict, list)) else value
