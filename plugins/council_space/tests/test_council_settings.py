"""The call's settings page (staff) and the criteria published with the call."""

from __future__ import annotations

from council_helpers import sign_in

from parvis.api import Module
from parvis.testing import form_errors, post_form
from parvis_council_space.config import CallConfig


def test_settings_validation_save_and_published_criteria(town, council, client, resident):
    page = council.url("settings")
    sign_in(client, resident.email)
    assert client.get(page).status_code == 403
    client.cookies.clear()
    council.user("elu@example.org", roles=(f"councillor@{council.space_id}",))
    sign_in(client, "elu@example.org")
    post_form(client, "/language", {"locale": "en"})
    assert client.get(page).status_code == 200
    r = post_form(
        client,
        page,
        {
            "budget": "-1",
            "ballot_rule": "bogus",
            "max_projects": "0",
            "max_points": "",
            "counting_rule": "mes",
            "criteria": "Critères **publics**",
        },
        page=page,
    )
    assert r.status_code == 400
    assert len(form_errors(r.text)) >= 4
    assert "Critères **publics**" in r.text  # input kept
    r = post_form(
        client,
        page,
        {
            "budget": "75000",
            "ballot_rule": "knapsack",
            "max_projects": "4",
            "max_points": "10",
            "counting_rule": "mes_add1",
            "completion": "y",
            "area_only": "y",
            "criteria": "Critères **publics**",
        },
        page=page,
    )
    assert r.status_code == 303
    with town.session() as s:
        config = CallConfig.of(s.get(Module, council.module_id))
    assert (config.budget, config.ballot_rule, config.counting_rule) == (
        75000,
        "knapsack",
        "mes_add1",
    )
    assert config.completion and config.area_only
    client.cookies.clear()
    html = client.get(council.url(), headers={"accept-language": "en"}).text  # submission phase
    assert "Critères <strong>publics</strong>" in html
    assert "Only verified residents of the council" in html and "neighbourhood may vote." in html


def test_cumulative_calls_are_counted_greedily():
    config = CallConfig(ballot_rule="cumulative", counting_rule="mes")
    assert config.effective_counting_rule == "greedy"
