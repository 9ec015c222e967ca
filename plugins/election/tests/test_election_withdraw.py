"""A candidate withdraws their candidacy until the list is published: confirmed, audited, seen
by staff, off the ballot; refused afterwards; a withdrawn id on a forged ballot is refused."""

from __future__ import annotations

from election_helpers import cast, make_election, sign_in, text, voter
from sqlalchemy import select, update

from parvis.api import TOWN_ADMIN, Module
from parvis.testing import audit_entries, post_form
from parvis_election.models import Ballot, Candidacy, Participation


def _own_candidacy(town, election, user_id: int, status: str = "submitted") -> int:
    with town.session() as session:
        cand = Candidacy(
            module_id=election.module_id,
            constituency_id=election.constituencies["nord"],
            user_id=user_id,
            name="Ana Lima",
            statement="Un conseil ouvert, des comptes rendus publiés.",
            status=status,
        )
        session.add(cand)
        session.flush()
        return cand.id


def _status(town, cand_id: int) -> str:
    with town.session() as session:
        return session.get(Candidacy, cand_id).status


def _phase(town, election, phase: str) -> None:
    with town.session() as session:
        session.execute(update(Module).where(Module.id == election.module_id).values(phase=phase))


def test_candidate_withdraws_after_confirming_and_staff_see_it(town, client):
    election = make_election(town, phase="candidacies", candidates=0)
    ana = voter(town, "ana@example.org", election)
    voter(town, "staff@example.org", election, roles=(TOWN_ADMIN,))
    cand = _own_candidacy(town, election, ana)
    sign_in(client, "ana@example.org")
    assert "Retirer ma candidature" in client.get(election.url).text
    url = election.url + "withdraw"
    page = client.get(url)
    assert page.status_code == 200 and "Ana Lima" in text(page.text)
    # Without the confirmation nothing changes.
    assert post_form(client, url, {}, page=url).status_code == 200
    assert _status(town, cand) == "submitted"
    done = post_form(client, url, {"confirm": "1"}, page=url)
    assert done.status_code == 303
    assert _status(town, cand) == "withdrawn"
    (entry,) = audit_entries(town, "election.withdraw")
    assert entry.target == f"candidacy:{cand}" and entry.details["name"] == "Ana Lima"
    # Staff see the withdrawal and cannot accept the candidacy any more.
    sign_in(client, "staff@example.org")
    review = client.get(election.url + "review")
    assert "ne figurera pas sur le bulletin" in text(review.text)
    assert f'value="{cand}"' not in review.text  # no decision form for a withdrawn candidacy
    accepted = post_form(
        client,
        election.url + "review",
        {"candidacy": cand, f"c{cand}-decision": "accept"},
        page=election.url + "review",
    )
    assert accepted.status_code == 303
    assert _status(town, cand) == "withdrawn"


def test_withdrawal_refused_once_the_list_is_published(town, client):
    election = make_election(town, phase="campaign", candidates=0)
    ana = voter(town, "ana@example.org", election)
    cand = _own_candidacy(town, election, ana, status="accepted")
    sign_in(client, "ana@example.org")
    assert "Retirer ma candidature" not in client.get(election.url).text
    url = election.url + "withdraw"
    assert client.get(url, follow_redirects=False).status_code == 303
    refused = post_form(client, url, {"confirm": "1"}, page=election.url)
    assert refused.status_code == 303
    assert _status(town, cand) == "accepted"


def test_only_the_candidate_withdraws_their_candidacy(town, client):
    election = make_election(town, phase="review", candidates=0)
    ana = voter(town, "ana@example.org", election)
    voter(town, "bob@example.org", election)
    cand = _own_candidacy(town, election, ana)
    client.cookies.clear()
    anonymous = client.get(election.url + "withdraw", follow_redirects=False)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
    sign_in(client, "bob@example.org")
    url = election.url + "withdraw"
    assert client.get(url, follow_redirects=False).status_code == 404
    assert post_form(client, url, {"confirm": "1"}, page=election.url).status_code == 404
    assert _status(town, cand) == "submitted"


def test_a_withdrawn_candidate_is_off_the_ballot_and_a_forged_vote_for_them_is_refused(
    town, client
):
    election = make_election(town, phase="review", candidates=2)
    ana = voter(town, "ana@example.org", election)
    voter(town, "eve@example.org", election)
    cand = _own_candidacy(town, election, ana, status="accepted")
    sign_in(client, "ana@example.org")
    url = election.url + "withdraw"
    assert post_form(client, url, {"confirm": "1"}, page=url).status_code == 303
    _phase(town, election, "voting")
    sign_in(client, "eve@example.org")
    ballot = client.get(election.url + "vote")
    assert "Nord 1" in ballot.text and "Ana Lima" not in ballot.text
    refused = cast(client, election, [("candidate", cand)])
    assert refused.status_code == 400
    assert 'id="ballot-error"' in refused.text
    # The cast step alone (no review) is refused the same way.
    forged = post_form(
        client, election.url + "vote", [("candidate", cand), ("step", "cast")], page=url
    )
    assert forged.status_code == 400
    with town.session() as session:
        assert session.scalars(select(Ballot)).all() == []
        assert session.scalars(select(Participation)).all() == []
