"""Councillors and space admins edit and delete news and meetings; the digest follows."""

from __future__ import annotations

import datetime as dt

import pytest
from council_helpers import make_council, sign_in
from sqlalchemy import select

from parvis.testing import audit_entries, form_errors, make_user, post_form, queued_mail
from parvis_council_space import digest
from parvis_council_space.models import DigestItem, Document, Meeting, NewsItem

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _add_news(town, council, title="Nouveau banc"):
    with town.session() as s:
        item = NewsItem(space_id=council.space_id, title=title, body="Installé.")
        s.add(item)
        s.flush()
        s.add(
            DigestItem(
                town_id=town.town_id,
                space_id=council.space_id,
                kind="news",
                title=title,
                path=f"/p/council_space/{council.slug}/news/{item.id}",
                target=f"news:{item.id}",
            )
        )
        return item.id


def _add_meeting(town, council, with_minutes=False):
    with town.session() as s:
        doc_id = None
        if with_minutes:
            doc = Document(
                town_id=town.town_id, space_id=council.space_id, filename="cr.pdf", size=3, data=PDF
            )
            s.add(doc)
            s.flush()
            doc_id = doc.id
        meeting = Meeting(
            space_id=council.space_id,
            title="Séance de mars",
            starts_at=dt.datetime(2027, 3, 12, 17, 30, tzinfo=dt.UTC),
            minutes_id=doc_id,
        )
        s.add(meeting)
        s.flush()
        s.add(
            DigestItem(
                town_id=town.town_id,
                space_id=council.space_id,
                kind="meeting",
                title=meeting.title,
                path=f"/p/council_space/{council.slug}/meetings/{meeting.id}",
                target=f"meeting:{meeting.id}",
            )
        )
        return meeting.id, doc_id


@pytest.mark.parametrize("role", ["councillor", "space_admin"])
def test_edit_news_keeps_digest_in_step_and_is_audited(town, council, client, role):
    news_id = _add_news(town, council)
    council.user("elu@example.org", roles=(f"{role}@{council.space_id}",))
    sign_in(client, "elu@example.org")
    base = f"/p/council_space/{council.slug}/news/{news_id}"
    page = client.get(base + "/edit")
    assert page.status_code == 200 and 'value="Nouveau banc"' in page.text
    # An invalid edit keeps the input and explains, beside the field.
    r = post_form(client, base + "/edit", {"title": "", "body": "Texte gardé"}, page=base + "/edit")
    assert r.status_code == 400 and "Texte gardé" in r.text and form_errors(r.text)
    r = post_form(
        client, base + "/edit", {"title": "Banc installé", "body": "Rue des Lilas."}, page=base
    )
    assert r.status_code == 303
    html = client.get(base).text
    assert "Banc installé" in html and "Rue des Lilas." in html
    with town.session() as s:
        assert s.scalar(select(DigestItem.title).where(DigestItem.target == f"news:{news_id}")) == (
            "Banc installé"
        )
    [entry] = audit_entries(town, "council_space.news_edit")
    assert entry.target == f"news:{news_id}" and entry.town_id == town.town_id


def test_delete_news_asks_confirmation_and_withdraws_it_from_the_digest(town, council, client):
    news_id = _add_news(town, council)
    kept_id = _add_news(town, council, title="Fête des voisins")
    council.user("suiveur@example.org")
    council.user("elu@example.org", roles=(f"councillor@{council.space_id}",))
    with town.client() as follower:
        sign_in(follower, "suiveur@example.org")
        r = post_form(
            follower, f"/s/{council.slug}/follow", {"follow": "1"}, page=f"/s/{council.slug}"
        )
        assert r.status_code == 303
    with town.session() as s:  # the items came after the follow
        for item in s.scalars(select(DigestItem)):
            item.created_at = item.created_at + dt.timedelta(seconds=5)
    sign_in(client, "elu@example.org")
    url = f"/p/council_space/{council.slug}/news/{news_id}/delete"
    confirm = client.get(url)
    # A GET only asks: nothing is deleted until the POST form is sent (with its CSRF token).
    assert confirm.status_code == 200 and 'method="post"' in confirm.text
    assert 'name="csrf_token"' in confirm.text
    with town.session() as s:
        assert s.get(NewsItem, news_id) is not None
    assert client.post(url, data={}).status_code in (400, 403)  # no CSRF token: refused
    r = post_form(client, url, {}, page=url)
    assert r.status_code == 303
    assert client.get(f"/p/council_space/{council.slug}/news/{news_id}").status_code == 404
    with town.session() as s:
        assert s.get(NewsItem, news_id) is None
        assert s.scalar(select(DigestItem).where(DigestItem.target == f"news:{news_id}")) is None
    assert audit_entries(town, "council_space.news_delete")[0].target == f"news:{news_id}"
    # The next digest has the news item that stays, not the deleted one.
    now = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    assert digest.send(town.parvis, now=now) == 1
    body = queued_mail(town)[-1].body
    assert "Fête des voisins" in body and "Nouveau banc" not in body
    assert f"/news/{kept_id}" in body


def test_edit_and_delete_meeting_with_its_minutes(town, council, client):
    meeting_id, doc_id = _add_meeting(town, council, with_minutes=True)
    council.user("elu@example.org", roles=(f"councillor@{council.space_id}",))
    sign_in(client, "elu@example.org")
    base = f"/p/council_space/{council.slug}/meetings/{meeting_id}"
    page = client.get(base + "/edit").text
    assert 'value="2027-03-12T18:30"' in page  # shown in the town's time (Paris)
    r = post_form(
        client,
        base + "/edit",
        {"title": "Séance reportée", "starts_at": "2027-03-19T18:30", "location": "Mairie"},
        page=base + "/edit",
    )
    assert r.status_code == 303
    with town.session() as s:
        meeting = s.get(Meeting, meeting_id)
        assert meeting.title == "Séance reportée" and meeting.location == "Mairie"
        starts = meeting.starts_at.replace(tzinfo=dt.UTC)
        assert starts == dt.datetime(2027, 3, 19, 17, 30, tzinfo=dt.UTC)
        assert meeting.minutes_id == doc_id  # no new file: the minutes stay
        assert s.scalar(
            select(DigestItem.title).where(DigestItem.target == f"meeting:{meeting_id}")
        ) == ("Séance reportée")
    assert audit_entries(town, "council_space.meeting_edit")
    r = post_form(client, base + "/delete", {}, page=base + "/delete")
    assert r.status_code == 303
    assert client.get(base).status_code == 404
    assert client.get(f"/p/council_space/documents/{doc_id}").status_code == 404
    with town.session() as s:
        assert (
            s.scalar(select(DigestItem).where(DigestItem.target == f"meeting:{meeting_id}")) is None
        )
    assert audit_entries(town, "council_space.meeting_delete")[0].target == f"meeting:{meeting_id}"


def test_edit_and_delete_are_refused_to_others(town, make_town, council, client, resident):
    news_id = _add_news(town, council)
    meeting_id, _ = _add_meeting(town, council)
    other = make_council(town, slug="conseil-port")
    with town.session() as s:
        make_user(s, town.town_id, "autre@example.org", roles=(f"councillor@{other.space_id}",))
    urls = [
        f"/p/council_space/{council.slug}/news/{news_id}/edit",
        f"/p/council_space/{council.slug}/news/{news_id}/delete",
        f"/p/council_space/{council.slug}/meetings/{meeting_id}/edit",
        f"/p/council_space/{council.slug}/meetings/{meeting_id}/delete",
    ]
    # Visitors are sent to log in.
    for url in urls:
        r = client.get(url, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
    # A resident, and the councillor of another council, are refused.
    for email in ("resident@example.org", "autre@example.org"):
        with town.client() as c:
            sign_in(c, email)
            for url in urls:
                assert c.get(url).status_code == 403
                assert post_form(c, url, {"title": "X", "body": "Y"}).status_code == 403
    # The other council's councillor cannot reach them through their own council's URLs.
    with town.client() as c:
        sign_in(c, "autre@example.org")
        for url in urls:
            assert c.get(url.replace(council.slug, other.slug)).status_code == 404
            assert post_form(c, url.replace(council.slug, other.slug), {}).status_code == 404
    # From another town, the ids do not exist.
    second = make_town(host="other.example", app=town.app)
    with second.session() as s:
        make_user(s, second.town_id, "admin2@example.org", roles=("town_admin",))
    with second.client() as c:
        sign_in(c, "admin2@example.org")
        for url in urls:
            assert c.get(url).status_code == 404
    with town.session() as s:
        assert s.get(NewsItem, news_id).title == "Nouveau banc"
        assert s.get(Meeting, meeting_id) is not None
    assert not audit_entries(town, "council_space.news_delete")
