"""Ordering text in SQL as Python sorts it, so a list read as a stream (``yield_per``) comes in
the order an in-memory ``sorted`` gave it: code point by code point (SQLite's BINARY, the "C"
collation on PostgreSQL, whatever the database's locale), after ``str.lower`` or
``str.casefold``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import Session

# The upper-case letters of Latin-1 (French and other Western European names), Œ and Ÿ, which
# PostgreSQL's ``lower`` under the "C" collation leaves as they are (it changes ASCII only).
_UPPER = "".join(c for c in map(chr, range(0xC0, 0xDF)) if c.lower() != c) + "ŒŸ"
_FOLDS: dict[Callable[[str], str], str] = {str.lower: "py_lower", str.casefold: "py_casefold"}


def register_sqlite_functions(dbapi_connection: Any) -> None:
    """Give a new SQLite connection the folds ``python_order`` names (``db.make_engine`` calls it
    on connect): once per connection, so a statement runs on whichever connection takes it."""
    for fold, name in _FOLDS.items():
        dbapi_connection.create_function(name, 1, fold, deterministic=True)


def python_order(session: Session, expr: Any, fold: Callable[[str], str] | None = None) -> Any:
    """``expr`` to ``ORDER BY`` as ``sorted(key=fold)`` orders Python strings; ``fold`` is
    ``str.lower``, ``str.casefold`` or ``None``. Exact on SQLite (Python's own ``fold``, which
    every connection has: ``register_sqlite_functions``); on PostgreSQL ``fold`` covers ASCII,
    Latin-1's letters, Œ and Ÿ (and ß for ``casefold``): every name in Latin script but rarer
    letters (Ł, Š) and other scripts. Reads nothing: the session's transaction is not begun."""
    if session.get_bind().dialect.name != "postgresql":
        if fold is None:
            return expr
        return getattr(func, _FOLDS[fold])(expr)
    if fold is None:
        return expr.collate("C")
    folded = func.translate(func.lower(expr.collate("C")), _UPPER, _UPPER.lower())
    if _FOLDS[fold] == "py_casefold":
        folded = func.replace(folded, "ß", "ss")
    return folded.collate("C")
