"""Issue 11 in the council space: .pb numbers bounded before any arithmetic (13)."""

from __future__ import annotations

import time

import pytest
from council_helpers import sign_in

from parvis.testing import form_errors, post_form
from parvis_council_space.pabulib import PabulibError, parse

PB = (
    "META\nkey;value\nbudget;{budget}\nvote_type;approval\n"
    "PROJECTS\nproject_id;cost\n{pid};{cost}\nVOTES\nvoter_id;vote\n1;{pid}\n"
)


@pytest.mark.parametrize(
    ("budget", "cost", "pid"),
    [
        ("1e200000", "10", "1"),
        ("100", "1e30", "1"),
        ("9" * 40, "10", "1"),
        ("100", "10", "9" * 5000),
    ],
)
def test_absurd_numbers_in_a_pb_file_are_refused_at_once(budget, cost, pid):
    started = time.process_time()
    try:
        election = parse(PB.format(budget=budget, cost=cost, pid=pid))
        assert election.budget <= 2_000_000_000 and election.projects[0].cost <= 2_000_000_000
    except PabulibError:
        pass
    assert time.process_time() - started < 0.2


def test_importing_a_pb_file_with_a_huge_cost_shows_an_error(town, council, client):
    council.user("elu@example.org", roles=(f"councillor@{council.space_id}",))
    sign_in(client, "elu@example.org")
    post_form(client, "/language", {"locale": "en"})
    text = PB.format(budget="100", cost="1e30", pid="1")
    r = post_form(
        client,
        council.url("import"),
        {},
        page=council.url("settings"),
        files={"file": ("x.pb", text.encode(), "text/plain")},
    )
    assert r.status_code == 400 and form_errors(r.text)
