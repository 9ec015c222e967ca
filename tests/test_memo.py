"""Per-process values kept until the town's content changes (``Context.memo``), and the user's
verification read with the user (``versions.preload``): both give way to any write. And the
connection pool's ping, only for idle connections."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from parvis import db as parvis_db
from parvis import versions
from parvis.models import Space, Town, User, Verification
from parvis.testing import make_user
from parvis.verification.records import REVOKED, end_verification, verification_of


def _town(session, town):
    return session.get(Town, town.town_id)


def test_a_memo_is_kept_until_a_write_moves_the_content_version(town):
    parvis = town.parvis
    builds = []

    def build():
        builds.append(1)
        return len(builds)

    with town.session() as session:
        assert parvis.memo(session, _town(session, town), "test.key", build) == 1
    with town.session() as session:
        assert parvis.memo(session, _town(session, town), "test.key", build) == 1  # kept
    with town.session() as session:  # any process writing bumps the version in the database
        session.add(Space(town_id=town.town_id, slug="memo", title="Memo", published=True))
    with town.session() as session:
        assert parvis.memo(session, _town(session, town), "test.key", build) == 2


def test_a_unit_of_work_that_wrote_keeps_nothing(town):
    """What a writing unit of work reads may be rolled back: it builds, and keeps nothing."""
    parvis = town.parvis
    with parvis.db.session() as session:
        current = _town(session, town)
        session.add(Space(town_id=town.town_id, slug="gone", title="Gone", published=True))
        session.flush()
        assert parvis.memo(session, current, "test.spaces", lambda: "with gone") == "with gone"
        session.rollback()
    with town.session() as session:
        assert parvis.memo(session, _town(session, town), "test.spaces", lambda: "fresh") == (
            "fresh"
        )


def test_the_preloaded_verification_gives_way_to_a_write(town):
    """``verification_of`` answers the request's user from the user's own query until the unit
    of work writes verifications (then it reads again)."""
    with town.session() as session:
        user = make_user(session, town.town_id, "vera@example.org", verified=True)
        user_id = user.id
        record = verification_of(session, user)
    with town.session() as session, town.parvis.db.count_queries() as counter:
        user = session.get(User, user_id)
        live = session.scalar(select(Verification).where(Verification.id == record.id))
        versions.preload(session, Verification.__tablename__, user_id, live)
        before = counter.count
        assert verification_of(session, user) is live
        assert counter.count == before  # no query
        end_verification(session, live, REVOKED)
        assert verification_of(session, user) is None
        assert counter.count > before


@pytest.mark.postgres_only
def test_a_pooled_connection_killed_while_idle_is_replaced(town, monkeypatch):
    """No ping on a connection just back from a request (it was a round trip per request);
    one idle past ``PING_AFTER_SECONDS`` is tested first, and replaced when the server has
    closed it."""
    db = town.parvis.db
    other = db.engine.connect()  # out of the pool while the victim goes back to it
    with db.session(write=False) as session:
        victim = session.scalar(text("SELECT pg_backend_pid()"))
    other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": victim})
    other.close()
    monkeypatch.setattr(parvis_db, "PING_AFTER_SECONDS", 0.0)
    with db.session(write=False) as session:
        assert session.scalar(text("SELECT pg_backend_pid()")) != victim


@pytest.mark.postgres_only
def test_a_write_in_a_with_clause_bumps_the_version(town):
    """PostgreSQL writes in a ``WITH`` of a SELECT (an ``INSERT ... RETURNING`` whose rows feed
    another insert): still a write the content version sees."""
    from sqlalchemy import insert

    from parvis.models import Area

    with town.session() as session:
        before = _town(session, town).content_version
    with town.session() as session:
        versions.set_town(session, town.town_id)
        added = (
            insert(Area)
            .values(town_id=town.town_id, slug="cte", name="Cte")
            .returning(Area.id)
            .cte("added")
        )
        assert session.execute(select(added.c.id).add_cte(added)).scalar() is not None
    with town.session() as session:
        assert _town(session, town).content_version == before + 1


def test_a_unit_of_work_that_committed_a_write_keeps_and_serves_nothing(town):
    """A commit in the middle of a unit of work (``schedule.advance`` moving a phase) bumps the
    version in the database, not the town the session holds: what the memo kept under that old
    version is stale for the rest of the unit of work, and what it reads now is not that
    version's."""
    parvis = town.parvis
    with town.session() as session:
        assert parvis.memo(session, _town(session, town), "test.count", lambda: "before") == (
            "before"
        )
    with parvis.db.session() as session:
        current = _town(session, town)
        session.add(Space(town_id=town.town_id, slug="later", title="Later", published=True))
        session.commit()
        assert not session.new and not session.dirty
        assert parvis.memo(session, current, "test.count", lambda: "after") == "after"
        assert parvis.memo(session, current, "test.other", lambda: "read now") == "read now"
    with town.session() as session:
        older = _town(session, town)
        older.content_version -= 1  # a request whose version was read before that commit
        session.expunge(older)
        assert parvis.memo(session, older, "test.other", lambda: "as of then") == "as of then"


def test_a_value_cleared_by_another_thread_while_read_is_built_again(town):
    """Another request may empty the town's values (they are bounded) between this one's
    look-up and its read: that is a miss, never a ``KeyError``."""

    class ClearedOnLookUp(dict):
        def __contains__(self, key):
            found = super().__contains__(key)
            self.clear()  # the other thread, just after the look-up
            return found

    parvis = town.parvis
    with town.session() as session:
        current = _town(session, town)
        values = ClearedOnLookUp({"test.key": "kept"})
        parvis._memos[town.town_id] = (current.content_version, values)
        found = parvis.memo(session, current, "test.key", lambda: "built")
        assert found in ("kept", "built")
