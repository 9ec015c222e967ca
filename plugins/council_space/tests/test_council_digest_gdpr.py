"""Digest e-mail to followers (through a real SMTP server) and GDPR export/erase."""

from __future__ import annotations

import datetime as dt
import json
import re

from council_helpers import make_council, sign_in
from sqlalchemy import func, select

from parvis.api import Module, Space, User, utcnow
from parvis.testing import DEFAULT_PASSWORD, load_demo_town, login, post_form, send_outbox
from parvis_council_space import ballot_box, digest
from parvis_council_space.models import (
    Ballot,
    BallotChoice,
    Comment,
    CouncilMember,
    DigestItem,
    Idea,
    Support,
)


def _mail_town(make_town, smtp_server):
    return make_town(mail_backend="smtp", smtp_port=smtp_server.port)


def _subject(mail):
    from email.header import decode_header, make_header

    return str(make_header(decode_header(mail.subject)))


def _add_digest_item(town, council, kind, title, path, created_at):
    """What publishing a news item or results puts in the council's next digest."""
    with town.session() as s:
        s.add(
            DigestItem(
                town_id=town.town_id,
                space_id=council.space_id,
                kind=kind,
                title=title,
                path=path,
                created_at=created_at,
            )
        )


def _follow(client, council):
    r = post_form(client, f"/s/{council.slug}/follow", {"follow": "1"}, page=f"/s/{council.slug}")
    assert r.status_code == 303


def test_one_digest_per_follower_with_everything_new(make_town, smtp_server):
    town = _mail_town(make_town, smtp_server)
    council = make_council(town)
    other = make_council(town, slug="conseil-port")
    council.user("suiveur@example.org")
    council.user("elu@example.org", roles=(f"councillor@{council.space_id}",))
    with town.session() as s:
        s.get(User, council.user("lecteur@example.org")).locale = "en"
    with town.client() as follower, town.client() as reader, town.client() as staff:
        sign_in(follower, "suiveur@example.org")
        _follow(follower, council)
        _follow(follower, other)
        sign_in(reader, "lecteur@example.org")
        _follow(reader, council)
        sign_in(staff, "elu@example.org")
        manage = f"/p/council_space/{council.slug}/manage"
        post_form(
            staff,
            f"/p/council_space/{council.slug}/news",
            {"title": "Nouveau banc", "body": "Installé."},
            page=manage,
        )
        post_form(
            staff,
            f"/p/council_space/{council.slug}/meetings",
            {"title": "Séance de mars", "starts_at": "2027-03-12T18:30"},
            page=manage,
        )
    with town.session() as s:
        s.add(
            Module(
                space_id=council.space_id,
                type="idea_call",
                slug="appel-2028",
                title="Appel 2028",
                phase="submission",
            )
        )
    parvis = town.parvis
    assert digest.send(parvis) == 2  # one e-mail per follower, not one per event
    assert send_outbox(town) == 2
    mail = smtp_server.wait_for("suiveur@example.org")
    assert _subject(mail) == "3 nouveautés dans les conseils que vous suivez"  # in French
    assert "Nouveau banc" in mail.body and "Séance de mars" in mail.body
    assert "Appel 2028" in mail.body  # the new call for ideas
    assert "Budget 2027" not in mail.body  # calls older than the follow are not news
    assert f"http://testserver/s/{council.slug}/idea_call/" in mail.body
    assert len([m for m in smtp_server.messages if "suiveur@example.org" in m.to]) == 1
    english = smtp_server.wait_for("lecteur@example.org")
    assert _subject(english) == "3 new items in the councils you follow"
    # Nothing new: nothing sent; something new: only that.
    assert digest.send(parvis) == 0
    later = utcnow() + dt.timedelta(seconds=1)
    _add_digest_item(town, council, "results", "Résultats 2027", "/x", later)
    assert digest.send(parvis, now=later + dt.timedelta(seconds=1)) == 2
    send_outbox(town)
    last = [m for m in smtp_server.messages if "suiveur@example.org" in m.to][-1]
    assert "Résultats 2027" in last.body and "Nouveau banc" not in last.body
    # The one-click link in the digest stops the next ones.
    link = re.search(r"http://testserver(/unsubscribe/\S+)", last.body)
    assert link, last.body
    with town.client() as visitor:
        post_form(visitor, link.group(1), {}, page=link.group(1))
    _add_digest_item(town, council, "news", "Encore", "/y", later + dt.timedelta(seconds=2))
    assert digest.send(parvis, now=later + dt.timedelta(seconds=3)) == 1  # only lecteur now


def test_followers_get_only_items_after_they_followed(town, council):
    council.user("early@example.org")
    _add_digest_item(town, council, "news", "Ancienne", "/a", utcnow() - dt.timedelta(days=3))
    with town.client() as c:
        sign_in(c, "early@example.org")
        _follow(c, council)
    with town.session() as s:  # the call itself was created before the follow too
        s.get(Module, council.module_id).created_at = utcnow() - dt.timedelta(days=3)
    assert digest.send(town.parvis) == 0


def test_gdpr_export_and_erase(town, council, client, resident):
    idea = council.add_idea(resident.id, title="Mon idée")
    council.add_idea(None, title="Autre", status="feasible")
    with town.session() as s:
        s.add(Support(idea_id=idea, user_id=resident.id))
        s.add(Comment(idea_id=idea, author_id=resident.id, body="Mon commentaire"))
        s.add(CouncilMember(space_id=council.space_id, name="Rita", user_id=resident.id))
        module = s.get(Module, council.module_id)
        ballot_box.cast_ballot(s, module, f"u:{resident.id}", {idea: 1}, resident.id)
    # Read as the resident does: /account/export keeps each plugin's part under its name.
    login(client, resident.email)
    exported = json.loads(client.get("/account/export").text)["council_space"]
    assert exported["ideas"][0]["title"] == "Mon idée"
    assert exported["comments"][0]["body"] == "Mon commentaire"
    assert exported["supports"] == [idea]
    assert exported["ballots"][0]["choices"] == {str(idea): 1}
    assert exported["council_memberships"][0]["name"] == "Rita"
    # Erased as the resident does it: deleting their account.
    deleted = post_form(client, "/account/delete", {"password": DEFAULT_PASSWORD}, page="/account")
    assert deleted.status_code == 303
    with town.session() as s:
        assert s.get(User, resident.id) is None
        assert s.get(Idea, idea).author_id is None
        assert s.get(Idea, idea).support_count == 0
        assert s.get(Idea, idea).comment_count == 0
        assert s.scalar(select(func.count(Comment.id))) == 0
        ballot = s.scalar(select(Ballot))
        assert ballot.user_id is None and not ballot.voter_key.startswith("u:")
        assert s.scalar(select(func.count(BallotChoice.id))) == 1  # the vote still counts
        assert s.scalar(select(CouncilMember.user_id)) is None


def test_demo_content(make_town):
    from parvis_council_space.models import CountJob, Idea, Result

    town = make_town(host="autre.example")
    load_demo_town(town)
    with town.session() as s:
        councils = s.scalars(select(Space).where(Space.kind == "council")).all()
        assert len(councils) == 8 and all(c.area_id for c in councils)
        calls = {m.phase: m for m in s.scalars(select(Module).where(Module.type == "idea_call"))}
        assert set(calls) == {"submission", "vote", "results"}
        votable = select(func.count(Idea.id)).where(
            Idea.module_id == calls["vote"].id, Idea.status == "feasible"
        )
        assert s.scalar(votable) >= 10
        ballots = select(func.count(Ballot.id)).where(Ballot.module_id == calls["vote"].id)
        assert s.scalar(ballots) > 40
        job = s.scalar(select(CountJob).where(CountJob.module_id == calls["results"].id))
        assert job.published_at is not None and job.status == "done"
        assert s.scalar(select(func.count(Result.id)).where(Result.job_id == job.id)) >= 10
        space = s.get(Space, calls["results"].space_id)
        url = f"/s/{space.slug}/idea_call/{calls['results'].id}/results"
    from starlette.testclient import TestClient

    with TestClient(town.app, base_url="http://localhost") as c:
        html = c.get(url).text
        assert "Retenu (n° 1)" in html
        assert c.get(f"/s/{councils[0].slug}").status_code == 200
