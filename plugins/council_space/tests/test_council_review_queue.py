"""The staff's review queue: order, private notes (and who may not see them), bulk decisions."""

from __future__ import annotations

from council_helpers import make_council, sign_in
from sqlalchemy import select

from parvis.api import User
from parvis.testing import audit_entries, form_errors, post_form
from parvis_council_space import gdpr
from parvis_council_space.models import Idea, IdeaNote

SECRET = "Le service voirie trouve ce projet irréaliste"


def _english(client):
    post_form(client, "/language", {"locale": "en"})


def _reviewer(council, client, email="elu@example.org"):
    council.user(email, roles=(f"councillor@{council.space_id}",))
    sign_in(client, email)
    _english(client)


def test_queue_lists_waiting_ideas_first_oldest_first(town, council, client):
    old = council.add_idea(None, title="Ancienne")
    done = council.add_idea(None, title="Décidée", status="feasible", final_cost=10)
    new = council.add_idea(None, title="Récente")
    council.add_idea(None, title="Fusionnée", status="merged")
    council.set_phase("review")
    _reviewer(council, client)
    html = client.get(council.url("review")).text
    assert html.index(f'id="idea-{old}"') < html.index(f'id="idea-{new}"')
    assert html.index(f'id="idea-{new}"') < html.index(f'id="idea-{done}"')
    assert "Fusionnée" not in html
    html = client.get(council.url("review?status=feasible")).text
    assert f'id="idea-{done}"' in html and f'id="idea-{old}"' not in html
    assert f'id="idea-{old}"' in client.get(council.url("review?status=bogus")).text


def test_private_notes_are_seen_only_by_reviewers(town, make_town, council, client, resident):
    idea = council.add_idea(resident.id, title="Fontaine")
    council.set_phase("review")
    _reviewer(council, client)
    page, url = council.url("review"), council.url(f"ideas/{idea}/notes")
    r = post_form(client, url, {"body": "  "}, page=page)
    assert r.status_code == 400
    assert form_errors(r.text) == ["This field is required."]
    assert post_form(client, url, {"body": SECRET}, page=page).status_code == 303
    assert SECRET in client.get(page).text
    with town.session() as s:
        assert s.scalar(select(IdeaNote.body)) == SECRET
    (log,) = audit_entries(town, "council_space.note")
    assert SECRET not in str(log.details)
    # Not in public pages, even for the reviewer.
    for public in (council.url(), council.url(f"ideas/{idea}")):
        assert SECRET not in client.get(public).text
    client.cookies.clear()
    # Anonymous, the author, another space's admin: no queue, no note.
    r = client.get(page, follow_redirects=False)
    assert r.status_code == 303 and "/login" in r.headers["location"]
    assert post_form(client, url, {"body": "x"}).status_code in (303, 403)
    other = make_council(town, slug="conseil-port")
    council.user("autre@example.org", roles=(f"space_admin@{other.space_id}",))
    for email in (resident.email, "autre@example.org"):
        sign_in(client, email)
        assert client.get(page, follow_redirects=False).status_code == 403
        assert SECRET not in client.get(council.url(f"ideas/{idea}")).text
        r = post_form(client, url, {"body": "x"}, page=council.url(f"ideas/{idea}"))
        assert r.status_code == 403
        client.cookies.clear()
    other_town = make_town(host="ailleurs.example", app=town.app)
    with other_town.client() as c2:
        assert c2.get(page, follow_redirects=False).status_code == 404
    with town.session() as s:
        data = gdpr.export_user_data(s, s.get(User, resident.id))
        assert SECRET not in str(data)
        assert s.scalar(select(IdeaNote.id).where(IdeaNote.body == "x")) is None


def test_bulk_decision_is_all_or_nothing(town, council, client):
    a = council.add_idea(None, title="Bancs", estimated_cost=500)
    b = council.add_idea(None, title="Kiosque", estimated_cost=None)
    c = council.add_idea(None, title="Arbres", estimated_cost=800)
    council.set_phase("review")
    _reviewer(council, client)
    page, url = council.url("review"), council.url("review/bulk")
    form = {"ideas": [str(a), str(b)], "action": "feasible", "reason": "Réalisable"}
    r = post_form(client, url, form, page=page)
    assert r.status_code == 400
    assert "These ideas have no cost yet" in r.text and "Kiosque" in r.text
    assert f'value="{a}" id="pick-{a}" checked' in r.text
    assert f'value="{c}" id="pick-{c}" checked' not in r.text
    assert "Réalisable" in r.text
    with town.session() as s:
        assert {s.get(Idea, i).status for i in (a, b, c)} == {"submitted"}
    r = post_form(client, url, {**form, "reason": ""}, page=page)
    assert r.status_code == 400 and "This field is required." in form_errors(r.text)
    r = post_form(client, url, {**form, "ideas": []}, page=page)
    assert r.status_code == 400 and "Choose at least one idea." in r.text
    r = post_form(client, url, {**form, "ideas": ["999999"]}, page=page)
    assert r.status_code == 400 and "cannot be reviewed any more" in r.text
    r = post_form(client, url, {**form, "ideas": [str(a), str(c)]}, page=page)
    assert r.status_code == 303
    r = post_form(
        client, url, {"ideas": [str(b)], "action": "not_feasible", "reason": "Non"}, page=page
    )
    assert r.status_code == 303
    with town.session() as s:
        assert [s.get(Idea, i).status for i in (a, b, c)] == [
            "feasible",
            "not_feasible",
            "feasible",
        ]
        assert s.get(Idea, a).review_reason == "Réalisable"
    targets = [entry.target for entry in audit_entries(town, "council_space.review")]
    assert sorted(targets) == sorted(f"idea:{i}" for i in (a, b, c))


def test_bulk_is_refused_to_residents_and_outside_review(town, council, client, resident):
    a = council.add_idea(None, title="Bancs", estimated_cost=500)
    council.set_phase("review")
    sign_in(client, resident.email)
    form = {"ideas": [str(a)], "action": "feasible", "reason": "x"}
    assert post_form(client, council.url("review/bulk"), form).status_code == 403
    client.cookies.clear()
    _reviewer(council, client)
    council.set_phase("vote")
    assert post_form(client, council.url("review/bulk"), form).status_code == 403
    with town.session() as s:
        assert s.get(Idea, a).status == "submitted"
