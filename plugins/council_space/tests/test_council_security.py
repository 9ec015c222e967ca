"""Security review fixes: replaced minutes are gone, digits are parsed strictly."""

from __future__ import annotations

import datetime as dt

from council_helpers import sign_in
from sqlalchemy import func, select

from parvis.testing import post_form
from parvis_council_space.models import Ballot, Document, Meeting

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SUPERSCRIPT = "²"
HUGE = "9" * 5000


def _meeting_with_minutes(town, council):
    with town.session() as s:
        doc = Document(
            town_id=town.town_id, space_id=council.space_id, filename="v1.pdf", size=3, data=PDF
        )
        s.add(doc)
        s.flush()
        meeting = Meeting(
            space_id=council.space_id,
            title="Séance",
            starts_at=dt.datetime(2027, 3, 12, 17, 30, tzinfo=dt.UTC),
            minutes_id=doc.id,
        )
        s.add(meeting)
        s.flush()
        return meeting.id, doc.id


def _minutes_id(town, meeting_id):
    with town.session() as s:
        return s.get(Meeting, meeting_id).minutes_id


def test_replaced_minutes_are_no_longer_downloadable(town, council, client):
    meeting_id, first = _meeting_with_minutes(town, council)
    council.user("elu@example.org", roles=(f"councillor@{council.space_id}",))
    sign_in(client, "elu@example.org")
    base = f"/p/council_space/{council.slug}/meetings/{meeting_id}"
    assert client.get(f"/p/council_space/documents/{first}").status_code == 200
    # Replaced from the meeting page's upload form.
    r = post_form(
        client,
        base + "/minutes",
        {},
        page=base,
        files={"minutes": ("v2.pdf", PDF, "application/pdf")},
    )
    assert r.status_code == 303
    second = _minutes_id(town, meeting_id)
    assert second not in (None, first)
    assert client.get(f"/p/council_space/documents/{first}").status_code == 404
    assert client.get(f"/p/council_space/documents/{second}").status_code == 200
    # Replaced from the edit form.
    r = post_form(
        client,
        base + "/edit",
        {"title": "Séance", "starts_at": "2027-03-12T18:30", "location": ""},
        page=base + "/edit",
        files={"minutes": ("v3.pdf", PDF, "application/pdf")},
    )
    assert r.status_code == 303
    third = _minutes_id(town, meeting_id)
    assert third not in (None, first, second)
    assert client.get(f"/p/council_space/documents/{second}").status_code == 404
    # Deleting the meeting deletes its minutes too.
    assert post_form(client, base + "/delete", {}, page=base + "/delete").status_code == 303
    assert client.get(f"/p/council_space/documents/{third}").status_code == 404
    with town.session() as s:
        assert s.scalar(select(func.count(Document.id))) == 0


def _ballots(town):
    with town.session() as s:
        return s.scalar(select(func.count(Ballot.id)))


def test_non_ascii_and_huge_digits_never_give_500(town, council, client):
    ideas = [
        council.add_idea(None, title=f"P{n}", estimated_cost=c, final_cost=c, status="feasible")
        for n, c in enumerate((3000, 5000), 1)
    ]
    council.configure(ballot_rule="knapsack", budget=10000)
    council.set_phase("vote")
    council.user("voter@example.org")
    council.user("elu@example.org", roles=(f"councillor@{council.space_id}",))
    sign_in(client, "voter@example.org")
    vote = council.url("vote")
    for value in (SUPERSCRIPT, HUGE, "١٢"):
        for query in ("area", "min_cost", "max_cost"):
            assert client.get(council.url(), params={query: value}).status_code == 200
            assert client.get(vote, params={query: value}).status_code == 200
        r = post_form(client, vote, [("idea", str(ideas[0])), ("idea", value)], page=vote)
        assert r.status_code == 400, value
    assert _ballots(town) == 0
    council.configure(ballot_rule="cumulative", max_points=10)
    for value in (SUPERSCRIPT, HUGE, "١٢"):
        r = post_form(client, vote, {f"points-{ideas[0]}": value}, page=vote)
        assert r.status_code == 400, value
        assert "Points must be whole numbers" in r.text or "points" in r.text
        r = post_form(client, vote, {f"points-{value}": "1"}, page=vote)
        assert r.status_code == 400, value
    assert _ballots(town) == 0
    client.cookies.clear()
    sign_in(client, "elu@example.org")
    council.set_phase("results")
    for value in (SUPERSCRIPT, HUGE):
        assert client.get(council.url("results"), params={"job": value}).status_code == 200
        r = post_form(client, council.url("publish"), {"job": value}, page=council.url("results"))
        assert r.status_code == 404, value
