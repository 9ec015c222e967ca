"""``in_keys``: ``column IN (keys)`` with the keys in one parameter, the same SQL whatever their
number (an expanding parameter is rendered again at each execution, one placeholder a key)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from parvis.api import in_keys, read_columns
from parvis.models import Module, Town
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
