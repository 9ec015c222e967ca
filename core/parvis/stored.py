"""Columns read as the database stores them, for listing pages that read hundreds of rows and
use few of these values: decoding is left to the reader, for the values it reads.

``stored_json(column)``: a JSON column as its text. On PostgreSQL psycopg decodes a ``json``
column itself, whatever SQLAlchemy's type says (``type_coerce`` does not stop it): the text
cast in SQL is the only way not to decode the settings of 200 modules a space page never reads.
``stored_datetime(column)``: a ``UTCDateTime`` column without its result processor, two Python
calls a value even for ``NULL``; ``utc_datetime`` then gives the value that processor would.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import String, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal


class _StoredJSON(ColumnElement[str]):
    __visit_name__ = "parvis_stored_json"
    inherit_cache = True
    type = String()
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: Any) -> None:
        self.column = (
            column.__clause_element__() if hasattr(column, "__clause_element__") else column
        )


def stored_json(column: Any) -> ColumnElement[str]:
    """``column`` (JSON) as its text: ``json.loads`` it where it is read."""
    return _StoredJSON(column)


@compiles(_StoredJSON)
def _as_stored(element: _StoredJSON, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(element.column, **kw))


@compiles(_StoredJSON, "postgresql")
def _as_text(element: _StoredJSON, compiler: Any, **kw: Any) -> str:
    return f"CAST({compiler.process(element.column, **kw)} AS TEXT)"


def stored_datetime(column: Any) -> ColumnElement[Any]:
    """``column`` (``UTCDateTime``) as the driver gives it: ISO text on SQLite, a ``datetime``
    on PostgreSQL; ``utc_datetime`` makes it what the column's type would have read."""
    return type_coerce(column, String())


def utc_datetime(value: Any) -> dt.datetime | None:
    """A ``stored_datetime`` value as ``UTCDateTime`` reads it: aware, UTC when stored naive."""
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)  # type: ignore[no-any-return]
