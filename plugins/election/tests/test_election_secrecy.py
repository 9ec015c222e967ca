"""Secrecy from the schema: nothing in a ballot row can lead back to a person, and participation
and ballot are written together or not at all."""

from __future__ import annotations

import pytest
from election_helpers import make_election
from sqlalchemy import DateTime, Integer, func, inspect, select

from parvis.api import Base
from parvis_election.box import AlreadyVoted, PlainBallotBox, ballot_box
from parvis_election.models import Ballot, Participation

# What a ballot may hold: where it was cast and what was chosen, under a random id.
BALLOT_COLUMNS = {"id", "constituency_id", "choices"}


def _ballot_table():
    return Base.metadata.tables["election_ballots"]


def test_a_ballot_row_has_no_column_that_could_link_it_to_a_person():
    table = _ballot_table()
    assert set(table.columns.keys()) == BALLOT_COLUMNS
    for column in table.columns:
        assert not isinstance(column.type, DateTime), f"{column.name} is a time"
        assert column.server_default is None, f"{column.name} has a server default"
        for fk in column.foreign_keys:
            assert fk.column.table.name == "election_constituencies", (
                f"{column.name} points at {fk.column.table.name}"
            )
    # The id is random, not a counter that would follow the order of participations.
    (pk,) = table.primary_key.columns
    assert not isinstance(pk.type, Integer) and pk.autoincrement is not True
    assert pk.default is not None and callable(pk.default.arg)
    # No other table points at a ballot (a participation must not name its ballot).
    for other in Base.metadata.tables.values():
        for fk in other.foreign_keys:
            assert fk.column.table.name != "election_ballots", f"{other.name} points at ballots"


def test_participation_and_ballot_share_no_key():
    participation = Base.metadata.tables["election_participations"]
    shared = set(participation.columns.keys()) & set(_ballot_table().columns.keys())
    # "id" is each table's own primary key (integer vs random text); the constituency is the only
    # common attribute, needed to check participations = ballots per constituency.
    assert shared == {"id", "constituency_id"}
    assert not isinstance(_ballot_table().c.id.type, type(participation.c.id.type))


def test_the_database_built_by_migrations_has_the_same_ballot_columns(town):
    with town.session() as session:
        columns = {
            c["name"]: c for c in inspect(session.connection()).get_columns("election_ballots")
        }
    assert set(columns) == BALLOT_COLUMNS
    assert not any(isinstance(c["type"], DateTime) for c in columns.values())


def test_ballot_ids_are_random_not_in_insertion_order(town):
    election = make_election(town)
    cid = election.constituencies["nord"]
    choice = election.candidates["nord"][0]
    with town.session() as session:
        for n in range(30):
            ballot_box().cast(
                session,
                module_id=election.module_id,
                constituency_id=cid,
                person_key=f"{n:064d}",
                choices=(choice,),
            )
    with town.session() as session:
        ids = list(session.scalars(select(Ballot.id)))
        times = list(session.scalars(select(Participation.voted_at)))
    assert len(set(ids)) == 30 and all(len(i) == 32 for i in ids)
    assert ids != sorted(ids) or ids != sorted(ids, reverse=True)
    assert len(times) == 30


def test_participation_and_ballot_are_one_transaction(town):
    election = make_election(town)
    cid = election.constituencies["nord"]
    box = PlainBallotBox()
    with pytest.raises(RuntimeError), town.session() as session:
        box.cast(
            session,
            module_id=election.module_id,
            constituency_id=cid,
            person_key="k" * 64,
            choices=(1,),
        )
        raise RuntimeError("crash after casting, before commit")
    with town.session() as session:
        assert session.scalar(select(func.count()).select_from(Participation)) == 0
        assert session.scalar(select(func.count()).select_from(Ballot)) == 0
        box.cast(
            session,
            module_id=election.module_id,
            constituency_id=cid,
            person_key="k" * 64,
            choices=(1,),
        )
    with town.session() as session, pytest.raises(AlreadyVoted):
        box.cast(
            session,
            module_id=election.module_id,
            constituency_id=cid,
            person_key="k" * 64,
            choices=(2,),
        )
    with town.session() as session:
        assert box.tallies(session, [cid]) == {cid: (1, 1)}


def test_sealing_rewrites_ballots_in_a_new_order_under_new_ids(town):
    election = make_election(town)
    cid = election.constituencies["nord"]
    box = ballot_box()
    with town.session() as session:
        for n in range(20):
            box.cast(
                session,
                module_id=election.module_id,
                constituency_id=cid,
                person_key=f"{n:064d}",
                choices=(n,),
            )
    with town.session() as session:
        before = dict(session.execute(select(Ballot.id, Ballot.choices)).all())
        box.seal(session, cid)
    with town.session() as session:
        after = dict(session.execute(select(Ballot.id, Ballot.choices)).all())
        assert box.tallies(session, [cid]) == {cid: (20, 20)}
    assert sorted(before.values()) == sorted(after.values())
    assert not set(before) & set(after)
