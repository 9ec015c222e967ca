"""Personal data (export; erasure anonymises applications without deleting them), the demo
town's volunteering content, statistics and their CSV, and the page in French."""

from __future__ import annotations

import json

from sqlalchemy import func, select
from volunteering_helpers import association, mission, user

from parvis.testing import load_demo_town, login, post_form
from parvis_volunteering import profiles
from parvis_volunteering.models import Application, Message, Profile


def _applied(town):
    owner = user(town, "owner@example.org")
    vol = user(town, "vol@example.org")
    association_id = association(town, owner)
    mission_id, slot_id = mission(town, association_id)
    with town.session() as session:
        from parvis.api import User

        profiles.save(
            session,
            town.town_id,
            session.get(User, vol),
            profiles.ProfileData(
                ["gardening"], ["environment"], [(5, 0)], None, "06 11 22 33 44", True, True
            ),
        )
        application = Application(
            town_id=town.town_id,
            mission_id=mission_id,
            slot_id=slot_id,
            user_id=vol,
            message="I am Vera, call me",
            status="accepted",
            attended=True,
            hours=3,
        )
        session.add(application)
        session.flush()
        session.add(
            Message(application_id=application.id, author_id=vol, body="My address is 3 rue X")
        )
        session.add(
            Message(
                application_id=application.id, author_id=owner, from_manager=True, body="See you"
            )
        )
    return vol


def test_export_and_erase(town, client):
    _applied(town)
    login(client, "vol@example.org")
    data = json.loads(client.get("/account/export").text)["volunteering"]
    assert data["profile"]["phone"] == "06 11 22 33 44"
    assert data["applications"][0]["message"] == "I am Vera, call me"
    assert data["messages_written"][0]["body"] == "My address is 3 rue X"
    response = post_form(
        client, "/account/delete", {"password": "correct horse battery"}, page="/account"
    )
    assert response.status_code == 303
    with town.session() as session:
        application = session.scalar(select(Application))
        assert application is not None, "applications are kept"
        assert (application.user_id, application.message, application.status) == (
            None,
            "",
            "accepted",
        )
        assert float(application.hours) == 3.0
        bodies = sorted(session.scalars(select(Message.body)))
        assert bodies == ["", "See you"]
        assert session.scalar(select(func.count()).select_from(Profile)) == 0


def test_stats_and_csv(town, client):
    _applied(town)
    login(client, town.admin_email, town.admin_password)
    page = client.get("/p/volunteering/staff/stats")
    assert page.status_code == 200
    assert '<svg class="vo-chart" role="img"' in page.text and "Amis du parc" in page.text
    csv = client.get("/p/volunteering/staff/stats.csv").text.splitlines()
    assert csv[0].startswith("dimension,label,missions,places,applications,accepted,fill_rate")
    assert "association,Amis du parc,1,2,1,1,0.500," in csv[1]


def test_csv_cells_cannot_run_as_formulas(town, client):
    owner = user(town, "owner@example.org")
    association(town, owner, name='=HYPERLINK("x")')
    login(client, town.admin_email, town.admin_password)
    assert "'=HYPERLINK" in client.get("/p/volunteering/staff/stats.csv").text


def test_demo_has_volunteering_in_every_state(make_town):
    demo = load_demo_town(make_town())
    with demo.session() as session:
        states = set(session.scalars(select(Application.status)))
        assert {"pending", "accepted", "refused", "waitlisted", "withdrawn"} <= states
    with demo.client() as client:
        page = client.get("/p/volunteering/", headers={"accept-language": "fr"})
        assert page.status_code == 200
        assert "Distribution de colis du samedi" in page.text and "Bénévolat" in page.text
