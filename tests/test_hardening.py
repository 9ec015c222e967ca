"""Regressions for what a security review found: each test failed before its fix."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from parvis.mail import queue_mail, send_pending
from parvis.models import OutboxMail, Town
from parvis.spaces.services import InvalidImage, store_image
from parvis.testing import login, make_user, post_form


def test_image_declaring_a_huge_canvas_is_refused_before_decoding(town):
    bomb = io.BytesIO()
    Image.new("1", (12000, 12000)).save(bomb, format="PNG")  # 17 KB on disk, 144 Mpx in memory
    assert len(bomb.getvalue()) < 100_000
    with town.session() as session:
        try:
            store_image(session, session.get(Town, town.town_id), bomb.getvalue(), "bomb.png")
        except InvalidImage as exc:
            assert "too large" in str(exc)
        else:
            raise AssertionError("the decompression bomb was accepted")


def test_a_malformed_mail_never_blocks_the_queue(town, smtp_server):
    town.parvis.config.mail_backend = "smtp"
    town.parvis.config.smtp_port = smtp_server.port
    with town.session() as session:
        queue_mail(session, "a@example.org", "Survey\nBcc: x@evil.example", "Body", town.town_id)
        queue_mail(session, "bad\n@example.org", "Broken", "Body", town.town_id)
        queue_mail(session, "b@example.org", "After", "Body", town.town_id)
    assert send_pending(town.parvis) == 2
    assert smtp_server.wait_for("a@example.org").subject == "Survey Bcc: x@evil.example"
    assert smtp_server.wait_for("b@example.org").subject == "After"
    with town.session() as session:
        broken = session.scalar(select(OutboxMail).where(OutboxMail.subject == "Broken"))
        assert broken.sent_at is None and broken.attempts == 1 and broken.last_error


def test_confirmation_link_logs_in_only_once(town):
    from parvis.accounts import tokens

    with town.session() as session:
        user = make_user(session, town.town_id, "new@example.org", confirmed=False)
        token = tokens.make_token(
            town.parvis.config.secret_key, "confirm", {"u": user.id, "e": user.email}
        )
    with town.client() as first:
        assert first.get(f"/confirm/{token}", follow_redirects=False).headers["location"] == "/"
    with town.client() as later:
        again = later.get(f"/confirm/{token}", follow_redirects=False)
        assert again.headers["location"] == "/login"
        assert later.get("/account", follow_redirects=False).status_code == 303  # not logged in


def test_a_deleted_account_id_is_never_given_to_the_next_sign_up(town, client):
    with town.session() as session:
        gone = make_user(session, town.town_id, "gone@example.org")
    login(client, "gone@example.org")
    stale_cookie = client.cookies.get("parvis_session")
    post_form(client, "/account/delete", {"password": "correct horse battery"}, page="/account")
    with town.session() as session:
        newcomer = make_user(session, town.town_id, "newcomer@example.org")
    assert newcomer.id != gone.id
    with town.client() as stale:
        stale.cookies.set("parvis_session", stale_cookie)
        assert "newcomer@example.org" not in stale.get("/account").text


def test_unicode_digits_in_query_strings_are_ignored(client):
    assert client.get("/spaces?area=%C2%B2").status_code == 200
    assert client.get("/spaces?area=" + "9" * 5000).status_code == 200


def test_subjects_quoting_titles_with_line_breaks_are_folded(town):
    with town.session() as session:
        queue_mail(session, "x@example.org", "One\r\nTwo\tThree", "b", town.town_id)
        assert session.scalar(select(OutboxMail.subject)) == "One Two Three"


def test_account_deletion_also_removes_the_address_from_outbox_and_rate_limits(town, client):
    from parvis.models import RateLimitHit

    with town.session() as session:
        make_user(session, town.town_id, "leaving@example.org")
    post_form(
        client, "/login", {"email": "leaving@example.org", "password": "wrong"}, page="/login"
    )
    post_form(client, "/password/reset", {"email": "leaving@example.org"}, page="/password/reset")
    login(client, "leaving@example.org")
    post_form(client, "/account/delete", {"password": "correct horse battery"}, page="/account")
    with town.session() as session:
        assert session.scalars(select(OutboxMail.to_address)).all() == []
        keys = session.scalars(select(RateLimitHit.key)).all()
        assert keys and not [k for k in keys if "leaving@example.org" in k]


def test_log_out_everywhere_ends_copied_sessions(town, client, resident):
    login(client, resident.email)
    copied = client.cookies.get("parvis_session")
    assert post_form(client, "/account/logout-everywhere", {}, page="/account").status_code == 303
    with town.client() as thief:
        thief.cookies.set("parvis_session", copied)
        assert thief.get("/account", follow_redirects=False).status_code == 303


def test_huge_ids_in_urls_are_not_found_not_errors(town, client):
    login(client, town.admin_email, town.admin_password)
    assert client.get("/admin/spaces/" + "9" * 30).status_code == 404
    assert client.get("/uploads/" + "9" * 5000).status_code == 404


def test_moving_to_another_neighbourhood_drops_residency_verification(town, client):
    from parvis.models import Area, User
    from parvis.verification.records import verification_of

    with town.session() as session:
        areas = [Area(town_id=town.town_id, slug=f"a{i}", name=f"A{i}") for i in range(2)]
        session.add_all(areas)
        session.flush()
        user = make_user(session, town.town_id, "v@example.org", verified=True, area_id=areas[0].id)
        other = areas[1].id
    login(client, "v@example.org")
    post_form(
        client,
        "/account",
        {"display_name": "V", "locale": "fr", "area": str(other)},
        page="/account",
    )
    with town.session() as session:
        moved = session.get(User, user.id)
        assert moved.area_id == other and verification_of(session, moved) is None
