"""The ballot box: the only code that writes or reads ballots.

Everything else goes through ``BallotBox``, so an encrypted, end-to-end verifiable box (voters
check their encrypted ballot is in the published board, a mix-net or homomorphic tally counts)
can replace ``PlainBallotBox`` without touching views, counting or publication.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Integer, String, Text, bindparam, delete, exists, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from parvis.api import utcnow, write_unseen

from .models import Ballot, Participation, random_id

# The cast statements are built once (bound parameters): a ballot only fills them in. On the
# tables, not the mapped classes: an ORM insert with parameters would be a bulk insert.


@functools.cache
def _participation_statement(dialect: str) -> Any:
    """INSERT the participation unless the person has one: its id, or no row."""
    module = postgresql if dialect == "postgresql" else sqlite
    return (
        module.insert(Participation.__table__)
        .values(
            module_id=bindparam("module_id"),
            constituency_id=bindparam("constituency_id"),
            person_key=bindparam("person_key"),
            voted_at=bindparam("voted_at"),
        )
        .on_conflict_do_nothing(index_elements=["module_id", "person_key"])
        .returning(Participation.__table__.c.id)
    )


_PARTICIPATION = ("module_id", "constituency_id", "person_key", "voted_at")
_BALLOT = ("ballot_id", "constituency_id", "choices")


@functools.cache
def _ballot_statement() -> Any:
    return insert(Ballot.__table__).values(
        id=bindparam("ballot_id"),
        constituency_id=bindparam("constituency_id"),
        choices=bindparam("choices"),
    )


@functools.cache
def _cast_statement() -> Any:
    """PostgreSQL: the participation in a data-modifying CTE, the ballot inserted only if that
    CTE returned a row; the ballot's id, or no row (already voted)."""
    participation = _participation_statement("postgresql").cte("participation")
    row = select(
        bindparam("ballot_id", type_=String),
        bindparam("constituency_id", type_=Integer),
        bindparam("choices", type_=Text),
    ).where(exists(select(participation.c.id)))
    return (
        insert(Ballot.__table__)
        .from_select(["id", "constituency_id", "choices"], row)
        .returning(Ballot.__table__.c.id)
        .add_cte(participation)
    )


class AlreadyVoted(Exception):
    """The person already has a participation in this election."""


@dataclass(frozen=True)
class Receipt:
    """What the voter is shown afterwards: that they voted, never what."""

    module_id: int
    constituency_id: int
    voted_at: dt.datetime


class BallotBox(Protocol):
    def cast(
        self,
        session: Session,
        *,
        module_id: int,
        constituency_id: int,
        person_key: str,
        choices: Sequence[int],
    ) -> Receipt: ...

    def voted_at(self, session: Session, module_id: int, person_key: str) -> dt.datetime | None:
        """When the person voted in this election, or None."""
        ...

    def ballots(self, session: Session, constituency_id: int) -> list[tuple[int, ...]]: ...

    def stream(
        self, session: Session, constituency_id: int
    ) -> Iterator[tuple[str, tuple[int, ...]]]:
        """The constituency's ballots one at a time (memory does not grow with their number),
        each with the key they come in the order of: a random text, the same at every call,
        that says nothing of when the ballot was cast (published files list ballots in this
        order, with other ballots merged in by keys of the same kind)."""
        ...

    def tallies(
        self, session: Session, constituency_ids: Sequence[int]
    ) -> dict[int, tuple[int, int]]:
        """Per constituency: (participations, ballots)."""
        ...

    def seal(self, session: Session, constituency_id: int) -> None:
        """At the count, before the ballots are read: the constituency's ballots stored again
        under new random ids, in a random order, so neither their ids nor where they are stored
        pair them with participations any more."""
        ...


class PlainBallotBox:
    """Ballots in clear in ``election_ballots``, unlinkable to ``election_participations``."""

    def cast(
        self,
        session: Session,
        *,
        module_id: int,
        constituency_id: int,
        person_key: str,
        choices: Sequence[int],
    ) -> Receipt:
        now = utcnow()
        params = {
            "module_id": module_id,
            "constituency_id": constituency_id,
            "person_key": person_key,
            "voted_at": now,
            "ballot_id": random_id(),
            "choices": " ".join(str(c) for c in choices),
        }
        # The participation's unique key decides: a second attempt inserts nothing (and waits
        # for a concurrent first one to commit or roll back); the ballot is written only after
        # a first participation, in the same transaction. PostgreSQL does both in one statement.
        # Both tables are unseen (no content version): written past the ORM's bookkeeping.
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            if not write_unseen(session, _cast_statement(), params):
                raise AlreadyVoted()
            return Receipt(module_id, constituency_id, now)
        participation = _participation_statement(dialect)
        if not write_unseen(session, participation, {k: params[k] for k in _PARTICIPATION}):
            raise AlreadyVoted()
        write_unseen(session, _ballot_statement(), {k: params[k] for k in _BALLOT})
        return Receipt(module_id, constituency_id, now)

    def voted_at(self, session: Session, module_id: int, person_key: str) -> dt.datetime | None:
        return session.scalar(
            select(Participation.voted_at).where(
                Participation.module_id == module_id, Participation.person_key == person_key
            )
        )

    def ballots(self, session: Session, constituency_id: int) -> list[tuple[int, ...]]:
        rows = session.scalars(
            select(Ballot.choices).where(Ballot.constituency_id == constituency_id)
        )
        return [tuple(int(c) for c in row.split()) for row in rows]

    def stream(
        self, session: Session, constituency_id: int
    ) -> Iterator[tuple[str, tuple[int, ...]]]:
        # By id: 32 hexadecimal digits from the system's randomness, drawn when the ballot was
        # cast and drawn again, in a random order, when it is sealed (``seal``); never a counter
        # nor a time (``tests/test_election_secrecy.py``).
        rows = session.execute(
            select(Ballot.id, Ballot.choices)
            .where(Ballot.constituency_id == constituency_id)
            .order_by(Ballot.id)
            .execution_options(yield_per=1000)
        )
        for key, choices in rows:
            yield key, tuple(int(c) for c in choices.split())

    def tallies(
        self, session: Session, constituency_ids: Sequence[int]
    ) -> dict[int, tuple[int, int]]:
        ids = list(constituency_ids)
        participations = dict(
            session.execute(
                select(Participation.constituency_id, func.count())
                .where(Participation.constituency_id.in_(ids))
                .group_by(Participation.constituency_id)
            ).all()
        )
        ballots = dict(
            session.execute(
                select(Ballot.constituency_id, func.count())
                .where(Ballot.constituency_id.in_(ids))
                .group_by(Ballot.constituency_id)
            ).all()
        )
        return {c: (participations.get(c, 0), ballots.get(c, 0)) for c in ids}

    def seal(self, session: Session, constituency_id: int) -> None:
        # Rows are stored in the order they were inserted (PostgreSQL's ctid, SQLite's pages),
        # which pairs them with participations; reinserted in random order under new ids, they
        # no longer are (the old versions go at the next VACUUM).
        ballots = self.ballots(session, constituency_id)
        random.SystemRandom().shuffle(ballots)
        session.execute(delete(Ballot).where(Ballot.constituency_id == constituency_id))
        session.add_all(
            Ballot(constituency_id=constituency_id, choices=" ".join(str(c) for c in b))
            for b in ballots
        )
        session.flush()


def ballot_box() -> BallotBox:
    """The box in use (one place to swap in another implementation)."""
    return PlainBallotBox()
