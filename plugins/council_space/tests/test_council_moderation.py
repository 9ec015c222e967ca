"""Moderation of comments on ideas: reports by residents, hiding with a public reason by
moderators or the council's staff, and a rate limit on comment posting."""

from __future__ import annotations

import html as htmllib

from council_helpers import make_council, sign_in
from sqlalchemy import select

from parvis.testing import audit_entries, form_errors, make_user, post_form
from parvis_council_space.models import Comment, CommentReport


def _comment(town, council, author_id, body="Texte injurieux"):
    idea = council.add_idea(None, title="Jardin")
    with town.session() as s:
        c = Comment(idea_id=idea, author_id=author_id, body=body)
        s.add(c)
        s.flush()
        return idea, c.id


def test_residents_report_once_and_moderators_see_the_count(town, council, client, resident):
    author = council.user("auteur@example.org")
    idea, comment = _comment(town, council, author)
    page = council.url(f"ideas/{idea}")
    report = council.url(f"comments/{comment}/report")
    # Visitors must sign in; unconfirmed accounts may not report.
    r = post_form(client, report, {}, page=page)
    assert r.status_code == 303 and "/login" in r.headers["location"]
    council.user("pasconfirme@example.org", confirmed=False)
    with town.client() as c:
        sign_in(c, "pasconfirme@example.org")
        assert post_form(c, report, {}, page=page).status_code == 403
    # The author cannot report their own comment.
    with town.client() as c:
        sign_in(c, "auteur@example.org")
        assert post_form(c, report, {}, page=page).status_code == 400
    sign_in(client, resident.email)
    assert "Signaler aux modérateurs" in client.get(page).text
    assert post_form(client, report, {}, page=page).status_code == 303
    assert post_form(client, report, {}, page=page).status_code == 303  # again: no second report
    assert "Signaler aux modérateurs" not in client.get(page).text
    council.user("voisin@example.org")
    with town.client() as c:
        sign_in(c, "voisin@example.org")
        post_form(c, report, {}, page=page)
    with town.session() as s:
        assert s.get(Comment, comment).report_count == 2
        assert len(s.scalars(select(CommentReport)).all()) == 2
    # Reporting stays open after the submission phase (the comment is still published).
    council.set_phase("vote")
    council.user("tard@example.org")
    with town.client() as c:
        sign_in(c, "tard@example.org")
        assert post_form(c, report, {}, page=page).status_code == 303
    # The moderation list is for moderators only; it shows the count.
    moderation = council.url("moderation")
    assert client.get(moderation).status_code == 403
    council.user("modo@example.org", roles=("moderator",))
    with town.client() as c:
        sign_in(c, "modo@example.org")
        html = c.get(moderation).text
        assert "3 signalements" in html and "Texte injurieux" in html


def test_moderator_hides_a_comment_with_a_public_reason(town, council, client, resident):
    author = council.user("auteur@example.org")
    idea, comment = _comment(town, council, author)
    moderation = council.url("moderation")
    hide = council.url(f"comments/{comment}/hide")
    for email, roles in (
        ("modo@example.org", ("moderator",)),
        ("elu@example.org", (f"councillor@{council.space_id}",)),
        ("admin-espace@example.org", (f"space_admin@{council.space_id}",)),
    ):
        council.user(email, roles=roles)
        with town.client() as c:
            sign_in(c, email)
            assert c.get(moderation).status_code == 200
    sign_in(client, "modo@example.org")
    # A reason is required, shown beside its field.
    r = post_form(client, hide, {"reason": ""}, page=moderation)
    assert r.status_code == 400 and form_errors(r.text)
    assert f'aria-describedby="reason-{comment}-help reason-{comment}-error"' in r.text
    r = post_form(client, hide, {"reason": "Propos injurieux"}, page=moderation)
    assert r.status_code == 303
    public = htmllib.unescape(client.get(council.url(f"ideas/{idea}")).text)
    assert "Masqué par les modérateurs : Propos injurieux".replace(" :", "\u00a0:") in public
    assert "Texte injurieux" not in public
    (entry,) = audit_entries(town, "council_space.comment_hide")
    assert entry.target == f"comment:{comment}" and entry.details["reason"] == "Propos injurieux"
    with town.session() as s:
        assert s.get(Comment, comment).body == "Texte injurieux"  # kept for the record
    # Restoring shows it again.
    r = post_form(client, council.url(f"comments/{comment}/restore"), {}, page=moderation)
    assert r.status_code == 303
    assert "Texte injurieux" in client.get(council.url(f"ideas/{idea}")).text


def test_hiding_is_refused_to_others_and_foreign_ids(town, make_town, council, client, resident):
    author = council.user("auteur@example.org")
    idea, comment = _comment(town, council, author)
    other = make_council(town, slug="conseil-port")
    _other_idea, foreign = _comment(town, other, author, body="Ailleurs")
    with town.session() as s:
        make_user(s, town.town_id, "autre@example.org", roles=(f"councillor@{other.space_id}",))
    hide = council.url(f"comments/{comment}/hide")
    page = council.url(f"ideas/{idea}")
    r = post_form(client, hide, {"reason": "x"}, page=page)
    assert r.status_code == 303 and "/login" in r.headers["location"]
    for email in (resident.email, "autre@example.org", "auteur@example.org"):
        with town.client() as c:
            sign_in(c, email)
            assert post_form(c, hide, {"reason": "x"}, page=page).status_code == 403
            assert c.get(council.url("moderation")).status_code == 403
            restore = council.url(f"comments/{comment}/restore")
            assert post_form(c, restore, {}, page=page).status_code == 403
    # A comment of another call is not found through this call, even by its own councillor.
    council.user("elu@example.org", roles=(f"councillor@{council.space_id}",))
    with town.client() as c:
        sign_in(c, "elu@example.org")
        r = post_form(c, council.url(f"comments/{foreign}/hide"), {"reason": "x"}, page=page)
        assert r.status_code == 404
    second = make_town(host="other.example", app=town.app)
    with second.session() as s:
        make_user(s, second.town_id, "modo2@example.org", roles=("moderator",))
    with second.client() as c:
        sign_in(c, "modo2@example.org")
        assert post_form(c, hide, {"reason": "x"}).status_code == 404
    with town.session() as s:
        assert s.get(Comment, comment).hidden_at is None
        assert s.get(Comment, foreign).hidden_at is None


def test_comment_posting_is_rate_limited_with_the_text_kept(town, council, client, resident):
    idea = council.add_idea(None, title="Jardin")
    page = council.url(f"ideas/{idea}")
    url = council.url(f"ideas/{idea}/comment")
    sign_in(client, resident.email)
    for n in range(10):
        assert post_form(client, url, {"body": f"Avis {n}"}, page=page).status_code == 303
    r = post_form(client, url, {"body": "Mon onzième avis"}, page=page)
    assert r.status_code == 429
    [error] = form_errors(r.text)
    assert "10 commentaires ces 10 dernières minutes" in error
    assert "Mon onzième avis</textarea>" in r.text  # the text is kept
    assert 'aria-describedby="body-error"' in r.text
    with town.session() as s:
        assert len(s.scalars(select(Comment)).all()) == 10
    # Another person is not affected.
    council.user("voisin@example.org")
    with town.client() as c:
        sign_in(c, "voisin@example.org")
        assert post_form(c, url, {"body": "Moi aussi"}, page=page).status_code == 303
