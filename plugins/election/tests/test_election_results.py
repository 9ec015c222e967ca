"""Counting and results: seats, votes, elected, turnout against the electorate, participations =
ballots, the chart, and the published ballots that recount to the same seats."""

from __future__ import annotations

import json

from election_helpers import cast, make_election, sign_in, text, voter

from parvis.api import TOWN_ADMIN, Module
from parvis.testing import audit_entries, post_form, run_command
from parvis_election import ballot_file
from parvis_election.methods import count


def _set_phase(town, election, phase):
    with town.session() as session:
        session.get(Module, election.module_id).phase = phase


def _vote(town, client, election, ballots, area="nord"):
    """Each ballot is cast by a new verified resident of ``area``."""
    for n, choices in enumerate(ballots):
        email = f"v{area}{n}@example.org"
        voter(town, email, election, area=area)
        sign_in(client, email)
        assert cast(client, election, [("candidate", c) for c in choices]).status_code == 303


def _voted_election(town, client):
    election = make_election(town, method="block", seats=2, candidates=3, areas=("nord",))
    a, b, c = election.candidates["nord"]
    _vote(town, client, election, [(a, b), (a,), (a, c), (b,)])
    voter(town, "abstains@example.org", election)  # eligible, did not vote
    voter(town, "staff@example.org", election, roles=(TOWN_ADMIN,))
    return election


def test_count_then_results_show_seats_votes_turnout_and_consistency(town, client):
    election = _voted_election(town, client)
    _a, _b, _c = election.candidates["nord"]
    sign_in(client, "staff@example.org")
    assert post_form(client, election.url + "count", {}, page=election.url).status_code == 403
    _set_phase(town, election, "counting")
    assert (
        post_form(client, election.url + "count", {}, page=election.url + "paper").status_code
        == 303
    )
    assert audit_entries(town, "election.count")
    client.cookies.clear()
    assert client.get(election.url + "results").status_code == 404  # not published yet
    _set_phase(town, election, "results")
    page = client.get(election.url + "results", headers={"accept-language": "en"})
    assert page.status_code == 200
    body = text(page.text)
    assert "Nord 1, Nord 2" in body  # elected, in order of election
    assert "4 voters out of 6 eligible residents" in body  # 4 voters + abstainer + staff
    assert "Participations = ballots: 4 online participations, 4 online ballots" in body
    assert 'class="el-bars"' in page.text and "Nord 1 3 ✓ (elected)" in body
    assert "Block vote" in body or "Each voter could choose up to 2 candidates" in body


def test_published_ballots_recount_to_the_same_seats(town, client):
    election = _voted_election(town, client)
    _set_phase(town, election, "counting")
    sign_in(client, "staff@example.org")
    post_form(client, election.url + "count", {}, page=election.url + "paper")
    _set_phase(town, election, "results")
    client.cookies.clear()
    cid = election.constituencies["nord"]
    exported = client.get(election.url + f"ballots/{cid}.json")
    assert exported.status_code == 200
    inp, meta = ballot_file.load(exported.text)
    assert len(inp.ballots) == 4 and "person_key" not in exported.text
    assert list(count(inp).elected) == meta["elected"] == election.candidates["nord"][:2]
    csv = client.get(election.url + f"ballots/{cid}.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert client.get(election.url + "ballots/999999.json").status_code == 404
    assert client.get(election.url + f"ballots/{cid}.xml").status_code == 404


def test_recount_command_reproduces_the_published_result(town, client, tmp_path):
    election = _voted_election(town, client)
    _set_phase(town, election, "counting")
    sign_in(client, "staff@example.org")
    post_form(client, election.url + "count", {}, page=election.url + "paper")
    _set_phase(town, election, "results")
    cid = election.constituencies["nord"]
    path = tmp_path / "ballots.json"
    path.write_text(client.get(election.url + f"ballots/{cid}.json").text)
    result = run_command(town, "election", "recount", str(path))
    assert result.exit_code == 0, result.output
    assert "The recount matches the published result." in result.output
    tampered = json.loads(path.read_text())
    tampered["meta"]["elected"] = election.candidates["nord"][1:]
    path.write_text(json.dumps(tampered))
    mismatch = run_command(town, "election", "recount", str(path))
    assert mismatch.exit_code == 1 and "MISMATCH" in mismatch.output
