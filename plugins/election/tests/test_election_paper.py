"""Paper ballots: double entry by two different people, discrepancies shown and blocking the
count, agreed ballots merged in; the sign-in list of online voters."""

from __future__ import annotations

import csv
import datetime as dt
import io

from election_helpers import cast, make_election, sign_in, text, voter
from sqlalchemy import select

from parvis.api import TOWN_ADMIN, Module
from parvis.testing import add_census_person, make_user, post_form
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


def test_signin_list_names_people_as_the_census_does(town, client):
    """A polling station checks an identity document: the census identity (family name, given
    names, birth date), never the display name someone chose; without a census entry the line
    says only the account name is known."""
    election = make_election(town, method="block", seats=1, candidates=1, areas=("nord",))
    born = dt.date(1971, 6, 30)
    key = add_census_person(town, family_name="Da Silva", given_names="Maria José", birth_date=born)
    with town.session() as session:
        make_user(
            session,
            town.town_id,
            "listed@example.org",
            name="Mimi du 3e",
            verified=True,
            area=election.areas["nord"],
            birth_date=born,
            person_key=key,
        )
        make_user(
            session,
            town.town_id,
            "counter@example.org",
            name="=HYPERLINK(1)",
            verified=True,
            area=election.areas["nord"],
            birth_date=born,
        )
    voter(town, "clerk@example.org", election, roles=(TOWN_ADMIN,))
    for email in ("listed@example.org", "counter@example.org"):
        sign_in(client, email)
        vote = [("candidate", election.candidates["nord"][0])]
        assert cast(client, election, vote).status_code == 303
    sign_in(client, "clerk@example.org")
    rows = list(csv.reader(io.StringIO(client.get(election.url + "signin-list.csv").text)))
    header, lines = rows[0], rows[1:]
    assert header[1:4] == ["Nom de famille", "Prénoms", "Date de naissance"]
    listed = next(line for line in lines if line[1])
    assert listed[:5] == ["Nord", "Da Silva", "Maria José", "1971-06-30", "liste de la ville"]
    assert "Mimi" not in "".join(listed)
    unlisted = next(line for line in lines if not line[1])
    assert unlisted[1:4] == ["", "", ""]
    # Only the account name is known, said as such (and never run as a spreadsheet formula).
    assert "absent de la liste" in unlisted[4] and "=HYPERLINK(1)" in unlisted[4]
    assert not unlisted[4].startswith("=")


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
