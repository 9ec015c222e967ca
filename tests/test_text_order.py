"""``python_order``: text ordered in SQL as Python's ``sorted`` orders it, on SQLite and
PostgreSQL alike, so a list streamed from the database keeps the order an in-memory sort gave."""

from __future__ import annotations

import pytest
from sqlalchemy import literal, select, union_all

from parvis.api import python_order

NAMES = ["émile", "Émile", "Zoé", "zoe", "amis", "Amis", "Ölmez", "œuvre", "Œuvre", "Strauß"]
NAMES += ["Strausz", "d'Alembert", "De la Tour", "Dupont", "Éluard", "ÉLUARD", "Ñúñez", "", "Bob"]


@pytest.mark.parametrize("fold", [None, str.lower, str.casefold])
def test_names_in_latin_script_come_in_python_s_order(town, fold):
    names = union_all(*(select(literal(n).label("name")) for n in NAMES)).subquery()
    with town.session() as session:
        key = python_order(session, names.c.name, fold)
        got = list(
            session.scalars(select(names.c.name).order_by(key, python_order(session, names.c.name)))
        )
    assert got == sorted(NAMES, key=lambda n: (fold(n) if fold else n, n))


def test_a_statement_ordered_by_python_order_runs_on_any_connection(town):
    """The order is built in one unit of work and may run on another connection (a stream's
    own unit of work, another pooled connection): every connection knows the folds."""
    names = union_all(*(select(literal(n).label("name")) for n in NAMES)).subquery()
    with town.session() as session:
        statement = select(names.c.name).order_by(
            python_order(session, names.c.name, str.casefold), python_order(session, names.c.name)
        )
    database = town.parvis.db
    database.dispose()  # every connection new
    with database.engine.connect() as connection:
        got = list(connection.scalars(statement))
    assert got == sorted(NAMES, key=lambda n: (n.casefold(), n))
