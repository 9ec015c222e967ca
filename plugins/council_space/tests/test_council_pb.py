"""Pabulib: export a call, import it into another, same winners; the count CLI."""

from __future__ import annotations

import random

import pytest
from click.testing import CliRunner
from council_helpers import make_council, sign_in
from sqlalchemy import func, select

from parvis.api import Module, run_jobs
from parvis.testing import form_errors, post_form
from parvis_council_space import ballot_box, commands, count_jobs
from parvis_council_space.models import Ballot, CountJob, Idea, Result

pabulib = pytest.importorskip("parvis_council_space.pabulib")


def _random_call(council, cumulative=False, seed=7):
    rng = random.Random(seed)
    ids = [
        council.add_idea(
            None,
            title=f"Projet {n}",
            estimated_cost=rng.randrange(1000, 20000, 500),
            final_cost=rng.randrange(1000, 20000, 500),
            status="feasible",
        )
        for n in range(12)
    ]
    council.add_idea(None, title="Hors vote", status="not_feasible")
    council.configure(
        budget=50000,
        ballot_rule="cumulative" if cumulative else "approval",
        max_projects=5,
        max_points=6,
    )
    with council.town.session() as s:
        module = s.get(Module, council.module_id)
        for voter in range(80):
            chosen = rng.sample(ids, rng.randint(1, 5))
            choices = {i: rng.randint(1, 2) if cumulative else 1 for i in chosen}
            ballot_box.cast_ballot(s, module, f"u:{5000 + voter}", choices)
    council.set_phase("results")
    return ids


def _staff(council, client):
    council.user(f"elu-{council.slug}@example.org", roles=(f"councillor@{council.space_id}",))
    sign_in(client, f"elu-{council.slug}@example.org")
    post_form(client, "/language", {"locale": "en"})


def _winner_titles(town, module_id):
    run_jobs(town.parvis, names=[count_jobs.JOB])
    with town.session() as s:
        job = s.scalar(select(CountJob).where(CountJob.module_id == module_id))
        assert job.status == "done", job.error
        rows = s.execute(
            select(Idea.title)
            .join(Result, Result.idea_id == Idea.id)
            .where(Result.job_id == job.id, Result.selected.is_(True))
            .order_by(Result.selection_order)
        )
        return [t for (t,) in rows]


@pytest.mark.parametrize(
    ("rule", "cumulative"),
    [("greedy", False), ("mes", False), ("mes_add1", False), ("greedy", True)],
)
def test_export_import_round_trip_gives_the_same_winners(town, client, rule, cumulative):
    source = make_council(town, slug="source")
    _random_call(source, cumulative=cumulative)
    source.configure(counting_rule=rule, completion=rule != "greedy")
    target = make_council(town, slug="cible")
    target.configure(counting_rule=rule, completion=rule != "greedy")
    _staff(source, client)
    post_form(client, source.url("count"), {}, page=source.url("results"))
    expected = _winner_titles(town, source.module_id)
    assert expected
    exported = client.get(source.url("export.pb"))
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    text = exported.text
    parsed = pabulib.parse(text)
    assert len(parsed.projects) == 12 and len(parsed.ballots) == 80
    assert {b.voter_id for b in parsed.ballots} == {str(n) for n in range(1, 81)}  # anonymous
    assert "u:5" not in text
    client.cookies.clear()
    _staff(target, client)
    r = post_form(
        client,
        target.url("import"),
        {},
        page=target.url("settings"),
        files={"file": ("call.pb", text.encode(), "text/plain")},
    )
    assert r.status_code == 303, form_errors(r.text)
    with town.session() as s:
        assert s.scalar(select(func.count(Idea.id)).where(Idea.module_id == target.module_id)) == 12
        keys = s.scalars(select(Ballot.voter_key).where(Ballot.module_id == target.module_id))
        assert all(k.startswith("pb:") for k in keys)
        assert s.get(Module, target.module_id).phase == "vote"
    target.set_phase("results")
    post_form(client, target.url("count"), {}, page=target.url("results"))
    assert _winner_titles(town, target.module_id) == expected
    # Exporting the imported call gives the same election again.
    again = pabulib.parse(client.get(target.url("export.pb")).text)
    assert [(p.project_id, p.cost) for p in again.projects] == [
        (p.project_id, p.cost) for p in parsed.projects
    ]
    assert [(b.vote, b.points) for b in again.ballots] == [
        (b.vote, b.points) for b in parsed.ballots
    ]


def test_import_errors_are_shown_beside_the_field(town, council, client):
    _staff(council, client)
    page = council.url("settings")
    r = post_form(client, council.url("import"), {}, page=page)
    assert r.status_code == 400 and "Choose a .pb file." in form_errors(r.text)
    r = post_form(
        client,
        council.url("import"),
        {},
        page=page,
        files={"file": ("x.pb", b"META\nkey;value\nbudget;12.5\n", "text/plain")},
    )
    assert r.status_code == 400
    assert any("not a valid Pabulib file" in e for e in form_errors(r.text))
    council.add_idea(None)
    good = (
        "META\nkey;value\nbudget;100\nvote_type;approval\n"
        "PROJECTS\nproject_id;cost\n1;50\nVOTES\nvoter_id;vote\n1;1\n"
    )
    r = post_form(
        client,
        council.url("import"),
        {},
        page=page,
        files={"file": ("x.pb", good.encode(), "text/plain")},
    )
    assert r.status_code == 400
    assert "Import into an empty call" in form_errors(r.text)[0]


def test_export_is_staff_only_before_results(town, council, client, resident):
    _random_call(council)
    council.set_phase("vote")
    sign_in(client, resident.email)
    assert client.get(council.url("export.pb")).status_code == 403
    council.set_phase("results")
    assert client.get(council.url("export.pb")).status_code == 200


def test_import_requires_manage(town, council, client, resident):
    sign_in(client, resident.email)
    r = post_form(client, council.url("import"), {}, files={"file": ("x.pb", b"x", "text/plain")})
    assert r.status_code == 403


PB = """META
key;value
description;Hand-checked example
budget;10000
vote_type;approval
PROJECTS
project_id;cost;name
1;3000;Alpha
2;5000;Bravo
3;8000;Charlie
VOTES
voter_id;vote
1;1,2
2;1,2
3;1,2
4;3
5;3
6;2
"""


def test_count_cli_prints_the_winners(tmp_path):
    path = tmp_path / "small.pb"
    path.write_text(PB, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(commands.group, ["count", str(path), "--rule", "greedy"])
    assert result.exit_code == 0, result.output
    assert "  1. 2  cost 5000  votes 4  Bravo" in result.output
    assert "  2. 1  cost 3000  votes 3  Alpha" in result.output
    assert "Winners: 2; total cost 8000." in result.output
    result = runner.invoke(commands.group, ["count", str(path), "--rule", "mes"])
    assert result.exit_code == 0
    assert "Winners: 1; total cost 5000." in result.output
    result = runner.invoke(commands.group, ["count", str(path)])  # the file names no rule
    assert result.exit_code == 0 and "Rule: mes_add1" in result.output
    bad = tmp_path / "bad.pb"
    bad.write_text("META\nkey;value\nbudget;x\n", encoding="utf-8")
    result = runner.invoke(commands.group, ["count", str(bad), "--rule", "greedy"])
    assert result.exit_code != 0 and "Error" in result.output
