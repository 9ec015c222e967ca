"""Closing the loop by e-mail, personal data, and concurrent submissions on PostgreSQL."""

from __future__ import annotations

import re
import threading
from email.header import decode_header, make_header

import pytest
from consultation_builders import build_survey, english_user, full_answer
from sqlalchemy import func, select

from parvis.api import Follow, User
from parvis.testing import DEFAULT_PASSWORD, login, post_form, send_outbox
from parvis_consultation.models import Answer, Response
from parvis_consultation.responses import save_response
from parvis_consultation.structure import saved_survey


def test_publishing_the_decision_emails_followers_in_their_language(make_town, smtp_server):
    town = make_town(mail_backend="smtp", smtp_host="127.0.0.1", smtp_port=smtp_server.port)
    b = build_survey(town, phase="closed")
    with town.session() as s:
        fr = english_user(s, town.town_id, "fr@example.org")
        fr.locale = "fr"
        en = english_user(s, town.town_id, "en@example.org")
        english_user(s, town.town_id, "notfollowing@example.org")
        s.add_all(
            [Follow(user_id=fr.id, space_id=b.space_id), Follow(user_id=en.id, space_id=b.space_id)]
        )
    with town.client() as c:
        login(c, town.admin_email, town.admin_password)
        r = post_form(c, b.url + "manage/decision", {"decision": ""}, page=b.url + "manage")
        assert r.status_code == 400
        r = post_form(
            c,
            b.url + "manage/decision",
            {"decision": "The velodrome will be built by the river."},
            page=b.url + "manage",
        )
        assert r.status_code == 303
        page = c.get(b.url)
        assert "The velodrome will be built by the river." in page.text
    with town.session() as s:
        from parvis.api import Module

        assert s.get(Module, b.module_id).phase == "decided"
    assert send_outbox(town) == 2
    mail_en = smtp_server.wait_for("en@example.org")
    assert "what the town decided" in _subject(mail_en)
    assert "The velodrome will be built by the river." in mail_en.body
    assert f"/s/{b.space_slug}/survey/{b.module_id}/" in mail_en.body
    mail_fr = smtp_server.wait_for("fr@example.org")
    assert "ce que la ville a décidé" in _subject(mail_fr)
    assert all("notfollowing" not in r for m in smtp_server.messages for r in m.to)
    # Every notification carries a one-click way out, and it works.
    link = re.search(r"http://testserver(/unsubscribe/\S+)", mail_fr.body)
    assert link, mail_fr.body
    with town.client() as visitor:
        post_form(visitor, link.group(1), {}, page=link.group(1))
    with town.session() as s:
        assert s.scalar(select(User.notify_followed).where(User.email == "fr@example.org")) is False


def test_no_decision_while_the_consultation_is_open(town):
    b = build_survey(town, phase="open")
    with town.client() as c:
        login(c, town.admin_email, town.admin_password)
        post_form(c, "/language", {"locale": "en"})
        r = post_form(c, b.url + "manage/decision", {"decision": "Built."}, page=b.url + "manage")
        assert r.status_code == 400
        assert "close it before publishing the decision" in r.text
        assert "Built." in r.text  # the text typed is kept
    with town.session() as s:
        from parvis.api import Module

        assert s.get(Module, b.module_id).phase == "open"
        assert saved_survey(s, b.module_id).decision_published_at is None


def _subject(mail):
    return " ".join(str(make_header(decode_header(mail.subject))).split())


def test_gdpr_export_and_erase(town, resident):
    b = build_survey(town)
    with town.client() as c:
        login(c, resident.email)
        assert post_form(c, b.url, full_answer(b), page=b.url).status_code == 303
        data = c.get("/account/export").json()
        mine = data["consultation"]["consultation_responses"]
        assert len(mine) == 1 and mine[0]["module_id"] == b.module_id
        assert {"question_id": b.q["short"], "text": "Yes; indeed"} in mine[0]["answers"]
        r = post_form(c, "/account/delete", {"password": DEFAULT_PASSWORD}, page="/account")
        assert r.status_code == 303
    with town.session() as s:
        assert s.scalar(select(func.count()).select_from(Response)) == 0
        assert s.scalar(select(func.count()).select_from(Answer)) == 0


def _rows(b):
    return [
        {"question_id": b.q["single"], "option_id": b.o["single"][0]},
        {"question_id": b.q["scale"], "number": 3.0},
    ]


@pytest.mark.postgres_only
def test_concurrent_submissions_by_one_account_make_one_response(town):
    b = build_survey(town)
    with town.session() as s:
        user_id = english_user(s, town.town_id, "twice@example.org").id
    db = town.parvis.db
    barrier = threading.Barrier(12)
    errors: list[BaseException] = []

    def submit(i: int) -> None:
        try:
            barrier.wait()
            with db.session() as s:
                rows = [*_rows(b), {"question_id": b.q["number"], "number": float(i)}]
                save_response(s, b.module_id, rows, user_id=user_id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Response)) == 1
        # One complete set of answers survives (the last writer's), never a mix.
        assert s.scalar(select(func.count()).select_from(Answer)) == 3
        assert s.scalar(select(func.count()).where(Answer.question_id == b.q["number"])) == 1


@pytest.mark.postgres_only
def test_no_response_lost_under_concurrent_load(town):
    b = build_survey(town)
    with town.session() as s:
        ids = [english_user(s, town.town_id, f"u{i}@example.org").id for i in range(40)]
    db = town.parvis.db
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(ids))

    def submit(uid: int) -> None:
        try:
            barrier.wait()
            with db.session() as s:
                save_response(s, b.module_id, _rows(b), user_id=uid)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(uid,)) for uid in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Response)) == 40
        assert s.scalar(select(func.count()).select_from(Answer)) == 80


def test_the_database_refuses_a_second_response_for_one_account(town, resident):
    from sqlalchemy.exc import IntegrityError

    b = build_survey(town)
    with pytest.raises(IntegrityError), town.session() as s:
        s.add_all(
            [
                Response(module_id=b.module_id, user_id=resident.id),
                Response(module_id=b.module_id, user_id=resident.id),
            ]
        )
        s.flush()


def test_forged_host_header_does_not_reach_the_decision_email(make_town, smtp_server):
    """Host header poisoning: the link e-mailed to every follower points at the town's host."""
    town = make_town(mail_backend="smtp", smtp_host="127.0.0.1", smtp_port=smtp_server.port)
    b = build_survey(town, phase="closed")
    with town.session() as s:
        follower = english_user(s, town.town_id, "follower@example.org")
        s.add(Follow(user_id=follower.id, space_id=b.space_id))
    with town.client() as c:
        login(c, town.admin_email, town.admin_password)
        c.headers["host"] = "evil.example"
        r = post_form(
            c,
            b.url + "manage/decision",
            {"decision": "The velodrome will be built by the river."},
            page=b.url + "manage",
        )
        assert r.status_code == 303
    assert send_outbox(town) == 1
    body = smtp_server.wait_for("follower@example.org").body
    assert "evil.example" not in body
    assert f"http://testserver/s/{b.space_slug}/survey/{b.module_id}/" in body
