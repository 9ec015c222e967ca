"""The first slice end to end through the pages: a resident registers an association, staff
validate it, a manager publishes a mission, a resident finds it in the list, applies, and the
manager accepts."""

from __future__ import annotations

from sqlalchemy import select
from volunteering_helpers import association, mission, soon, user

from parvis.testing import form_errors, login, post_form
from parvis_volunteering.models import Application, Association, Mission


def test_register_validate_publish_apply_accept(town, client):
    user(town, "owner@example.org")
    user(town, "vol@example.org")
    login(client, "owner@example.org")
    page = "/p/volunteering/associations/new"
    response = post_form(
        client,
        page,
        {"name": "Amis du parc", "purpose": "We plant trees.", "causes": ["environment"]},
        page=page,
    )
    assert response.status_code == 303, form_errors(response.text)
    with town.session() as session:
        association_id = session.scalar(select(Association.id))
    # Unvalidated: nobody but its managers and staff sees it.
    client.cookies.clear()
    assert client.get(f"/p/volunteering/associations/{association_id}").status_code == 404
    login(client, town.admin_email, town.admin_password)
    assert "Amis du parc" in client.get("/p/volunteering/staff").text
    response = post_form(
        client,
        f"/p/volunteering/staff/associations/{association_id}/validate",
        {"message": ""},
        page="/p/volunteering/staff",
    )
    assert response.status_code == 303
    client.cookies.clear()
    assert client.get(f"/p/volunteering/associations/{association_id}").status_code == 200

    login(client, "owner@example.org")
    new = f"/p/volunteering/associations/{association_id}/missions/new"
    data = {
        "title": "Plant trees",
        "description": "Bring gloves.",
        "cause": "environment",
        "skills": ["gardening"],
        "remote": "y",
        "kind": "slots",
        "slots-0-date": soon().isoformat(),
        "slots-0-start": "09:00",
        "slots-0-end": "12:00",
        "slots-0-places": "1",
        "min_age": "0",
    }
    response = post_form(client, new, data, page=new)
    assert response.status_code == 303, form_errors(response.text)
    with town.session() as session:
        mission_id = session.scalar(select(Mission.id))

    client.cookies.clear()
    listing = client.get("/p/volunteering/?cause=environment")
    assert "Plant trees" in listing.text
    login(client, "vol@example.org")
    page = f"/p/volunteering/missions/{mission_id}"
    assert "1 place left" in client.get(page).text
    with town.session() as session:
        from parvis_volunteering.models import Slot

        slot_id = session.scalar(select(Slot.id))
    response = post_form(
        client, page + "/apply", {"slot": str(slot_id), "message": "Hello"}, page=page
    )
    assert response.status_code == 303
    application_url = response.headers["location"]
    assert "Waiting for an answer" in client.get(application_url).text

    login(client, "owner@example.org")
    thread = client.get(application_url)
    assert "vol@example.org" in thread.text  # contact details: the volunteer applied here
    response = post_form(client, application_url + "/accept", {}, page=application_url)
    assert response.status_code == 303
    login(client, "vol@example.org")
    assert "Accepted" in client.get(application_url).text
    assert "full: waiting list" in client.get(page).text


def test_mission_form_errors_beside_fields_and_input_kept(town, client):
    owner = user(town, "owner@example.org")
    association_id = association(town, owner)
    login(client, "owner@example.org")
    new = f"/p/volunteering/associations/{association_id}/missions/new"
    data = {
        "title": "Plant trees",
        "description": "Bring gloves.",
        "cause": "environment",
        "skills": ["not-a-skill"],
        "kind": "slots",
        "slots-0-date": soon().isoformat(),
        "slots-0-start": "12:00",
        "slots-0-end": "09:00",
        "slots-0-places": "1",
        "min_age": "0",
    }
    response = post_form(client, new, data, page=new)
    assert response.status_code == 400
    errors = " ".join(form_errors(response.text))
    assert "not a valid choice" in errors  # free tags are refused
    assert 'value="Plant trees"' in response.text
    data["skills"] = ["gardening"]
    response = post_form(client, new, data, page=new)
    errors = " ".join(form_errors(response.text))
    assert "The end must be after the start." in errors
    assert "or tick &#34;remote&#34;" in errors


def test_apply_denials(town, client):
    owner = user(town, "owner@example.org")
    user(town, "vol@example.org")
    validated = association(town, owner)
    pending = association(town, owner, name="Pending", status="pending")
    open_id, open_slot = mission(town, validated)
    hidden_id, hidden_slot = mission(town, pending)
    # Anonymous: sent to the log-in page.
    page = f"/p/volunteering/missions/{open_id}"
    response = client.post(page + "/apply", data={"slot": str(open_slot)}, follow_redirects=False)
    assert response.status_code in (303, 403)
    login(client, "vol@example.org")
    # Unvalidated association: its missions do not exist for residents.
    assert client.get(f"/p/volunteering/missions/{hidden_id}").status_code == 404
    # A slot of another mission (forged id) is not a choice.
    response = post_form(client, page + "/apply", {"slot": str(hidden_slot)}, page=page)
    assert response.status_code == 400
    # Closed mission.
    with town.session() as session:
        session.get(Mission, open_id).status = "closed"
    response = post_form(client, page + "/apply", {"slot": str(open_slot)}, page=page)
    assert response.status_code == 400
    with town.session() as session:
        assert session.scalar(select(Application.id)) is None
