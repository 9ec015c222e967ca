"""``in_keys(column, name)``: ``column IN (keys)`` with all the keys in one bound parameter.

An expanding parameter (``column.in_(bindparam(name, expanding=True))``) is rendered again at
every execution, one placeholder per key: for the 200 ids of a long space page that took longer
than running the statement (about 340 µs a statement). Here the keys travel as one value: a JSON
array read by ``json_each`` on SQLite, an array compared with ``= ANY`` on PostgreSQL; the
statement's SQL is the same whatever the number of keys, so it is compiled once.

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
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import NullType, TypeDecorator, TypeEngine


class _Keys(TypeDecorator[Sequence[Any]]):
    """The keys as one value: a JSON array (SQLite); on PostgreSQL the text of an integer array
    (cast by the statement, see ``_postgresql``), else an array of the column's type."""

    impl = String
    cache_ok = True

    def __init__(self, element: TypeEngine[Any]) -> None:
        super().__init__()
        self.element = element
        self.integers = isinstance(element, Integer)

    def load_dialect_impl(self, dialect: Any) -> TypeEngine[Any]:
        if dialect.name == "postgresql" and not self.integers:
            return dialect.type_descriptor(ARRAY(self.element))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: Any, dialect: Any) -> Any:
        if self.integers:
            # ``int`` first: a bool or a numeric string is written as the number it is. Joined
            # (one call), not ``json.dumps`` (five) on SQLite: the same JSON array of numbers.
            keys = ",".join(map(str, map(int, value)))
            return "{" + keys + "}" if dialect.name == "postgresql" else "[" + keys + "]"
        if dialect.name != "postgresql":
            return json.dumps(list(value))
        return list(value)


class InKeys(ColumnElement[bool]):
    __visit_name__ = "parvis_in_keys"
    inherit_cache = True
    # Not ``Boolean``: SQLite (no native booleans) would append "= 1" to it in a WHERE.
    type = NullType()
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("keys", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: Any, name: str) -> None:
        self.column = (
            column.__clause_element__() if hasattr(column, "__clause_element__") else column
        )
        self.keys = bindparam(name, type_=_Keys(self.column.type))


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
def _postgresql(element: InKeys, compiler: Any, **kw: Any) -> str:
    column, keys = compiler.process(element.column, **kw), compiler.process(element.keys, **kw)
    kind = element.keys.type
    if isinstance(kind, _Keys) and kind.integers:
        array = compiler.dialect.type_compiler_instance.process(ARRAY(kind.element))
        return f"{column} = ANY(CAST({keys} AS {array}))"
    return f"{column} = ANY({keys})"
