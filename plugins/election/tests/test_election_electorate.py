"""The electorate is frozen when online voting closes: turnout is measured against the residents
eligible at the close, and verifications, moves and new residents afterwards change nothing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from election_helpers import cast, make_election, sign_in, text, voter
from sqlalchemy import select, update

from parvis.api import TOWN_ADMIN, Module, User, Verification
from parvis.testing import post_form, verify
from parvis_election.models import Constituency


def _today() -> dt.date:
    """The town's date (the test town keeps the default time zone)."""
    return dt.datetime.now(ZoneInfo("Europe/Paris")).date()


def _move_phase(client, election, phase: str, **extra: str) -> None:
    url = f"/admin/modules/{election.module_id}/phase"
    assert post_form(client, url, {"phase": phase, **extra}, page="/admin").status_code == 303


def _electorates(town, election) -> dict[str, int | None]:
    with town.session() as session:
        by_id = {
            c.id: c.electorate
            for c in session.scalars(
                select(Constituency).where(Constituency.module_id == election.module_id)
            )
        }
    return {name: by_id[cid] for name, cid in election.constituencies.items()}


def _move(town, election, email: str, area: str) -> None:
    with town.session() as session:
        user = session.scalar(select(User).where(User.email == email))
        old = session.scalar(
            select(Verification).where(
                Verification.user_id == user.id, Verification.ended_at.is_(None)
            )
        )
        verify(session, user, area=election.areas[area], person_key=old.person_key)


def test_closing_the_vote_freezes_the_electorate_later_changes_do_not_count(town, client):
    election = make_election(town, method="block", seats=1, candidates=2, areas=("nord", "sud"))
    voter(town, "voted@example.org", election)
    voter(town, "abstains@example.org", election)
    voter(town, "young@example.org", election, birth_date=_today() - dt.timedelta(days=365))
    voter(town, "staff@example.org", election, area="sud", roles=(TOWN_ADMIN,))
    sign_in(client, "voted@example.org")
    assert (
        cast(client, election, [("candidate", election.candidates["nord"][0])]).status_code == 303
    )
    assert _electorates(town, election) == {"nord": None, "sud": None}
    sign_in(client, "staff@example.org")
    _move_phase(client, election, "counting")
    # Nord: the voter and the abstainer (too young does not count); Sud: the staff member.
    assert _electorates(town, election) == {"nord": 2, "sud": 1}
    # After the close: two new residents in Nord, the abstainer moves to Sud (a live count would
    # now say Nord 3, Sud 2).
    voter(town, "late@example.org", election)
    voter(town, "later@example.org", election)
    _move(town, election, "abstains@example.org", "sud")
    sign_in(client, "late@example.org")
    late = cast(client, election, [("candidate", election.candidates["nord"][0])])
    assert late.status_code == 403  # voting is closed for everyone, newcomers included
    sign_in(client, "staff@example.org")
    counted = post_form(client, election.url + "count", {}, page=election.url + "paper")
    assert counted.status_code == 303
    assert _electorates(town, election) == {"nord": 2, "sud": 1}
    body = text(client.get(election.url + "results").text)  # staff write in French
    assert "1 votants sur 2 habitants inscrits" in body
    assert "comptés à la clôture du vote en ligne" in body


def test_the_electorate_is_counted_as_of_the_last_voting_day(town, client):
    """The phase may change days after the last voting day: who was verified in between is not
    in the electorate."""
    closed = _today() - dt.timedelta(days=2)
    election = make_election(
        town, method="block", seats=1, areas=("nord",), voting_end=closed.isoformat()
    )
    voter(town, "before@example.org", election)
    voter(town, "moved-after@example.org", election)
    voter(town, "staff@example.org", election, roles=(TOWN_ADMIN,))
    with town.session() as session:
        session.execute(
            update(Verification).values(verified_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=9))
        )
    voter(town, "after@example.org", election)  # verified today, after the close
    with town.session() as session:
        session.add(Constituency(module_id=election.module_id, area_id=_sud(town), seats=1))
    _move(town, election, "moved-after@example.org", "nord")  # a move today: still in Nord then
    sign_in(client, "staff@example.org")
    _move_phase(client, election, "counting")
    assert _electorates(town, election)["nord"] == 3  # before, moved-after, staff; not "after"


def _sud(town) -> int:
    from parvis.api import Area

    with town.session() as session:
        area = Area(town_id=town.town_id, slug="sud", name="Sud")
        session.add(area)
        session.flush()
        return area.id


def test_reopening_the_vote_thaws_the_electorate(town, client):
    election = make_election(town, method="block", seats=1, areas=("nord",))
    voter(town, "staff@example.org", election, roles=(TOWN_ADMIN,))
    sign_in(client, "staff@example.org")
    _move_phase(client, election, "counting")
    assert _electorates(town, election) == {"nord": 1}
    _move_phase(client, election, "voting", confirm="1")
    assert _electorates(town, election) == {"nord": None}
    voter(town, "newcomer@example.org", election)
    _move_phase(client, election, "results")
    assert _electorates(town, election) == {"nord": 2}
    with town.session() as session:
        assert session.get(Module, election.module_id).phase == "results"
