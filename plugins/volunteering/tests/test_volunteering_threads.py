"""The message thread of an application (sanitised Markdown, e-mail to the other side with a
link, rate limited) and attendance after a slot, which builds the volunteer's history."""

from __future__ import annotations

import datetime as dt

from volunteering_helpers import association, mission, today, user

from parvis.testing import form_errors, login, post_form, queued_mail
from parvis_volunteering.models import Application, Slot


def _application(town, day=None) -> tuple[int, int, int]:
    owner = user(town, "owner@example.org")
    vol = user(town, "vol@example.org")
    association_id = association(town, owner)
    mission_id, slot_id = mission(town, association_id, day=day)
    with town.session() as session:
        application = Application(
            town_id=town.town_id,
            mission_id=mission_id,
            slot_id=slot_id,
            user_id=vol,
            status="accepted",
        )
        session.add(application)
        session.flush()
        session.get(Slot, slot_id).taken = 1
        return application.id, mission_id, slot_id


def test_messages_are_sanitised_and_notified_once_per_quarter_hour(make_town, smtp_server):
    town = make_town(
        "mail.example", mail_backend="smtp", smtp_port=smtp_server.port, inline_worker=True
    )
    application_id, _m, _s = _application(town)
    url = f"/p/volunteering/applications/{application_id}"
    with town.client() as client:
        client.headers.update({"accept-language": "en"})
        login(client, "vol@example.org")
        body = "**Hello** <script>alert(1)</script>"
        assert post_form(client, url + "/message", {"body": body}, page=url).status_code == 303
        page = client.get(url).text
        assert "<strong>Hello</strong>" in page and "<script>alert" not in page
        mail = smtp_server.wait_for("owner@example.org")
        assert mail.subject.startswith("New message about")
        assert f"http://mail.example{url}" in mail.body
        post_form(client, url + "/message", {"body": "Second"}, page=url)
        assert len(queued_mail(town, "owner@example.org")) == 1  # rate limited: the page has both
        assert "Second" in client.get(url).text
        # The manager's answer reaches the volunteer.
        login(client, "owner@example.org")
        post_form(client, url + "/message", {"body": "See you!"}, page=url)
        assert smtp_server.wait_for("vol@example.org").subject.startswith("New message about")
        response = post_form(client, url + "/message", {"body": ""}, page=url)
        assert response.status_code == 400 and form_errors(response.text)


def test_attendance_builds_the_history(town, client):
    yesterday = today() - dt.timedelta(days=1)
    application_id, mission_id, slot_id = _application(town, day=yesterday)
    roster = f"/p/volunteering/missions/{mission_id}/applications"
    login(client, "vol@example.org")  # not a manager
    assert (
        post_form(
            client,
            f"/p/volunteering/slots/{slot_id}/attendance",
            {"came": str(application_id)},
            page="/p/volunteering/me",
        ).status_code
        == 403
    )
    login(client, "owner@example.org")
    page = client.get(roster).text
    assert "Who came?" in page
    data = {"came": str(application_id), f"hours-{application_id}": "2,5"}
    assert (
        post_form(
            client, f"/p/volunteering/slots/{slot_id}/attendance", data, page=roster
        ).status_code
        == 303
    )
    login(client, "vol@example.org")
    me = client.get("/p/volunteering/me").text
    assert '<p class="stat-value">1</p><p class="stat-label">mission</p>' in me
    assert '<p class="stat-value">2.5</p><p class="stat-label">hours given</p>' in me


def test_attendance_waits_for_the_day(town, client):
    application_id, mission_id, slot_id = _application(town)  # in three days
    login(client, "owner@example.org")
    roster = f"/p/volunteering/missions/{mission_id}/applications"
    response = post_form(
        client,
        f"/p/volunteering/slots/{slot_id}/attendance",
        {"came": str(application_id)},
        page=roster,
    )
    assert response.status_code == 403
    with town.session() as session:
        assert session.get(Application, application_id).attended is None
