"""Accounts end to end: sign-up with a real SMTP server, log-in, reset, profile, GDPR."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from parvis.mail import send_pending
from parvis.models import OutboxMail, User
from parvis.testing import DEFAULT_PASSWORD, form_errors, login, make_user, post_form


@pytest.fixture
def mail_town(make_town, smtp_server):
    return make_town(mail_backend="smtp", smtp_port=smtp_server.port)


def _link(body: str, path: str) -> str:
    found = re.search(rf"http://testserver({path}/\S+)", body)
    assert found, body
    return found.group(1)


def test_sign_up_confirm_by_email_link_then_contribute(mail_town, smtp_server):
    with mail_town.client() as client:
        response = post_form(
            client,
            "/signup",
            {
                "display_name": "Awa",
                "email": "Awa@Example.org",
                "password": "long enough pw",
                "area": "",
            },
            page="/signup",
        )
        assert response.status_code == 200 and "awa@example.org" in response.text.lower()
        assert send_pending(mail_town.parvis) == 1
        mail = smtp_server.wait_for("awa@example.org")
        assert "Testville" in mail.subject
        # Not confirmed yet: logged-in actions that need a resident are refused with a reason.
        login(client, "awa@example.org", "long enough pw")
        assert 'action="/confirm-again"' in client.get("/").text  # the "confirm first" notice
        confirm = client.get(_link(mail.body, "/confirm"), follow_redirects=False)
        assert confirm.status_code == 303
    with mail_town.session() as session:
        user = session.scalar(select(User).where(User.email == "awa@example.org"))
        assert user.confirmed_at is not None


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/spaces", "/spaces"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("/%5Cevil.example", "/"),
        ("https://evil.example", "/"),
    ],
)
def test_log_in_returns_only_to_a_local_path(client, resident, target, expected):
    response = post_form(
        client,
        "/login?next=" + target,
        {"email": resident.email, "password": DEFAULT_PASSWORD},
        page="/login",
    )
    assert response.status_code == 303
    assert response.headers["location"] == expected


def test_invalid_sign_up_keeps_input_and_shows_errors_beside_fields(client):
    response = post_form(
        client,
        "/signup",
        {"display_name": "Bob", "email": "not-an-email", "password": "short", "area": ""},
        page="/signup",
    )
    assert response.status_code == 400
    assert 'value="Bob"' in response.text and 'value="not-an-email"' in response.text
    errors = form_errors(response.text)
    assert len(errors) == 2
    assert 'aria-describedby="email-error"' in response.text
    assert 'aria-invalid="true"' in response.text


def test_sign_up_with_a_taken_address_reveals_nothing_and_mails_the_owner(mail_town, smtp_server):
    with mail_town.session() as session:
        make_user(session, mail_town.town_id, "taken@example.org")
    with mail_town.client() as client:
        response = post_form(
            client,
            "/signup",
            {"display_name": "X", "email": "taken@example.org", "password": "long enough pw"},
            page="/signup",
        )
    assert response.status_code == 200
    send_pending(mail_town.parvis)
    assert "/password/reset" in smtp_server.wait_for("taken@example.org").body
    with mail_town.session() as session:
        assert (
            len(session.scalars(select(User).where(User.email == "taken@example.org")).all()) == 1
        )


def test_log_in_log_out_and_wrong_password(client, resident):
    bad = post_form(client, "/login", {"email": resident.email, "password": "nope"}, page="/login")
    assert bad.status_code == 400 and form_errors(bad.text)
    assert f'value="{resident.email}"' in bad.text
    login(client, resident.email)
    assert "Rita Resident" in client.get("/").text
    post_form(client, "/logout", {})
    assert "Rita Resident" not in client.get("/").text


def test_password_reset_link_works_once_and_logs_out_other_sessions(mail_town, smtp_server):
    with mail_town.session() as session:
        make_user(session, mail_town.town_id, "reset@example.org")
    with mail_town.client() as other_device:
        login(other_device, "reset@example.org")
        with mail_town.client() as client:
            post_form(
                client, "/password/reset", {"email": "reset@example.org"}, page="/password/reset"
            )
            send_pending(mail_town.parvis)
            link = _link(smtp_server.wait_for("reset@example.org").body, "/password/reset")
            mismatch = post_form(
                client, link, {"password": "a new password!", "confirm": "other"}, page=link
            )
            assert mismatch.status_code == 400 and form_errors(mismatch.text)
            ok = post_form(
                client,
                link,
                {"password": "a new password!", "confirm": "a new password!"},
                page=link,
            )
            assert ok.status_code == 303
            assert client.get(link).status_code == 400  # single use
            login(client, "reset@example.org", "a new password!")
        # The session on the other device died with the password change.
        assert "reset" not in other_device.get("/").text.split("<main")[0]


def test_reset_for_unknown_address_looks_the_same(mail_town):
    with mail_town.client() as client:
        response = post_form(
            client, "/password/reset", {"email": "ghost@example.org"}, page="/password/reset"
        )
    assert response.status_code == 200
    with mail_town.session() as session:
        assert session.scalars(select(OutboxMail)).all() == []


def test_login_is_rate_limited_across_clients(town, resident):
    town.parvis.config.rate_limits["login"] = [3, 300]
    with town.client() as client:
        for _ in range(3):
            post_form(
                client, "/login", {"email": resident.email, "password": "wrong"}, page="/login"
            )
    with town.client() as second_client:  # a new session does not reset the count
        response = post_form(
            second_client,
            "/login",
            {"email": resident.email, "password": "correct horse battery"},
            page="/login",
        )
    assert response.status_code == 429
    assert "Too many attempts" in response.text or "Trop de tentatives" in response.text


def test_profile_update_and_bad_date(client, resident):
    login(client, resident.email)
    bad = post_form(
        client,
        "/account",
        {"display_name": "Rita B", "locale": "en", "area": "", "birth_date": "31/31/2000"},
        page="/account",
    )
    assert bad.status_code == 400 and 'value="Rita B"' in bad.text and form_errors(bad.text)
    ok = post_form(
        client,
        "/account",
        {"display_name": "Rita B", "locale": "en", "area": "", "birth_date": "1990-05-04"},
        page="/account",
    )
    assert ok.status_code == 303
    page = client.get("/account")
    assert 'lang="en"' in page.text and 'value="Rita B"' in page.text


def test_personal_data_export_and_account_deletion(town, client, resident):
    login(client, resident.email)
    export = client.get("/account/export")
    assert export.headers["content-type"].startswith("application/json")
    data = json.loads(export.text)
    assert data["account"]["email"] == resident.email
    wrong = post_form(client, "/account/delete", {"password": "wrong"}, page="/account")
    assert wrong.status_code == 400 and form_errors(wrong.text)
    done = post_form(
        client, "/account/delete", {"password": "correct horse battery"}, page="/account"
    )
    assert done.status_code == 303
    with town.session() as session:
        assert session.get(User, resident.id) is None


def test_account_pages_need_a_login(client):
    for path in ("/account", "/account/export"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_forged_host_header_cannot_redirect_a_reset_link(mail_town, smtp_server):
    """Password-reset poisoning: the link must point at the town's own host."""
    with mail_town.session() as session:
        make_user(session, mail_town.town_id, "victim@example.org")
    with mail_town.client() as client:
        client.headers["host"] = "evil.example"
        post_form(
            client, "/password/reset", {"email": "victim@example.org"}, page="/password/reset"
        )
    send_pending(mail_town.parvis)
    body = smtp_server.wait_for("victim@example.org").body
    assert "evil.example" not in body and "http://testserver/password/reset/" in body


def test_sign_up_honeypot_creates_nothing(town, client):
    response = post_form(
        client,
        "/signup",
        {
            "display_name": "Bot",
            "email": "bot@example.org",
            "password": "long enough pw",
            "website": "http://spam.example",
        },
        page="/signup",
    )
    assert response.status_code == 200
    with town.session() as session:
        assert session.scalar(select(User).where(User.email == "bot@example.org")) is None
        assert session.scalars(select(OutboxMail)).all() == []


def test_one_click_unsubscribe_and_profile_switch(town, client, resident):
    from parvis.accounts.services import unsubscribe_url
    from parvis.models import Follow, Space
    from parvis.spaces.services import followers

    with town.session() as session:
        space = Space(town_id=town.town_id, slug="s", title="S", published=True)
        session.add(space)
        session.flush()
        session.add(Follow(user_id=resident.id, space_id=space.id))
        space_id = space.id
    link = unsubscribe_url(town.parvis.config.secret_key, "http://testserver", resident.id)
    path = link.removeprefix("http://testserver")
    assert client.get(path).status_code == 200  # a confirmation page: GET changes nothing
    with town.session() as session:
        assert [f.email for f in followers(session, session.get(Space, space_id))] == [
            resident.email
        ]
    assert post_form(client, path, {}, page=path).status_code == 200
    with town.session() as session:
        assert followers(session, session.get(Space, space_id)) == []
        assert session.get(User, resident.id).notify_followed is False
    assert client.get("/unsubscribe/forged-token").status_code == 400
    # Turned back on from the profile.
    login(client, resident.email)
    post_form(
        client,
        "/account",
        {"display_name": "Rita", "locale": "fr", "area": "", "notify_followed": "y"},
        page="/account",
    )
    with town.session() as session:
        assert session.get(User, resident.id).notify_followed is True
