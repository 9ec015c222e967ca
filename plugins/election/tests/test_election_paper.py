"""Paper ballots: double entry by two different people, discrepancies shown and blocking the
count, agreed ballots merged in; the sign-in list of online voters."""

from __future__ import annotations

from election_helpers import cast, make_election, sign_in, text, voter
from sqlalchemy import select

from parvis.api import TOWN_ADMIN
from parvis.models import Module
from parvis.testing import post_form
from parvis_election.models import Result


def _setup(town, client):
    election = make_election(
        town, method="block", seats=1, candidates=2, areas=("nord",), phase="voting"
    )
    voter(town, "online@example.org", election)
    voter(town, "never@example.org", election)
    voter(town, "clerk1@example.org", election, roles=(TOWN_ADMIN,))
    voter(town, "clerk2@example.org", election, roles=(TOWN_ADMIN,))
    sign_in(client, "online@example.org")
    assert (
        cast(client, election, [("candidate", election.candidates["nord"][0])]).status_code == 303
    )
    return election


def _enter(client, election, ballots, signatures=3, station="École Jaurès"):
    url = election.url + "paper"
    data = {
        "constituency": election.constituencies["nord"],
        "station": station,
        "signatures": signatures,
        "ballots": ballots,
    }
    return post_form(client, url, data, page=url)


def test_signin_list_names_online_voters_only(town, client):
    election = _setup(town, client)
    sign_in(client, "online@example.org")
    assert client.get(election.url + "signin-list.csv").status_code == 403
    sign_in(client, "clerk1@example.org")
    listing = client.get(election.url + "signin-list.csv")
    assert listing.status_code == 200
    assert "online" in listing.text and "never" not in listing.text


def test_double_entry_must_agree_before_the_count(town, client):
    election = _setup(town, client)
    with town.session() as session:
        session.get(Module, election.module_id).phase = "counting"
    sign_in(client, "clerk1@example.org")
    # Candidate numbers on the entry sheet are alphabetical: 1 = Nord 1, 2 = Nord 2.
    assert _enter(client, election, "2\n2\n1").status_code == 303
    assert _enter(client, election, "2\n2\n1").status_code == 303  # same person again
    page = client.get(election.url + "paper")
    assert "En attente d" in page.text
    sign_in(client, "clerk2@example.org")
    assert _enter(client, election, "2\n1\n1").status_code == 303
    page = client.get(election.url + "paper")
    assert "Écart" in page.text
    refused = post_form(client, election.url + "count", {}, page=election.url + "paper")
    assert refused.status_code == 303
    with town.session() as session:
        assert session.scalar(select(Result)) is None
    bad = _enter(client, election, "2\n7\n1")
    assert bad.status_code == 400 and "7" in text(bad.text) and "2\n7\n1" in bad.text
    assert _enter(client, election, "1\n2 \n2").status_code == 303  # same pile, other order
    assert "Concordant\u00a0: 3 bulletins" in client.get(election.url + "paper").text
    assert (
        post_form(client, election.url + "count", {}, page=election.url + "paper").status_code
        == 303
    )
    with town.session() as session:
        data = session.scalar(select(Result)).data
    nord1, nord2 = election.candidates["nord"]
    assert data["votes"] == {str(nord1): 2, str(nord2): 2}
    assert (data["online_ballots"], data["paper_ballots"], data["paper_signatures"]) == (1, 3, 3)


def test_paper_entry_is_closed_outside_counting_and_to_residents(town, client):
    election = _setup(town, client)
    sign_in(client, "clerk1@example.org")
    assert _enter(client, election, "1").status_code == 403  # still voting
    with town.session() as session:
        session.get(Module, election.module_id).phase = "counting"
    sign_in(client, "online@example.org")
    assert _enter(client, election, "1").status_code == 403
