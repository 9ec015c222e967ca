"""``in_keys``: ``column IN (keys)`` with the keys in one parameter, the same SQL whatever their
number (an expanding parameter is rendered again at each execution, one placeholder a key);
``keyed_rows``: the same rows as a FROM clause."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text, update

from parvis.api import driver_rows, in_keys, keyed_rows, read_columns
from parvis.models import Module, PhaseDates, Town
from parvis.testing.spaces import make_space_with_module


def test_in_keys_selects_the_rows_of_the_keys_given_whatever_their_number_or_type(town):
    built = [
        make_space_with_module(town, kind, phase="open") for kind in ("survey", "poll", "survey")
    ]
    ids = [b.module_id for b in built]
    by_id = select(Module.id).where(in_keys(Module.id, "ids")).order_by(Module.id)
    by_type = select(Module.id).where(in_keys(Module.type, "types"), Module.phase == "open")
    objects = select(Module).where(in_keys(Module.id, "ids"))
    with town.session() as session:
        with town.parvis.db.count_queries() as counter:
            assert [r[0] for r in read_columns(session, by_id, {"ids": ids[:1]})] == ids[:1]
            assert [r[0] for r in read_columns(session, by_id, {"ids": ids})] == ids
            assert [r[0] for r in read_columns(session, by_id, {"ids": [*ids, 10**9]})] == ids
            assert read_columns(session, by_id, {"ids": []}).all() == []
        assert len({s for s in counter.statements if s.startswith("SELECT")}) == 1
        polls = session.execute(by_type, {"types": ["poll"]}).scalars().all()
        assert polls == [built[1].module_id]
        found = session.execute(objects, {"ids": ids[1:]}).scalars().all()
        assert sorted(m.id for m in found) == ids[1:]


def test_read_columns_refuses_a_write(town):
    """Its statement runs on the connection, unseen by the content version's bookkeeping: a
    write through it would leave every page and value kept per process stale, in every process."""
    rename = update(Town).where(Town.id == town.town_id).values(name="Renamed")
    with town.session() as session:
        for statement in (rename, rename.returning(Town.id), text("UPDATE towns SET name = 'x'")):
            with pytest.raises(TypeError):
                read_columns(session, statement)
    with town.session() as session:
        assert session.get(Town, town.town_id).name != "Renamed"


def test_keyed_rows_reads_the_rows_of_the_keys_as_in_keys_does(town):
    """Each key's row once (a key given twice too), none for an unknown key or no key; joined
    tables and subqueries correlated to the table read the keyed rows; through the driver's
    cursor as through SQLAlchemy."""
    built = [make_space_with_module(town, "survey", phase="open") for _ in range(3)]
    ids = [b.module_id for b in built]
    dated = ids[1]
    with town.session() as session:
        session.add(PhaseDates(module_id=dated, phase="open"))
        session.commit()
    keyed = keyed_rows(Module.id, "ids")
    dates = (
        select(func.count())
        .where(PhaseDates.module_id == Module.id)
        .correlate(Module)
        .scalar_subquery()
    )
    statement = select(Module.id, Module.title, dates).select_from(keyed).order_by(Module.id)
    joined = (
        select(Module.id, PhaseDates.phase)
        .select_from(keyed.outerjoin(PhaseDates, PhaseDates.module_id == Module.id))
        .order_by(Module.id)
    )
    with town.session() as session:
        titles = dict(session.execute(select(Module.id, Module.title)).all())
        for keys in (ids, ids[:1], [ids[2], ids[0], ids[2]], [*ids, 10**9], []):
            expected = [(k, titles[k], int(k == dated)) for k in sorted(set(keys) & set(ids))]
            assert [tuple(r) for r in session.execute(statement, {"ids": keys})] == expected
            assert [tuple(r) for r in driver_rows(session, statement, {"ids": keys})] == expected
        found = [tuple(r) for r in session.execute(joined, {"ids": ids})]
        assert found == [(ids[0], None), (dated, "open"), (ids[2], None)]
