"""Two app processes on one database behave as one site: sessions, rate limits, the outbox."""

from __future__ import annotations

from starlette.testclient import TestClient

from parvis.app import create_app
from parvis.mail import queue_mail, send_pending
from parvis.testing import login, post_form


def test_two_apps_share_sessions_rate_limits_and_outbox(town, resident, parvis_config, smtp_server):
    second_app = create_app(parvis_config)  # another process: its own plugin manager and pool
    try:
        with town.client() as first, TestClient(second_app, base_url="http://testserver") as second:
            login(first, resident.email)
            second.cookies.set("parvis_session", first.cookies.get("parvis_session"))
            assert "Rita Resident" in second.get("/account").text
            # Log-in attempts on either process count against the same limit.
            town.parvis.config.rate_limits["login"] = [2, 300]
            second_app.state.parvis.config.rate_limits["login"] = [2, 300]
            bad = {"email": resident.email, "password": "wrong"}
            post_form(first, "/login", bad, page="/login")
            post_form(second, "/login", bad, page="/login")
            assert post_form(first, "/login", bad, page="/login").status_code == 429
        # Mail queued by one process is sent by the other's worker.
        with town.session() as session:
            queue_mail(session, "someone@example.org", "Hello", "Body", town.town_id)
        second_app.state.parvis.config.mail_backend = "smtp"
        second_app.state.parvis.config.smtp_port = smtp_server.port
        assert send_pending(second_app.state.parvis) == 1
        assert smtp_server.wait_for("someone@example.org").subject == "Hello"
        assert send_pending(town.parvis) == 0
    finally:
        second_app.state.parvis.db.dispose()
