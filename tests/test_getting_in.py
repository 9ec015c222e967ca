"""Getting residents in: a visitor sees what a survey or call asks with a clear "Create an
account to take part"; after sign-up, confirmation and log-in they come back to the page (local
paths only); the town's privacy policy and legal notice; consent recorded with its version."""

from __future__ import annotations

import re
from urllib.parse import unquote

from sqlalchemy import select

from parvis.models import Consent, User
from parvis.testing import form_errors, login, post_form


def _legal(client, town, privacy="We keep your e-mail address.", **extra):
    login(client, town.admin_email, town.admin_password)
    data = {"privacy": privacy, "notice": "Published by the town hall.", **extra}
    assert post_form(client, "/admin/legal", data, page="/admin/legal").status_code == 303
    client.cookies.clear()


def _signup(client, email, next_path, accept=True):
    page = f"/signup?next={next_path}"
    data = {
        "display_name": "Nadia",
        "email": email,
        "password": "a long enough password",
    }
    if accept:
        data["accept_terms"] = "y"
    return post_form(client, page, data, page=page)


def _confirm_link(town, email):
    from parvis.models import OutboxMail

    with town.session() as session:
        body = session.scalars(
            select(OutboxMail.body).where(OutboxMail.to_address == email).order_by(OutboxMail.id)
        ).all()[-1]
    return re.search(r"(/confirm/\S+)", body).group(1)


def test_a_visitor_sees_the_call_and_an_account_action(town, client, space_with_module):
    call = space_with_module("idea_call", phase="submission")
    post_form(client, "/language", {"locale": "en"})
    html = client.get(call.url).text
    assert "Create an account to take part" in html
    assert f'href="/signup?next={call.url}"' in html


def test_back_to_the_page_after_sign_up_confirmation_and_log_in(town, client, space_with_module):
    call = space_with_module("idea_call", phase="submission")
    _legal(client, town)
    created = _signup(client, "nadia@example.org", call.url)
    assert created.status_code == 200 and "nadia@example.org" in created.text
    confirmed = client.get(_confirm_link(town, "nadia@example.org"), follow_redirects=False)
    assert confirmed.status_code == 303
    assert unquote(confirmed.headers["location"]).endswith("?next=" + call.url)
    page = confirmed.headers["location"]
    logged = post_form(
        client,
        page,
        {"email": "nadia@example.org", "password": "a long enough password"},
        page=page,
    )
    assert logged.status_code == 303 and logged.headers["location"] == call.url
    with town.session() as session:
        user = session.scalar(select(User).where(User.email == "nadia@example.org"))
        assert [
            c.version for c in session.scalars(select(Consent).where(Consent.user_id == user.id))
        ] == [1]


def test_only_local_paths_come_back(town, client):
    for bad in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        _signup(client, f"x{len(bad)}@example.org", bad)
        confirmed = client.get(
            _confirm_link(town, f"x{len(bad)}@example.org"), follow_redirects=False
        )
        assert "evil" not in confirmed.headers["location"]


def test_sign_up_needs_the_privacy_policy_accepted(town, client):
    _legal(client, town)
    post_form(client, "/language", {"locale": "en"})
    refused = _signup(client, "no@example.org", "/", accept=False)
    assert refused.status_code == 400
    assert any("privacy policy" in e for e in form_errors(refused.text))
    assert 'value="no@example.org"' in refused.text
    with town.session() as session:
        assert session.scalar(select(User).where(User.email == "no@example.org")) is None


def test_a_new_version_is_asked_again(town, client, resident):
    _legal(client, town)
    with town.session() as session:
        user = session.get(User, resident.id)
        session.add(Consent(user_id=user.id, version=1))
    login(client, resident.email)
    assert "accept-terms" not in client.get("/").text
    client.cookies.clear()
    _legal(client, town, privacy="We keep your e-mail address and your neighbourhood.")
    login(client, resident.email)
    home = client.get("/").text
    assert 'id="accept-terms"' in home
    post_form(client, "/account/terms?next=/spaces", {}, page="/")
    assert "accept-terms" not in client.get("/").text
    with town.session() as session:
        versions = sorted(
            c.version
            for c in session.scalars(select(Consent).where(Consent.user_id == resident.id))
        )
    assert versions == [1, 2]


def test_a_minor_correction_is_not_asked_again(town, client):
    _legal(client, town)
    _legal(client, town, privacy="We keep your e-mail address!", minor="y")
    with town.session() as session:
        from parvis.models import Town

        assert session.get(Town, town.town_id).settings["_legal"]["version"] == 1


def test_legal_pages_are_linked_from_every_page_and_edited_by_the_town_only(town, client, resident):
    _legal(client, town)
    home = client.get("/").text
    assert 'href="/privacy"' in home and 'href="/legal"' in home
    assert "We keep your e-mail address." in client.get("/privacy").text
    assert "Published by the town hall." in client.get("/legal").text
    assert 'href="/privacy"' in client.get("/signup").text
    login(client, resident.email)
    assert client.get("/admin/legal").status_code == 403
    assert post_form(client, "/admin/legal", {"privacy": "x"}).status_code == 403
