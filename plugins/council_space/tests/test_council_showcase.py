"""The council's public showcase, its members, news and meetings with PDF minutes."""

from __future__ import annotations

from council_helpers import make_council, sign_in
from sqlalchemy import select

from parvis.api import Space
from parvis.testing import form_errors, make_space_with_module, make_user, post_form
from parvis_council_space.models import CouncilMember, Document, Meeting, NewsItem

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _staff(council, client, role="councillor"):
    council.user("elu@example.org", roles=(f"{role}@{council.space_id}",))
    sign_in(client, "elu@example.org")
    post_form(client, "/language", {"locale": "en"})


def test_showcase_shows_members_news_meetings_and_calls(town, council, client):
    with town.session() as s:
        s.add(CouncilMember(space_id=council.space_id, name="Awa Diallo", council_role="president"))
        s.add(CouncilMember(space_id=council.space_id, name="Jean Petit", council_role="member"))
        s.add(NewsItem(space_id=council.space_id, title="Fête des voisins", body="Samedi"))
    html = client.get(f"/s/{council.slug}").text
    assert "Awa Diallo" in html and "Jean Petit" in html
    assert html.index("Awa Diallo") < html.index("Jean Petit")  # president first
    assert "Fête des voisins" in html
    assert "Budget 2027" in html  # the call, listed by core
    assert "Les Tilleuls" in html


def test_showcase_fragments_only_on_council_spaces(town, client):
    with town.session() as s:
        s.add(Space(town_id=town.town_id, slug="general", title="Général", published=True))
    html = client.get("/s/general").text
    assert "council-members-h" not in html
    assert "council_space.css" not in html


STYLESHEET = "/council_space.css"


def test_council_pages_link_their_stylesheet_once(town, council, client):
    """The ``layout.head`` slot links it; no template links it again."""
    idea = council.add_idea(None, title="Jardin", status="feasible", final_cost=1000)
    council.user("elu@example.org", roles=(f"councillor@{council.space_id}",))
    sign_in(client, "elu@example.org")
    pages = [
        f"/s/{council.slug}",
        council.url(),
        council.url(f"ideas/{idea}"),
        council.url("propose"),
        council.url("moderation"),
        council.url("settings"),
        council.url("results"),
        f"/p/council_space/{council.slug}/manage",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert response.text.count(STYLESHEET) == 1, page
    council.set_phase("vote")
    assert client.get(council.url("vote")).text.count(STYLESHEET) == 1


def test_idea_call_outside_a_council_links_the_stylesheet(town, client):
    call = make_space_with_module(town, "idea_call", phase="submission")
    assert client.get(call.url).text.count(STYLESHEET) == 1


def test_manage_requires_councillor(town, council, client, resident):
    assert client.get(f"/p/council_space/{council.slug}/manage").status_code in (200, 303)
    sign_in(client, "resident@example.org")
    assert client.get(f"/p/council_space/{council.slug}/manage").status_code == 403


def test_members_news_and_meeting_with_pdf_minutes(town, council, client):
    _staff(council, client)
    page = f"/p/council_space/{council.slug}/manage"
    assert client.get(page).status_code == 200
    r = post_form(
        client,
        f"/p/council_space/{council.slug}/members",
        {"name": "Awa Diallo", "council_role": "president", "email": "elu@example.org"},
        page=page,
    )
    assert r.status_code == 303
    r = post_form(
        client,
        f"/p/council_space/{council.slug}/members",
        {"name": "", "council_role": "member", "email": "nobody@example.org"},
        page=page,
    )
    assert r.status_code == 400
    errors = form_errors(r.text)
    assert "This field is required." in errors
    assert "No account of this town has this e-mail address." in errors
    r = post_form(
        client,
        f"/p/council_space/{council.slug}/news",
        {"title": "Nouveau banc", "body": "Installé **hier**."},
        page=page,
    )
    assert r.status_code == 303
    r = post_form(
        client,
        f"/p/council_space/{council.slug}/meetings",
        {"title": "Séance de mars", "starts_at": "2027-03-12T18:30", "agenda": "Vote du budget"},
        page=page,
        files={"minutes": ("cr mars.pdf", PDF, "application/pdf")},
    )
    assert r.status_code == 303, form_errors(r.text)
    with town.session() as s:
        member = s.scalar(select(CouncilMember))
        assert member.user_id is not None and member.council_role == "president"
        meeting = s.scalar(select(Meeting))
        assert meeting.minutes_id is not None
        doc = s.get(Document, meeting.minutes_id)
        assert doc.filename == "cr-mars.pdf"
        assert s.scalar(select(NewsItem)).title == "Nouveau banc"
    html = client.get(f"/p/council_space/{council.slug}/meetings/{meeting.id}").text
    assert "Séance de mars" in html and "Vote du budget" in html
    r = client.get(f"/p/council_space/documents/{doc.id}")
    assert r.status_code == 200
    assert r.content == PDF
    assert r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == 'attachment; filename="cr-mars.pdf"'


def test_non_pdf_minutes_are_rejected_and_input_kept(town, council, client):
    _staff(council, client)
    page = f"/p/council_space/{council.slug}/manage"
    r = post_form(
        client,
        f"/p/council_space/{council.slug}/meetings",
        {"title": "Séance d'avril", "starts_at": "2027-04-12T18:30"},
        page=page,
        files={"minutes": ("virus.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")},
    )
    assert r.status_code == 400
    assert "This file is not a PDF document." in form_errors(r.text)
    assert "Séance d&#39;avril" in r.text or "Séance d'avril" in r.text
    with town.session() as s:
        assert s.scalar(select(Meeting)) is None
        assert s.scalar(select(Document)) is None


def test_too_large_pdf_is_rejected(make_town):
    town = make_town(plugin_settings={"council_space": {"max_pdf_mb": 1}})
    council = make_council(town)
    with town.client() as client:
        _staff(council, client)
        with town.session() as s:
            s.add(
                Meeting(
                    space_id=council.space_id,
                    title="S",
                    starts_at=__import__("parvis.db").db.utcnow(),
                )
            )
        with town.session() as s:
            meeting_id = s.scalar(select(Meeting.id))
        r = post_form(
            client,
            f"/p/council_space/{council.slug}/meetings/{meeting_id}/minutes",
            {},
            page=f"/p/council_space/{council.slug}/meetings/{meeting_id}",
            files={"minutes": ("big.pdf", PDF + b"0" * (1024 * 1024 + 10), "application/pdf")},
        )
        assert r.status_code == 400
        assert "This file is too large (1 MB at most)." in form_errors(r.text)


def test_documents_of_other_towns_and_unpublished_spaces_are_hidden(town, make_town, client):
    council = make_council(town, published=False)
    with town.session() as s:
        doc = Document(
            town_id=town.town_id, space_id=council.space_id, filename="a.pdf", size=3, data=PDF
        )
        s.add(doc)
        s.flush()
        doc_id = doc.id
    assert client.get(f"/p/council_space/documents/{doc_id}").status_code == 404
    other = make_town(host="other.example", app=town.app)
    with other.client() as other_client:
        assert other_client.get(f"/p/council_space/documents/{doc_id}").status_code == 404


def test_councillor_of_another_council_cannot_manage(town, council, client):
    other = make_council(town, slug="conseil-port")
    with town.session() as s:
        make_user(s, town.town_id, "autre@example.org", roles=(f"councillor@{other.space_id}",))
    sign_in(client, "autre@example.org")
    assert client.get(f"/p/council_space/{council.slug}/manage").status_code == 403
    assert client.get(f"/p/council_space/{other.slug}/manage").status_code == 200
