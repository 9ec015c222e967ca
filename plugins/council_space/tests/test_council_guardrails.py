"""Guardrails: no count or publication while the vote is open, no ballot once results are
public, and a confirmation saying what residents will see before publishing or moving back."""

from __future__ import annotations

import pytest
from council_helpers import sign_in
from sqlalchemy import func, select

from parvis.api import Module, Town
from parvis.testing import audit_entries, post_form
from parvis_council_space import ballot_box, count_jobs, guards
from parvis_council_space.models import Ballot, CountJob, Idea


def _english(client):
    post_form(client, "/language", {"locale": "en"})


def _staff(council, client):
    council.user("elu@example.org", roles=(f"councillor@{council.space_id}",))
    sign_in(client, "elu@example.org")
    _english(client)


def _two_ideas(council):
    a = council.add_idea(None, title="Alpha", estimated_cost=3000, status="feasible")
    b = council.add_idea(None, title="Bravo", estimated_cost=5000, status="feasible")
    council.configure(budget=10000, counting_rule="greedy")
    return a, b


def _ballot(council, key, ideas):
    with council.town.session() as s:
        ballot_box.cast_ballot(s, s.get(Module, council.module_id), key, dict.fromkeys(ideas, 1))


def _finished_count(council):
    with council.town.session() as s:
        module = s.get(Module, council.module_id)
        return count_jobs.count_now(s, s.get(Town, council.town.town_id), module).id


@pytest.mark.parametrize("phase", ["submission", "review", "vote"])
def test_no_count_while_the_vote_is_open(town, council, client, phase):
    a, _b = _two_ideas(council)
    _ballot(council, "u:1", {a})
    council.set_phase(phase)
    _staff(council, client)
    r = post_form(
        client, council.url("count"), {}, page=council.url("results"), follow_redirects=True
    )
    assert "The vote is not closed" in r.text
    with town.session() as s:
        assert s.scalar(select(func.count(CountJob.id))) == 0
        with pytest.raises(guards.GuardError):
            count_jobs.request_count(
                s, s.get(Town, town.town_id), s.get(Module, council.module_id), None
            )


def test_publish_refused_when_the_call_went_back_to_the_vote(town, council, client):
    a, b = _two_ideas(council)
    _ballot(council, "u:1", {a})
    council.set_phase("results")
    job_id = _finished_count(council)
    council.set_phase("vote")  # staff reopened the vote after counting
    _staff(council, client)
    page = council.url("results")
    r = post_form(
        client,
        council.url("publish"),
        {"job": str(job_id), "confirm": "1"},
        page=page,
        follow_redirects=True,
    )
    assert "The vote is not closed" in r.text
    with town.session() as s:
        assert s.get(CountJob, job_id).published_at is None
        assert s.get(Idea, b).status == "feasible"


def test_publish_refused_when_ballots_changed_after_the_count(town, council, client):
    a, b = _two_ideas(council)
    _ballot(council, "u:1", {a})
    council.set_phase("results")
    job_id = _finished_count(council)
    _ballot(council, "u:2", {b})  # a ballot recorded after the count (e.g. phase moved back)
    _staff(council, client)
    r = post_form(
        client,
        council.url("publish"),
        {"job": str(job_id), "confirm": "1"},
        page=council.url("results"),
        follow_redirects=True,
    )
    assert "Ballots changed after this count was made" in r.text
    with town.session() as s:
        assert s.get(CountJob, job_id).published_at is None


def test_publish_asks_for_confirmation_and_says_what_residents_see(town, council, client):
    a, _b = _two_ideas(council)
    _ballot(council, "u:1", {a})
    _ballot(council, "u:2", {a})
    council.set_phase("results")
    job_id = _finished_count(council)
    _staff(council, client)
    page = council.url("results")
    r = post_form(client, council.url("publish"), {"job": str(job_id)}, page=page)
    assert r.status_code == 200
    assert "Publish the results of “Budget 2027”?" in r.text
    assert "What residents will see" in r.text
    assert "Ballots are no longer accepted" in r.text
    assert "Alpha" in r.text  # the selected project, named before publishing
    with town.session() as s:
        assert s.get(CountJob, job_id).published_at is None
    assert not audit_entries(town, "council_space.publish")
    r = post_form(client, council.url("publish"), {"job": str(job_id), "confirm": "1"}, page=page)
    assert r.status_code == 303
    with town.session() as s:
        assert s.get(CountJob, job_id).published_at is not None


def test_no_ballot_after_publication_even_if_the_vote_reopens(town, council, client, resident):
    a, b = _two_ideas(council)
    _ballot(council, "u:1", {a})
    council.set_phase("results")
    job_id = _finished_count(council)
    with town.session() as s:
        count_jobs.publish_job(s, s.get(Module, council.module_id), s.get(CountJob, job_id))
    council.set_phase("vote")
    sign_in(client, resident.email)
    _english(client)
    vote = council.url("vote")
    page = client.get(vote)
    assert "ballots are no longer accepted" in page.text
    r = post_form(client, vote, {"idea": str(b)}, page=vote)
    assert r.status_code == 403
    with town.session() as s:
        assert s.scalar(select(func.count(Ballot.id))) == 1


def test_moving_a_phase_back_asks_for_confirmation(town, council, client):
    council.set_phase("results")
    with town.client() as admin:
        post_form(
            admin,
            "/login",
            {"email": town.admin_email, "password": town.admin_password},
            page="/login",
        )
        _english(admin)
        url = f"/admin/modules/{council.module_id}/phase"
        back = f"/admin/spaces/{council.space_id}"
        r = post_form(admin, url, {"phase": "vote"}, page=back)
        assert r.status_code == 200
        assert "Move “Budget 2027” back to an earlier phase?" in r.text
        assert "Everyone sees “Budget 2027” in the “Vote” phase again." in r.text
        assert "vote in a call for ideas" in r.text  # what reopens
        with town.session() as s:
            assert s.get(Module, council.module_id).phase == "results"
        r = post_form(admin, url, {"phase": "vote", "confirm": "1"}, page=back)
        assert r.status_code == 303
        with town.session() as s:
            assert s.get(Module, council.module_id).phase == "vote"
        # Moving forward needs no confirmation.
        r = post_form(admin, url, {"phase": "results"}, page=back)
        assert r.status_code == 303
        with town.session() as s:
            assert s.get(Module, council.module_id).phase == "results"


def test_a_ballot_is_checked_against_the_call_as_it_is_now(town, council, client, resident):
    """The cast path keeps the call's projects per process: any change to them, or a published
    count, is seen by the next ballot."""
    a, b = _two_ideas(council)
    council.configure(ballot_rule="knapsack")
    council.set_phase("vote")
    sign_in(client, resident.email)
    _english(client)
    vote = council.url("vote")
    assert post_form(client, vote, {"idea": str(a)}, page=vote).status_code == 303
    c = council.add_idea(None, title="Charlie", estimated_cost=1000, status="feasible")
    assert post_form(client, vote, {"idea": str(c)}, page=vote).status_code == 303
    with town.session() as s:
        s.get(Idea, a).status = "not_feasible"
        s.get(Idea, b).final_cost = 20000
    r = post_form(client, vote, {"idea": str(a)}, page=vote)
    assert r.status_code == 400 and "not in this vote" in r.text
    r = post_form(client, vote, {"idea": str(b)}, page=vote)
    assert r.status_code == 400 and "more than the budget" in r.text
    council.set_phase("results")
    job_id = _finished_count(council)
    with town.session() as s:
        count_jobs.publish_job(s, s.get(Module, council.module_id), s.get(CountJob, job_id))
    council.set_phase("vote")
    assert post_form(client, vote, {"idea": str(c)}, page=vote).status_code == 403
    with town.session() as s:
        assert s.scalar(select(Ballot.voter_key)) == f"u:{resident.id}"
        assert s.scalar(select(func.count(Ballot.id))) == 1
