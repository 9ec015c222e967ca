"""Applications: answers with reasons, the waiting list and its offers, withdrawal, who may do
what, and contact details only for the managers of an association applied to."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from volunteering_helpers import association, mission, soon, user

from parvis.api import User
from parvis.testing import form_errors, login, post_form, queued_mail
from parvis_volunteering import applications
from parvis_volunteering.models import Application, Mission, Slot


def _apply(client, mission_id: int, slot_id: int, message: str = "") -> str:
    page = f"/p/volunteering/missions/{mission_id}"
    response = post_form(
        client, page + "/apply", {"slot": str(slot_id), "message": message}, page=page
    )
    assert response.status_code == 303, form_errors(response.text)
    return response.headers["location"]


def _status(town, application_url: str) -> str:
    with town.session() as session:
        return session.get(Application, int(application_url.rsplit("/", 1)[1])).status


@pytest.fixture
def setup(town):
    owner = user(town, "owner@example.org")
    association_id = association(town, owner)
    mission_id, slot_id = mission(town, association_id, places=1)
    for name in ("ann", "bob", "cid"):
        user(town, f"{name}@example.org")
    return association_id, mission_id, slot_id


def test_full_slot_waitlists_then_offers_the_freed_place_to_the_first(town, client, setup):
    _association_id, mission_id, slot_id = setup
    login(client, "ann@example.org")
    ann = _apply(client, mission_id, slot_id)
    login(client, "owner@example.org")
    post_form(client, ann + "/accept", {}, page=ann)
    login(client, "bob@example.org")
    bob = _apply(client, mission_id, slot_id)
    assert _status(town, bob) == "waitlisted"  # the only place is taken
    login(client, "cid@example.org")
    cid = _apply(client, mission_id, slot_id)
    # Ann withdraws: Bob, first in line, is offered the place; Cid still waits.
    login(client, "ann@example.org")
    post_form(client, ann + "/withdraw", {}, page=ann)
    assert (_status(town, ann), _status(town, bob), _status(town, cid)) == (
        "withdrawn",
        "offered",
        "waitlisted",
    )
    with town.session() as session:
        assert session.get(Slot, slot_id).taken == 1  # held for Bob
    # Bob declines: the offer moves on to Cid, who takes it.
    login(client, "bob@example.org")
    assert "A place is offered to you" in client.get(bob).text
    post_form(client, bob + "/withdraw", {}, page=bob)
    login(client, "cid@example.org")
    post_form(client, cid + "/confirm", {}, page=cid)
    assert _status(town, cid) == "accepted"
    with town.session() as session:
        assert session.get(Slot, slot_id).taken == 1


def test_accept_when_full_is_refused_with_a_message(town, client, setup):
    _association_id, mission_id, slot_id = setup
    with town.session() as session:
        session.get(Slot, slot_id).places = 2
    login(client, "ann@example.org")
    ann = _apply(client, mission_id, slot_id)
    login(client, "bob@example.org")
    bob = _apply(client, mission_id, slot_id)
    with town.session() as session:
        session.get(Slot, slot_id).places = 1
    login(client, "owner@example.org")
    post_form(client, ann + "/accept", {}, page=ann)
    response = post_form(client, bob + "/accept", {}, page=bob)
    assert "No place is left on this date" in client.get(response.headers["location"]).text
    assert _status(town, bob) == "pending"


def test_refusal_needs_a_reason_that_the_volunteer_reads(town, client, setup):
    _association_id, mission_id, slot_id = setup
    login(client, "ann@example.org")
    ann = _apply(client, mission_id, slot_id)
    login(client, "owner@example.org")
    response = post_form(client, ann + "/refuse", {"reason": ""}, page=ann)
    assert response.status_code == 400 and form_errors(response.text)
    post_form(client, ann + "/refuse", {"reason": "We need drivers only."}, page=ann)
    login(client, "ann@example.org")
    page = client.get(ann).text
    assert "Not taken" in page and "We need drivers only." in page
    # Refused: applying again to the same date is not possible.
    mission_page = f"/p/volunteering/missions/{mission_id}"
    response = post_form(client, mission_page + "/apply", {"slot": str(slot_id)}, page=mission_page)
    assert response.status_code == 400
    assert "already answered no" in " ".join(form_errors(response.text))


def test_who_may_answer_what(town, client, setup):
    association_id, mission_id, slot_id = setup
    other_owner = user(town, "other@example.org")
    association(town, other_owner, name="Other")
    login(client, "ann@example.org")
    ann = _apply(client, mission_id, slot_id, "Call me")
    # Another association's manager: the application does not exist for them.
    login(client, "other@example.org")
    assert client.get(ann).status_code == 404
    response = post_form(client, ann + "/accept", {}, page="/p/volunteering/")
    assert response.status_code == 404
    assert client.get(f"/p/volunteering/associations/{association_id}/manage").status_code == 403
    assert client.get(f"/p/volunteering/missions/{mission_id}/applications").status_code == 403
    # Another resident cannot read it either; the volunteer cannot accept themselves.
    login(client, "bob@example.org")
    assert client.get(ann).status_code == 404
    login(client, "ann@example.org")
    assert post_form(client, ann + "/accept", {}, page=ann).status_code == 403
    assert _status(town, ann) == "pending"
    # Anonymous.
    client.cookies.clear()
    assert client.get(ann, follow_redirects=False).status_code == 303
    # Forged id.
    login(client, "owner@example.org")
    assert client.get("/p/volunteering/applications/999999").status_code == 404


def test_contact_details_only_for_managers_of_an_association_applied_to(town, client, setup):
    _association_id, mission_id, slot_id = setup
    login(client, "ann@example.org")
    ann = _apply(client, mission_id, slot_id)
    login(client, "owner@example.org")
    assert "ann@example.org" in client.get(ann).text
    roster = client.get(f"/p/volunteering/missions/{mission_id}/applications").text
    assert "Ann" in roster and "ann@example.org" not in roster


def test_other_town_cannot_see_or_apply(town, make_town, setup):
    _association_id, mission_id, slot_id = setup
    other = make_town("other.example")
    with other.session() as session:
        from parvis.testing import make_user

        make_user(session, other.town_id, "ann@example.org", locale="en")
    with other.client() as client:
        login(client, "ann@example.org")
        assert client.get(f"/p/volunteering/missions/{mission_id}").status_code == 404
        response = client.post(
            f"/p/volunteering/missions/{mission_id}/apply", data={"slot": str(slot_id)}
        )
        assert response.status_code in (403, 404)
    with town.session() as session:
        assert session.scalar(select(Application.id)) is None


def test_minimum_age_uses_the_birth_date(town, client):
    owner = user(town, "owner@example.org")
    association_id = association(town, owner)
    mission_id, slot_id = mission(town, association_id, min_age=18, day=soon(10))
    user(
        town,
        "kid@example.org",
        birth_date=soon(10).replace(year=soon(10).year - 18) + dt.timedelta(days=1),
    )
    user(town, "adult@example.org", birth_date=soon(10).replace(year=soon(10).year - 18))
    user(town, "unknown@example.org")
    page = f"/p/volunteering/missions/{mission_id}"
    login(client, "kid@example.org")
    response = post_form(client, page + "/apply", {"slot": str(slot_id)}, page=page)
    assert "aged 18 or more" in " ".join(form_errors(response.text))
    login(client, "unknown@example.org")
    response = post_form(client, page + "/apply", {"slot": str(slot_id)}, page=page)
    assert "add your birth date" in " ".join(form_errors(response.text))
    login(client, "adult@example.org")  # 18 on the day of the slot
    assert post_form(client, page + "/apply", {"slot": str(slot_id)}, page=page).status_code == 303


def test_closing_a_mission_cancels_and_tells_volunteers(town, client, setup):
    _association_id, mission_id, slot_id = setup
    login(client, "ann@example.org")
    ann = _apply(client, mission_id, slot_id)
    login(client, "owner@example.org")
    post_form(client, ann + "/accept", {}, page=ann)
    edit = f"/p/volunteering/missions/{mission_id}/edit"
    assert (
        post_form(client, f"/p/volunteering/missions/{mission_id}/close", {}, page=edit).status_code
        == 303
    )
    assert _status(town, ann) == "cancelled"
    with town.session() as session:
        assert session.get(Slot, slot_id).taken == 0
        assert session.get(Mission, mission_id).status == "closed"
    subjects = [m.subject for m in queued_mail(town, "ann@example.org")]
    assert any("Mission cancelled" in s for s in subjects)


@pytest.mark.postgres_only
def test_one_place_and_fifty_concurrent_accepts_accept_exactly_one(town):
    """50 threads, each a manager accepting a different pending application to a slot with one
    place left, at the same moment: exactly one is accepted."""
    import threading

    owner = user(town, "owner@example.org")
    association_id = association(town, owner)
    mission_id, slot_id = mission(town, association_id, places=50)
    with town.session() as session:
        ids = []
        for n in range(50):
            volunteer = User(
                town_id=town.town_id,
                email=f"v{n}@example.org",
                password_hash="x",
                display_name=f"V{n}",
            )
            session.add(volunteer)
            session.flush()
            application = Application(
                town_id=town.town_id, mission_id=mission_id, slot_id=slot_id, user_id=volunteer.id
            )
            session.add(application)
            session.flush()
            ids.append(application.id)
        slot = session.get(Slot, slot_id)
        slot.places, slot.taken = 50, 49  # one place left
    barrier = threading.Barrier(50)
    results: list[str] = []

    def attempt(application_id: int) -> None:
        barrier.wait()
        try:
            with town.session() as session:
                applications.accept(session, session.get(Application, application_id))
            results.append("accepted")
        except applications.Refused:
            results.append("refused")

    threads = [threading.Thread(target=attempt, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(results)) == ["accepted", "refused"] and results.count("accepted") == 1
    with town.session() as session:
        assert session.get(Slot, slot_id).taken == 50
        accepted = session.scalars(
            select(Application).where(Application.status == "accepted")
        ).all()
        assert len(accepted) == 1


def test_minimum_age_prefers_the_verified_birth_date(town, client):
    from parvis.testing import verify

    owner = user(town, "owner@example.org")
    association_id = association(town, owner)
    mission_id, slot_id = mission(town, association_id, min_age=18)
    # Declared 30 years old, verified 16: the verified date counts.
    teen = user(town, "teen@example.org", birth_date=dt.date(1990, 1, 1))
    with town.session() as session:
        verify(session, session.get(User, teen), birth_date=soon().replace(year=soon().year - 16))
    page = f"/p/volunteering/missions/{mission_id}"
    login(client, "teen@example.org")
    response = post_form(client, page + "/apply", {"slot": str(slot_id)}, page=page)
    assert "aged 18 or more" in " ".join(form_errors(response.text))
