"""``in_keys(column, name)``: ``column IN (keys)`` with all the keys in one bound parameter.

An expanding parameter (``column.in_(bindparam(name, expanding=True))``) is rendered again at
every execution, one placeholder per key: for the 200 ids of a long space page that took longer
than running the statement (about 340 µs a statement). Here the keys travel as one value: a JSON
array read by ``json_each`` on SQLite, an array compared with ``= ANY`` on PostgreSQL; the
statement's SQL is the same whatever the number of keys, so it is compiled once.

``keyed_rows(column, name)``: the same rows as a FROM clause, which SQLite reads as a join over
``json_each`` (``IN (SELECT ...)`` first copies the keys into a temporary b-tree).

On PostgreSQL, integer keys travel as the array's text (``'{1,2,3}'``, cast to ``INTEGER[]`` by
the server): psycopg dumps a Python list element by element in Python, about 180 µs of client
CPU for 200 ids, where ``",".join`` takes a few.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, String, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import NullType, TypeDecorator, TypeEngine


class _Keys(TypeDecorator[Sequence[Any]]):
    """The keys as one value: a JSON array (SQLite); on PostgreSQL the text of an integer array
    (cast by the statement, see ``_postgresql``), else an array of the column's type."""

    impl = String
    cache_ok = True

    def __init__(self, element: TypeEngine[Any], unique: bool = False) -> None:
        super().__init__()
        self.element = element
        self.integers = isinstance(element, Integer)
        self.unique = unique  # each key once (``keyed_rows``: a join reads a row per key)

    def load_dialect_impl(self, dialect: Any) -> TypeEngine[Any]:
        if dialect.name == "postgresql" and not self.integers:
            return dialect.type_descriptor(ARRAY(self.element))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if self.unique:
            value = dict.fromkeys(map(int, value) if self.integers else value)
        if self.integers:
            # ``int`` first: a bool or a numeric string is written as the number it is. Joined
            # (one call), not ``json.dumps`` (five) on SQLite: the same JSON array of numbers.
            keys = ",".join(map(str, map(int, value)))
            return "{" + keys + "}" if dialect.name == "postgresql" else "[" + keys + "]"
        if dialect.name != "postgresql":
            return json.dumps(list(value))
        return list(value)


# What makes an ``InKeys`` or ``KeyedRows`` the same statement (its cache key).
_TRAVERSED = [
    ("column", InternalTraversal.dp_clauseelement),
    ("keys", InternalTraversal.dp_clauseelement),
]


def _column_and_keys(column: Any, name: str, unique: bool = False) -> tuple[Any, Any]:
    found = column.__clause_element__() if hasattr(column, "__clause_element__") else column
    return found, bindparam(name, type_=_Keys(found.type, unique))


class InKeys(ColumnElement[bool]):
    __visit_name__ = "parvis_in_keys"
    inherit_cache = True
    # Not ``Boolean``: SQLite (no native booleans) would append "= 1" to it in a WHERE.
    type = NullType()
    _traverse_internals = _TRAVERSED

    def __init__(self, column: Any, name: str) -> None:
        self.column, self.keys = _column_and_keys(column, name)


def keys_param(name: str) -> Any:
    """The parameter ``name`` taking integer keys as one value (a JSON array on SQLite, an
    integer array's text on PostgreSQL), for a hand-written statement that reads them as a
    table: ``json_each(:name)`` on SQLite, ``unnest(CAST(:name AS INTEGER[]))`` on PostgreSQL."""
    return bindparam(name, type_=_Keys(Integer()))


def in_keys(column: Any, name: str) -> ColumnElement[bool]:
    """``column IN (the keys)``, the keys given at execution as ``{name: [...]}``; build the
    statement once (a module constant) and run it with any number of keys."""
    return InKeys(column, name)


@compiles(InKeys)
def _sqlite(element: InKeys, compiler: Any, **kw: Any) -> str:
    column, keys = compiler.process(element.column, **kw), compiler.process(element.keys, **kw)
    return f"{column} IN (SELECT value FROM json_each({keys}))"


@compiles(InKeys, "postgresql")
def _postgresql(element: InKeys | KeyedRows, compiler: Any, **kw: Any) -> str:
    column, keys = compiler.process(element.column, **kw), compiler.process(element.keys, **kw)
    kind = element.keys.type
    if isinstance(kind, _Keys) and kind.integers:
        array = compiler.dialect.type_compiler_instance.process(ARRAY(kind.element))
        return f"{column} = ANY(CAST({keys} AS {array}))"
    return f"{column} = ANY({keys})"


class KeyedRows(FromClause):
    """``keyed_rows``: the rows of a table whose key column is among the keys (a FROM clause)."""

    __visit_name__ = "parvis_keyed_rows"
    named_with_column = False
    inherit_cache = True
    _traverse_internals = _TRAVERSED

    def __init__(self, column: Any, name: str) -> None:
        self.column, self.keys = _column_and_keys(column, name, unique=True)
        self.table = self.column.table

    # The table stands in the FROM list through this clause (as a join's tables do): columns
    # of the table, and scalar subqueries correlated to it, read this clause's rows.
    @property
    def _from_objects(self) -> list[FromClause]:
        return [self, self.table]

    @property
    def _hide_froms(self) -> list[FromClause]:
        return [self.table]


def keyed_rows(column: Any, name: str) -> KeyedRows:
    """The rows of ``column``'s table whose ``column`` is among the keys given at execution as
    ``{name: [...]}``, as a FROM clause: ``select(...).select_from(keyed_rows(Thing.id, "ids"))``
    reads what ``select(...).where(in_keys(Thing.id, "ids"))`` reads. Better where the keys
    choose the rows: on SQLite, ``IN (SELECT value FROM json_each(?))`` first copies the keys
    into a temporary b-tree (about 30,000 instructions a statement, as much as reading a few
    rows), where a join reads them in place; on PostgreSQL it is the same ``= ANY`` filter."""
    return KeyedRows(column, name)


@compiles(KeyedRows)
def _keyed_sqlite(element: KeyedRows, compiler: Any, **kw: Any) -> str:
    keys = compiler.process(element.keys, **kw)
    table = compiler.process(element.table, **{**kw, "asfrom": True})
    column = compiler.process(element.column, **kw)
    # CROSS JOIN: the keys first, each row then found by its key. Named after the parameter:
    # two keyed tables in one statement read two parameters.
    alias = f"keys_{element.keys.key}"
    return f"json_each({keys}) AS {alias} CROSS JOIN {table} ON {column} = {alias}.value"


@compiles(KeyedRows, "postgresql")
def _keyed_postgresql(element: KeyedRows, compiler: Any, **kw: Any) -> str:
    # The table's rows filtered under its own name: the planner flattens it into ``= ANY``.
    table = compiler.process(element.table, **{**kw, "asfrom": True})
    return f"(SELECT * FROM {table} WHERE {_postgresql(element, compiler, **kw)}) AS {table}"
