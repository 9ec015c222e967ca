"""Matching with hand-made profiles whose order is known (the scoring is documented in
``parvis_volunteering.matching`` and docs/volunteering.md): 3 points per shared skill, 2 for a
cause, 2 for a common time, 2 for the neighbourhood (1 for a remote mission)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from volunteering_helpers import area, association, mission, soon, today, user

from parvis.api import User
from parvis.testing import login
from parvis_volunteering import matching, profiles
from parvis_volunteering.models import Application, Slot


def _saturday() -> dt.date:
    day = today()
    return day + dt.timedelta(days=(5 - day.weekday()) % 7 or 7)


def _profile(town, user_id, skills, causes, times, area_id, contactable=True):
    with town.session() as session:
        person = session.get(User, user_id)
        data = profiles.ProfileData(
            skills, causes, times, area_id, "06 12 34 56 78", True, contactable
        )
        return profiles.save(session, town.town_id, person, data).id


def _world(town):
    centre, port = area(town, "Centre"), area(town, "Port")
    owner = user(town, "owner@example.org")
    assoc = association(town, owner)
    closed_assoc = association(town, owner, name="Suspended", status="suspended")
    saturday = _saturday()
    tuesday = saturday + dt.timedelta(days=3)
    wednesday = saturday + dt.timedelta(days=4)
    best, _ = mission(
        town, assoc, "Best", skills=("gardening", "diy"), area_id=centre, day=saturday
    )
    one_skill, _ = mission(
        town,
        assoc,
        "One skill",
        skills=("gardening",),
        cause="solidarity",
        area_id=port,
        day=tuesday,
        start=dt.time(19),
    )
    remote, _ = mission(
        town,
        assoc,
        "Remote",
        skills=("digital",),
        cause="education",
        remote=True,
        day=wednesday,
        start=dt.time(14),
    )
    mission(town, assoc, "Nothing", skills=("cooking",), cause="sport", area_id=port, day=wednesday)
    full, full_slot = mission(
        town, assoc, "Full", skills=("gardening", "diy"), area_id=centre, day=saturday
    )
    mission(town, closed_assoc, "Hidden", skills=("gardening", "diy"), area_id=centre, day=saturday)
    with town.session() as session:
        slot = session.get(Slot, full_slot)
        slot.taken = slot.places
    return {
        "centre": centre,
        "port": port,
        "best": best,
        "one_skill": one_skill,
        "remote": remote,
        "full": full,
    }


def test_missions_for_you_are_ranked_with_their_reason(town):
    world = _world(town)
    volunteer = user(town, "vol@example.org")
    profile_id = _profile(
        town, volunteer, ["gardening", "diy", "digital"], ["environment"], [(5, 0)], world["centre"]
    )
    with town.session() as session:
        profile = session.get(profiles.Profile, profile_id)
        ranked = matching.missions_for(session, profile, session.get(User, volunteer))
        found = [(item.mission.title, match.score, match.reason()) for item, match in ranked]
    assert found == [
        (
            "Best",
            12,
            "2 of your skills, a cause you care about, Saturday morning, your neighbourhood",
        ),
        ("Remote", 4, "1 of your skills, from home"),
        ("One skill", 3, "1 of your skills"),
    ]


def test_missions_already_applied_to_are_not_suggested(town):
    world = _world(town)
    volunteer = user(town, "vol@example.org")
    profile_id = _profile(town, volunteer, ["gardening", "diy"], [], [], None)
    with town.session() as session:
        slot_id = session.scalar(select(Slot.id).where(Slot.mission_id == world["best"]))
        session.add(
            Application(
                town_id=town.town_id, mission_id=world["best"], slot_id=slot_id, user_id=volunteer
            )
        )
    with town.session() as session:
        ranked = matching.missions_for(
            session, session.get(profiles.Profile, profile_id), session.get(User, volunteer)
        )
        assert [item.mission.title for item, _m in ranked] == ["One skill"]


def test_volunteers_who_may_fit_only_opted_in_best_first(town):
    world = _world(town)
    fits = user(town, "fits@example.org")
    some = user(town, "some@example.org")
    shy = user(town, "shy@example.org")
    applied = user(town, "applied@example.org")
    _profile(town, fits, ["gardening", "diy"], ["environment"], [(5, 0)], world["centre"])
    _profile(town, some, ["gardening"], [], [], world["port"])
    _profile(
        town,
        shy,
        ["gardening", "diy"],
        ["environment"],
        [(5, 0)],
        world["centre"],
        contactable=False,
    )
    _profile(town, applied, ["gardening", "diy"], ["environment"], [(5, 0)], world["centre"])
    with town.session() as session:
        slot_id = session.scalar(select(Slot.id).where(Slot.mission_id == world["best"]))
        session.add(
            Application(
                town_id=town.town_id, mission_id=world["best"], slot_id=slot_id, user_id=applied
            )
        )
    with town.session() as session:
        best = session.get(matching.Mission, world["best"])
        found = [(c.name, c.match.score) for c in matching.volunteers_for(session, best)]
    assert found == [("Fits", 12), ("Some", 3)]


def test_suggestions_page_and_invitation_flow(town, client):
    world = _world(town)
    volunteer = user(town, "vol@example.org")
    _profile(town, volunteer, ["gardening", "diy"], ["environment"], [(5, 0)], world["centre"])
    login(client, "vol@example.org")
    page = client.get("/p/volunteering/me/missions").text
    assert page.index("Best") < page.index("One skill")
    assert "Saturday morning, your neighbourhood" in page
    # The manager invites: no contact detail on the roster, an invitation on the volunteer's page.
    from parvis.testing import post_form

    login(client, "owner@example.org")
    roster_url = f"/p/volunteering/missions/{world['best']}/applications"
    roster = client.get(roster_url).text
    assert "Vol" in roster and "vol@example.org" not in roster and "06 12 34 56 78" not in roster
    with town.session() as session:
        profile_id = session.scalar(
            select(profiles.Profile.id).where(profiles.Profile.user_id == volunteer)
        )
    assert (
        post_form(
            client,
            f"/p/volunteering/missions/{world['best']}/invite",
            {"profile": str(profile_id)},
            page=roster_url,
        ).status_code
        == 303
    )
    login(client, "vol@example.org")
    me = client.get("/p/volunteering/me").text
    assert "Interested" in me and "Best" in me
    assert soon() is not None
