"""A resident may propose an idea without a cost; staff set it in review before the vote."""

from __future__ import annotations

from council_helpers import idea_ids, sign_in

from parvis.api import Module, Space, Town
from parvis.testing import form_errors, post_form
from parvis_council_space import ballot_box, gdpr, pb
from parvis_council_space.config import CallConfig
from parvis_council_space.models import Idea

UNKNOWN = "Cost to be estimated"


def _english(client):
    post_form(client, "/language", {"locale": "en"})


def _fields(council, cost):
    return {
        "title": "Bancs au square",
        "description": "Des bancs à l'ombre",
        "estimated_cost": cost,
        "area": str(council.area_id),
    }


def test_resident_proposes_without_a_cost(town, council, client, resident):
    sign_in(client, resident.email)
    _english(client)
    page = council.url("propose")
    form = client.get(page).text
    assert "staff will estimate it during the review" in form
    r = post_form(client, page, _fields(council, ""), page=page)
    assert r.status_code == 303
    (idea,) = idea_ids(town, council.module_id)
    with town.session() as s:
        assert s.get(Idea, idea).estimated_cost is None
        assert s.get(Idea, idea).cost is None
    assert UNKNOWN in client.get(council.url(f"ideas/{idea}")).text
    assert UNKNOWN in client.get(council.url()).text
    # The author may still edit it during submission and leave the cost empty.
    edit = council.url(f"ideas/{idea}/edit")
    assert client.get(edit).status_code == 200
    r = post_form(client, edit, {**_fields(council, ""), "title": "Bancs ombragés"}, page=edit)
    assert r.status_code == 303
    with town.session() as s:
        assert (s.get(Idea, idea).title, s.get(Idea, idea).estimated_cost) == (
            "Bancs ombragés",
            None,
        )


def test_bad_cost_is_refused_beside_the_field_and_kept(town, council, client, resident):
    sign_in(client, resident.email)
    _english(client)
    page = council.url("propose")
    for typed, message in (
        ("abc", "Enter a whole number, such as 3500 or 3 500."),
        ("-5", "The cost cannot be negative."),
    ):
        r = post_form(client, page, _fields(council, typed), page=page)
        assert r.status_code == 400
        assert form_errors(r.text) == [message]
        assert f'<p class="error" id="estimated_cost-error">{message}</p>' in r.text
        assert f'value="{typed}"' in r.text
        assert 'value="Bancs au square"' in r.text
    assert idea_ids(town, council.module_id) == []


def test_staff_set_the_cost_in_review(town, council, client):
    idea = council.add_idea(None, title="Fontaine", estimated_cost=None)
    council.set_phase("review")
    council.user("elu@example.org", roles=(f"councillor@{council.space_id}",))
    sign_in(client, "elu@example.org")
    _english(client)
    page, url = council.url(f"ideas/{idea}"), council.url(f"ideas/{idea}/review")
    r = post_form(client, url, {"feasible": "1", "reason": "OK"}, page=page)
    assert r.status_code == 400
    assert form_errors(r.text) == ["Set the final cost of a feasible idea."]
    assert 'id="final_cost-error"' in r.text
    for typed in ("abc", "-3"):
        r = post_form(
            client, url, {"feasible": "1", "reason": "OK", "final_cost": typed}, page=page
        )
        assert r.status_code == 400 and form_errors(r.text), typed
        assert f'value="{typed}"' in r.text
    with town.session() as s:
        assert (s.get(Idea, idea).status, s.get(Idea, idea).final_cost) == ("submitted", None)
    r = post_form(client, url, {"feasible": "1", "reason": "OK", "final_cost": "4 000"}, page=page)
    assert r.status_code == 303
    with town.session() as s:
        assert (s.get(Idea, idea).status, s.get(Idea, idea).cost) == ("feasible", 4000)
    # Not feasible needs no cost.
    other = council.add_idea(None, title="Piscine", estimated_cost=None)
    r = post_form(
        client,
        council.url(f"ideas/{other}/review"),
        {"feasible": "0", "reason": "Trop cher"},
        page=council.url(f"ideas/{other}"),
    )
    assert r.status_code == 303
    with town.session() as s:
        assert (s.get(Idea, other).status, s.get(Idea, other).cost) == ("not_feasible", None)


def test_cost_filters_leave_out_ideas_without_a_cost(town, council, client):
    council.add_idea(None, title="Alpha", estimated_cost=100)
    council.add_idea(None, title="Bravo", estimated_cost=None)
    council.add_idea(None, title="Charlie", estimated_cost=5000)
    base = council.url()

    def titles(query):
        html = client.get(base + query).text
        found = [t for t in ("Alpha", "Bravo", "Charlie") if f">{t}</a>" in html]
        return sorted(found, key=lambda t: html.index(f">{t}</a>"))

    assert titles("?min_cost=0") == ["Charlie", "Alpha"]
    assert titles("?max_cost=1000000") == ["Charlie", "Alpha"]
    assert titles("?sort=cost_asc") == ["Alpha", "Charlie", "Bravo"]  # unknown last
    assert titles("?sort=cost_desc") == ["Charlie", "Alpha", "Bravo"]
    assert titles("") == ["Charlie", "Bravo", "Alpha"]


def test_an_idea_without_a_cost_never_reaches_the_ballot(town, council, client, resident):
    """Review refuses it; should one be marked feasible by hand, the ballot, the count and the
    Pabulib export leave it out instead of failing."""
    costed = council.add_idea(None, title="Kiosque", status="feasible", final_cost=3000)
    council.add_idea(None, title="Sans prix", status="feasible", estimated_cost=None)
    council.set_phase("vote")
    with town.session() as s:
        module = s.get(Module, council.module_id)
        assert [r.idea.id for r in ballot_box.vote_options(s, module)] == [costed]
        election = ballot_box.load_election(s, module, CallConfig.of(module))
        assert [p.id for p in election.projects] == [str(costed)]
        text = pb.export_call(s, s.get(Town, town.town_id), s.get(Space, council.space_id), module)
    assert "Kiosque" in text and "Sans prix" not in text
    sign_in(client, resident.email)
    r = client.get(council.url("vote"))
    assert r.status_code == 200
    assert "Kiosque" in r.text and "Sans prix" not in r.text


def test_gdpr_export_keeps_an_unknown_cost_empty(town, council, resident):
    council.add_idea(resident.id, title="Mine", estimated_cost=None)
    with town.session() as s:
        from parvis.api import User

        data = gdpr.export_user_data(s, s.get(User, resident.id))
    assert [(i["title"], i["estimated_cost"]) for i in data["ideas"]] == [("Mine", None)]
