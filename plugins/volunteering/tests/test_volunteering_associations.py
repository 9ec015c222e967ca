"""Associations: staff validation and refusal with a message, suspension that closes missions
and tells volunteers, managers invited by e-mail who can leave, and the owner's hand-over."""

from __future__ import annotations

import re

from sqlalchemy import select
from volunteering_helpers import association, mission, user

from parvis.testing import form_errors, login, post_form, queued_mail
from parvis_volunteering.models import Application, Association, Manager, Mission

STAFF = "/p/volunteering/staff"


def _mails(town, to):
    return [(m.subject, m.body) for m in queued_mail(town, to)]


def test_refusal_needs_a_message_that_managers_read(town, client):
    owner = user(town, "owner@example.org")
    association_id = association(town, owner, status="pending")
    login(client, town.admin_email, town.admin_password)
    url = f"{STAFF}/associations/{association_id}/refuse"
    response = post_form(client, url, {"message": ""}, page=STAFF)
    assert response.status_code == 400
    assert "Say why" in " ".join(form_errors(response.text))
    post_form(client, url, {"message": "Add your registration number."}, page=STAFF)
    ((subject, body),) = _mails(town, "owner@example.org")
    assert subject == "Amis du parc was not validated" and "Add your registration number." in body
    login(client, "owner@example.org")
    manage = client.get(f"/p/volunteering/associations/{association_id}/manage").text
    assert "Add your registration number." in manage
    # Correcting the details sends it back to the queue.
    edit = f"/p/volunteering/associations/{association_id}/edit"
    post_form(
        client,
        edit,
        {"name": "Amis du parc", "purpose": "Trees, no. 123", "causes": ["environment"]},
        page=edit,
    )
    with town.session() as session:
        assert session.get(Association, association_id).status == "pending"


def test_staff_pages_are_for_staff_only(town, client):
    owner = user(town, "owner@example.org")
    association_id = association(town, owner, status="pending")
    login(client, "owner@example.org")
    assert client.get(STAFF).status_code == 403
    assert client.get(STAFF + "/stats").status_code == 403
    assert client.get(STAFF + "/stats.csv").status_code == 403
    response = post_form(
        client, f"{STAFF}/associations/{association_id}/validate", {}, page="/p/volunteering/"
    )
    assert response.status_code == 403
    with town.session() as session:
        assert session.get(Association, association_id).status == "pending"
    client.cookies.clear()
    assert client.get(STAFF, follow_redirects=False).status_code == 303


def test_suspension_closes_missions_and_tells_volunteers(town, client):
    owner = user(town, "owner@example.org")
    vol = user(town, "vol@example.org")
    association_id = association(town, owner)
    mission_id, slot_id = mission(town, association_id)
    with town.session() as session:
        session.add(
            Application(town_id=town.town_id, mission_id=mission_id, slot_id=slot_id, user_id=vol)
        )
    login(client, town.admin_email, town.admin_password)
    url = f"{STAFF}/associations/{association_id}/suspend"
    assert (
        post_form(client, url, {"message": "Complaints received."}, page=STAFF).status_code == 303
    )
    with town.session() as session:
        assert session.get(Mission, mission_id).status == "closed"
        assert session.scalar(select(Application.status)) == "cancelled"
    assert any("Mission cancelled" in s for s, _b in _mails(town, "vol@example.org"))
    assert any("suspended" in s for s, _b in _mails(town, "owner@example.org"))
    client.cookies.clear()
    assert "Plant trees" not in client.get("/p/volunteering/").text
    assert client.get(f"/p/volunteering/associations/{association_id}").status_code == 404
    # A suspended association cannot publish.
    login(client, "owner@example.org")
    assert (
        client.get(f"/p/volunteering/associations/{association_id}/missions/new").status_code == 403
    )


def test_invite_a_manager_who_leaves_and_the_owner_hands_over(town, client):
    owner = user(town, "owner@example.org")
    user(town, "second@example.org")
    association_id = association(town, owner)
    manage = f"/p/volunteering/associations/{association_id}/manage"
    login(client, "owner@example.org")
    post_form(
        client,
        f"/p/volunteering/associations/{association_id}/invite",
        {"email": "second@example.org"},
        page=manage,
    )
    ((_subject, body),) = _mails(town, "second@example.org")
    link = re.search(r"http://testserver(/p/volunteering/invites/\S+)", body).group(1)
    login(client, "second@example.org")
    assert client.get(manage).status_code == 403
    assert post_form(client, link, {}, page=link).status_code == 303
    assert client.get(manage).status_code == 200
    assert post_form(client, link, {}, page=link).status_code == 404  # a link works once
    # The owner cannot leave before handing over; after handing over, they can.
    login(client, "owner@example.org")
    post_form(client, f"/p/volunteering/associations/{association_id}/leave", {}, page=manage)
    with town.session() as session:
        rows = {m.user_id: m.owner for m in session.scalars(select(Manager))}
        second_row = session.scalar(select(Manager.id).where(Manager.user_id != owner))
    assert rows[owner] is True and len(rows) == 2
    post_form(
        client,
        f"/p/volunteering/associations/{association_id}/transfer",
        {"manager": str(second_row)},
        page=manage,
    )
    post_form(client, f"/p/volunteering/associations/{association_id}/leave", {}, page=manage)
    with town.session() as session:
        left = list(session.scalars(select(Manager)))
    assert len(left) == 1 and left[0].owner and left[0].user_id != owner
    assert client.get(manage).status_code == 403


def test_invalid_invitation_link_and_email(town, client):
    owner = user(town, "owner@example.org")
    association_id = association(town, owner)
    manage = f"/p/volunteering/associations/{association_id}/manage"
    login(client, "owner@example.org")
    response = post_form(
        client,
        f"/p/volunteering/associations/{association_id}/invite",
        {"email": "not an address"},
        page=manage,
    )
    assert response.status_code == 400 and 'value="not an address"' in response.text
    assert post_form(client, "/p/volunteering/invites/forged", {}, page=manage).status_code == 404


def test_town_lists_of_causes_and_skills(town, client):
    owner = user(town, "owner@example.org")
    association_id = association(town, owner)
    mission_id, _slot = mission(town, association_id, skills=("gardening",))
    login(client, town.admin_email, town.admin_password)
    terms_url = f"{STAFF}/terms"
    post_form(client, terms_url, {"kind": "skill", "label": "Beekeeping"}, page=terms_url)
    response = post_form(
        client, terms_url, {"kind": "skill", "label": "Beekeeping"}, page=terms_url
    )
    assert response.status_code == 400  # no duplicates
    post_form(client, f"{terms_url}/skill/gardening", {}, page=terms_url)  # retire
    login(client, "owner@example.org")
    form = client.get(f"/p/volunteering/associations/{association_id}/missions/new").text
    assert 'value="beekeeping"' in form and 'value="gardening"' not in form
    # A retired term stays on what uses it, and cannot be chosen any more.
    assert "Gardening" in client.get(f"/p/volunteering/missions/{mission_id}").text
    new = f"/p/volunteering/associations/{association_id}/missions/new"
    response = post_form(
        client,
        new,
        {
            "title": "T",
            "description": "D",
            "cause": "environment",
            "skills": ["gardening"],
            "remote": "y",
            "kind": "recurring",
            "times": ["5-0"],
            "min_age": "0",
        },
        page=new,
    )
    assert response.status_code == 400
