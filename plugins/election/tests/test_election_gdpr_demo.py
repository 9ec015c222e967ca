"""Personal data (participations exported, never choices; erasure) and the demo content."""

from __future__ import annotations

import json

from election_helpers import cast, make_election, sign_in, text, voter
from sqlalchemy import func, select

from parvis.api import Module, User
from parvis.testing import load_demo_town, post_form
from parvis_election.models import Ballot, Candidacy, Participation


def test_export_has_participations_never_choices(town, client):
    election = make_election(town)
    voter(town, "ana@example.org", election)
    sign_in(client, "ana@example.org")
    chosen = election.candidates["nord"][1]
    assert cast(client, election, [("candidate", chosen)]).status_code == 303
    data = json.loads(client.get("/account/export").text)
    mine = data["election"]
    assert [p["constituency"] for p in mine["participations"]] == ["Nord"]
    dumped = json.dumps(mine)
    assert set(mine["participations"][0]) == {"election", "constituency", "voted_at"}
    assert "Nord 2" not in dumped and "choices" not in dumped


def test_erasure_keeps_the_ballot_box_consistent_and_drops_unpublished_candidacies(town, client):
    election = make_election(town, phase="candidacies", candidates=0)
    voter(town, "ana@example.org", election)
    with town.session() as session:
        user = session.scalar(select(User).where(User.email == "ana@example.org"))
        session.add(
            Candidacy(
                module_id=election.module_id,
                constituency_id=election.constituencies["nord"],
                user_id=user.id,
                name="Ana",
                statement="…",
            )
        )
    voted = make_election(town, slug="other")
    voter(town, "bob@example.org", voted)
    sign_in(client, "bob@example.org")
    cast(client, voted, [("candidate", voted.candidates["nord"][0])])
    for email in ("ana@example.org", "bob@example.org"):
        sign_in(client, email)
        page = "/account/delete"
        response = post_form(client, page, {"password": "correct horse battery"}, page=page)
        assert response.status_code == 303
    with town.session() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(User)
                .where(User.email.in_(["ana@example.org", "bob@example.org"]))
            )
            == 0
        )
        assert (
            session.scalar(
                select(func.count())
                .select_from(Candidacy)
                .where(Candidacy.module_id == election.module_id)
            )
            == 0
        )
        assert session.scalar(select(func.count()).select_from(Participation)) == 1
        assert session.scalar(select(func.count()).select_from(Ballot)) == 1


def test_demo_has_a_past_election_with_results_and_one_open_for_voting(make_town):
    demo = load_demo_town(make_town())
    with demo.session() as s:
        modules = {
            m.slug: m for m in s.scalars(select(Module).where(Module.type == "council_election"))
        }
        assert modules["conseils-2025"].phase == "results"
        assert modules["conseils-2027"].phase == "voting"
        past, current = modules["conseils-2025"].id, modules["conseils-2027"].id
    with demo.client() as c:
        results = c.get(f"/s/elections/council_election/{past}/results")
        assert results.status_code == 200 and 'class="el-bars"' in results.text
        assert (
            "1 200" in text(results.text) or "1\u202f200" in results.text or "1,200" in results.text
        )
        assert c.get(f"/s/elections/council_election/{current}/").status_code == 200
