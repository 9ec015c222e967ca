"""Counting jobs outside the request, published results with explanations, follow-up."""

from __future__ import annotations

import time

from council_helpers import make_council, sign_in
from sqlalchemy import select, update

from parvis.api import Module, Town, run_jobs
from parvis.testing import audit_entries, form_errors, leave_jobs_running, post_form
from parvis_council_space import ballot_box, count_jobs
from parvis_council_space.models import CountJob, DigestItem, Idea, Result


def _english(client):
    post_form(client, "/language", {"locale": "en"})


def _election(council, **config):
    """Hand-checked: budget 10,000; A 3,000, B 5,000, C 8,000 (C in the other area);
    ballots 3 x {A, B}, 2 x {C}, 1 x {B}, so votes A 3, B 4, C 2."""
    a = council.add_idea(
        None, title="Alpha", estimated_cost=3000, final_cost=3000, status="feasible"
    )
    b = council.add_idea(
        None, title="Bravo", estimated_cost=5000, final_cost=5000, status="feasible"
    )
    c = council.add_idea(
        None,
        title="Charlie",
        estimated_cost=8000,
        final_cost=8000,
        status="feasible",
        area_id=council.other_area_id,
    )
    council.add_idea(None, title="Delta", status="not_feasible", review_reason="Terrain privé.")
    council.configure(budget=10000, **config)
    ballots = [{a, b}] * 3 + [{c}] * 2 + [{b}]
    with council.town.session() as s:
        module = s.get(Module, council.module_id)
        for n, ballot in enumerate(ballots):
            ballot_box.cast_ballot(s, module, f"u:{1000 + n}", dict.fromkeys(ballot, 1))
    council.set_phase("results")
    return a, b, c


def _staff(council, client):
    council.user("elu@example.org", roles=(f"councillor@{council.space_id}",))
    sign_in(client, "elu@example.org")
    _english(client)


def _count(council, client):
    page = council.url("results")
    r = post_form(client, council.url("count"), {}, page=page)
    assert r.status_code == 303
    with council.town.session() as s:
        job = s.scalar(select(CountJob))
        assert job.status == "pending"
    html = client.get(page).text
    assert "Counting…" in html and 'http-equiv="refresh"' in html
    assert run_jobs(council.town.parvis, names=[count_jobs.JOB]) == 1
    with council.town.session() as s:
        return s.scalar(select(CountJob).order_by(CountJob.id.desc()))


def test_greedy_count_published_with_explanations(town, council, client):
    a, b, c = _election(council, counting_rule="greedy")
    _staff(council, client)
    job = _count(council, client)
    assert (job.status, job.ballots, job.total_cost, job.rule) == ("done", 6, 8000, "greedy")
    with town.session() as s:
        results = {r.idea_id: r for r in s.scalars(select(Result))}
    assert results[b].selected and results[b].selection_order == 1
    assert results[a].selected and results[a].selection_order == 2
    assert not results[c].selected and results[c].reason == "does_not_fit"
    assert results[c].remaining_budget == 2000
    page = council.url("results")
    html = client.get(page).text
    assert "Not published yet" in html
    anon = town.client()
    anon.headers["accept-language"] = "en"
    assert "The results are not published yet." in anon.get(page).text
    r = post_form(client, council.url("publish"), {"job": str(job.id), "confirm": "1"}, page=page)
    assert r.status_code == 303
    html = anon.get(page, headers={"accept-language": "en"}).text
    assert "was more than the €2,000.00 still available" in html  # Charlie
    assert "Selected (number 1): with 4 votes" in html  # Bravo
    assert "judged not feasible: Terrain privé." in html  # Delta, with its public reason
    assert html.index(">Bravo<") < html.index(">Alpha<") < html.index(">Charlie<")
    only_other = anon.get(page + f"?area={council.other_area_id}").text
    assert ">Charlie<" in only_other and ">Bravo<" not in only_other
    with town.session() as s:
        statuses = dict(s.execute(select(Idea.title, Idea.status)).all())
        assert statuses == {
            "Alpha": "selected",
            "Bravo": "selected",
            "Charlie": "not_selected",
            "Delta": "not_feasible",
        }
        assert s.scalar(select(DigestItem.kind)) == "results"


def test_equal_shares_explains_outbid_and_unaffordable(town, council, client):
    a, b, c = _election(council, counting_rule="mes")
    _staff(council, client)
    job = _count(council, client)
    assert job.endowment == "5000/3"  # 10,000 / 6 voters
    with town.session() as s:
        results = {r.idea_id: r for r in s.scalars(select(Result))}
    assert results[b].selected and results[b].payment_per_supporter == "1250"
    assert results[a].reason == "outbid"
    assert results[c].reason == "not_affordable_by_supporters"
    post_form(
        client,
        council.url("publish"),
        {"job": str(job.id), "confirm": "1"},
        page=council.url("results"),
    )
    html = client.get(council.url("results")).text
    assert "at most €1,250.00 each" in html
    assert "projects that served more residents per euro" in html
    assert "were less than its cost of €8,000.00" in html


def test_only_staff_count_and_publish(town, council, client, resident):
    _election(council)
    sign_in(client, resident.email)
    assert post_form(client, council.url("count"), {}).status_code == 403
    with town.session() as s:
        assert s.scalar(select(CountJob)) is None


def test_second_count_refused_while_one_runs(town, council, client):
    _election(council)
    _staff(council, client)
    page = council.url("results")
    post_form(client, council.url("count"), {}, page=page)
    r = post_form(client, council.url("count"), {}, page=page, follow_redirects=True)
    assert "A count of this call is already under way." in r.text
    with town.session() as s:
        assert len(s.scalars(select(CountJob)).all()) == 1


def test_publish_refuses_unfinished_and_foreign_jobs(town, council, client):
    _election(council)
    other = make_council(town, slug="conseil-port")
    _staff(council, client)
    page = council.url("results")
    post_form(client, council.url("count"), {}, page=page)
    with town.session() as s:
        job_id = s.scalar(select(CountJob.id))
        foreign = CountJob(module_id=other.module_id, town_id=town.town_id, rule="greedy")
        s.add(foreign)
        s.flush()
        foreign_id = foreign.id
    assert (
        post_form(
            client, council.url("publish"), {"job": str(job_id), "confirm": "1"}, page=page
        ).status_code
        == 400
    )
    r = post_form(client, council.url("publish"), {"job": str(foreign_id)}, page=page)
    assert r.status_code == 404


def test_the_web_process_worker_counts_outside_the_request(make_town):
    """With the worker of the web process (development), a count asked for on the page is
    run by core's job queue and its results page offers to publish it."""
    town = make_town(inline_worker=True)
    council = make_council(town)
    _election(council, counting_rule="mes_add1")
    with town.client() as client:
        _staff(council, client)
        r = post_form(client, council.url("count"), {}, page=council.url("results"))
        assert r.status_code == 303
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with town.session() as s:
                job = s.scalar(select(CountJob))
                if job.status in ("done", "failed"):
                    break
            time.sleep(0.05)
        assert job.status == "done", job.error
        assert job.done == job.total >= 1
        html = client.get(council.url("results")).text
        assert "Publish these results" in html


def test_a_failed_count_is_shown_recorded_for_staff_and_can_be_asked_again(
    town, council, client, monkeypatch
):
    _election(council, counting_rule="greedy")
    _staff(council, client)
    page = council.url("results")

    def broken(*args, **kwargs):
        raise ValueError("no memory left")

    monkeypatch.setattr(count_jobs.counting, "count", broken)
    post_form(client, council.url("count"), {}, page=page)
    assert run_jobs(town.parvis) == 0
    assert run_jobs(town.parvis) == 0  # not retried by itself
    with town.session() as s:
        job = s.scalar(select(CountJob))
        assert (job.status, job.error) == ("failed", "no memory left")
    [entry] = audit_entries(town, "job.failed")
    assert entry.target == count_jobs.JOB and entry.details["error"] == "no memory left"
    assert "The last count failed: no memory left" in client.get(page).text
    monkeypatch.undo()
    assert post_form(client, council.url("count"), {}, page=page).status_code == 303
    assert run_jobs(town.parvis) == 1
    with town.session() as s:
        assert s.scalar(select(CountJob.status).order_by(CountJob.id.desc())) == "done"


def test_follow_up_of_winning_projects(town, council, client):
    _a, b, c = _election(council, counting_rule="greedy")
    _staff(council, client)
    job = _count(council, client)
    post_form(
        client,
        council.url("publish"),
        {"job": str(job.id), "confirm": "1"},
        page=council.url("results"),
    )
    council.set_phase("follow_up")
    page = council.url(f"ideas/{b}")
    assert "Planned" in client.get(page).text
    r = post_form(
        client,
        council.url(f"ideas/{b}/followup"),
        {"status": "in_progress", "body": "Travaux lancés en mai."},
        page=page,
    )
    assert r.status_code == 303
    r = post_form(client, council.url(f"ideas/{b}/followup"), {"status": "bogus"}, page=page)
    assert r.status_code == 400 and form_errors(r.text)
    r = post_form(
        client,
        council.url(f"ideas/{c}/followup"),
        {"status": "done"},
        page=council.url(f"ideas/{c}"),
    )
    assert r.status_code == 400
    assert "Only winning projects have a follow-up." in r.text
    anon = town.client()
    html = anon.get(page, headers={"accept-language": "en"}).text
    assert "Travaux lancés en mai." in html and "In progress" in html
    listing = anon.get(council.url("?status=selected")).text
    assert ">Bravo<" in listing and ">Charlie<" not in listing
    client.cookies.clear()
    council.user("r@example.org")
    sign_in(client, "r@example.org")
    assert (
        post_form(client, council.url(f"ideas/{b}/followup"), {"status": "done"}).status_code == 403
    )


def test_large_counts_run_in_a_child_process(town, council, monkeypatch):
    _a, b, _c = _election(council, counting_rule="mes_add1", completion=True)
    monkeypatch.setattr(count_jobs, "PROCESS_THRESHOLD", 1)
    with town.session() as s:
        module = s.get(Module, council.module_id)
        job = count_jobs.request_count(s, s.get(Town, town.town_id), module, None)
        job_id = job.id
    assert run_jobs(town.parvis) == 1
    with town.session() as s:
        job = s.get(CountJob, job_id)
        assert job.status == "done", job.error
        winners = set(
            s.scalars(select(Result.idea_id).where(Result.job_id == job_id, Result.selected))
        )
    assert b in winners


def test_a_count_whose_worker_died_is_failed_once_its_lease_expired(town, council, client):
    """Not "counting…" for good: a dead worker's count shows as failed, and may be asked again."""
    _election(council, counting_rule="greedy")
    _staff(council, client)
    page = council.url("results")
    post_form(client, council.url("count"), {}, page=page)
    with town.session() as s:  # the worker took it, then was killed
        s.execute(update(CountJob).values(status="running"))
    assert leave_jobs_running(town, count_jobs.JOB, seconds_ago=600) == 1
    assert run_jobs(town.parvis) == 0 and "Counting…" in client.get(page).text
    leave_jobs_running(town, count_jobs.JOB, seconds_ago=count_jobs.COUNT_JOB.lease + 1)
    assert run_jobs(town.parvis) == 0
    with town.session() as s:
        assert s.scalar(select(CountJob.status)) == "failed"
    [entry] = audit_entries(town, "job.failed")
    assert entry.target == count_jobs.JOB and entry.details["attempts"] == 1
    text = client.get(page).text
    assert "The last count stopped before it finished" in text and "Counting…" not in text
    assert "lease" not in text, "said in the staff's words, not the queue's"
    assert post_form(client, council.url("count"), {}, page=page).status_code == 303
    assert run_jobs(town.parvis) == 1
