"""Volunteering pages in Chromium: every page type as a visitor, a resident, an association's
manager and town staff, at 375 and 1280 px (axe-core clean, no sideways scrolling, keyboard),
and the flow: a resident creates a profile, gets suggestions and applies; the manager accepts;
the volunteer sees it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from .checks import PHONE, SIZES, check_page, goto, log_in

pytestmark = pytest.mark.browser

MANAGER = ("yacine@demo.parvis.local", "demo-resident-password")

PAGES = [
    ("visitor", "vo-index", "/p/volunteering/"),
    ("visitor", "vo-index-filtered", "/p/volunteering/?cause=solidarity&remote=no&places=1"),
    ("visitor", "vo-mission", "/p/volunteering/missions/{mission}"),
    ("visitor", "vo-association", "/p/volunteering/associations/{association}"),
    ("resident", "vo-mission-apply", "/p/volunteering/missions/{mission}"),
    ("resident", "vo-me", "/p/volunteering/me"),
    ("resident", "vo-profile", "/p/volunteering/me/profile"),
    ("resident", "vo-suggestions", "/p/volunteering/me/missions"),
    ("resident", "vo-my-associations", "/p/volunteering/associations/"),
    ("resident", "vo-register", "/p/volunteering/associations/new"),
    ("resident", "vo-application", "/p/volunteering/applications/{camille_application}"),
    ("manager", "vo-manage", "/p/volunteering/associations/{association}/manage"),
    ("manager", "vo-mission-new", "/p/volunteering/associations/{association}/missions/new"),
    ("manager", "vo-mission-edit", "/p/volunteering/missions/{mission}/edit"),
    ("manager", "vo-roster", "/p/volunteering/missions/{mission}/applications"),
    ("manager", "vo-application-manager", "/p/volunteering/applications/{hugo_application}"),
    ("admin", "vo-staff", "/p/volunteering/staff"),
    ("admin", "vo-stats", "/p/volunteering/staff/stats"),
    ("admin", "vo-terms", "/p/volunteering/staff/terms"),
]


@pytest.fixture(scope="module")
def ids(live: Any) -> dict[str, Any]:
    from parvis.models import User
    from parvis_volunteering.models import Application, Association, Mission

    with live.parvis.db.session() as session:
        mission = session.scalar(
            select(Mission).where(Mission.title == "Distribution de colis du samedi")
        )
        camille = session.scalar(select(User.id).where(User.email.like("camille@%")))
        hugo = session.scalar(select(User.id).where(User.email.like("hugo@%")))
        mine = session.scalar(select(Application.id).where(Application.user_id == camille))
        pending = session.scalar(
            select(Application.id).where(
                Application.user_id == hugo, Application.mission_id == mission.id
            )
        )
        association = session.get(Association, mission.association_id)
        return {
            "mission": mission.id,
            "association": association.id,
            "camille_application": mine,
            "hugo_application": pending,
        }


@pytest.fixture(scope="module")
def pages(browser: Any, live: Any, open_page: Any) -> Any:
    contexts: dict[int, Any] = {}

    def factory(size: dict[str, int], role: str) -> Any:
        if role != "manager":
            return open_page(size, role)
        if size["width"] not in contexts:
            state = live.storage_state(browser, *MANAGER)
            context = browser.new_context(
                base_url=live.base_url, viewport=size, storage_state=state, locale="fr-FR"
            )
            context.set_default_timeout(10_000)
            contexts[size["width"]] = context
            context.new_page()
        return contexts[size["width"]].pages[0]

    yield factory
    for context in contexts.values():
        context.close()


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("role", "name", "path"), PAGES, ids=[p[1] for p in PAGES])
def test_volunteering_page(
    pages: Any, ids: dict[str, Any], size: Any, role: str, name: str, path: str
) -> None:
    page = pages(size, role)
    goto(page, path.format(**ids))
    check_page(page, name)


def test_resident_profile_suggestions_apply_manager_accepts(new_page: Any, live: Any) -> None:
    volunteer = new_page(PHONE)
    log_in(volunteer, "nour@demo.parvis.local", "demo-resident-password")
    goto(volunteer, "/p/volunteering/me/profile")
    volunteer.get_by_label("Écoute et compagnie").check()
    volunteer.get_by_label("Solidarité et lutte contre l'isolement").check()
    volunteer.get_by_label("samedi matin").check()
    volunteer.get_by_label("Les associations peuvent m'inviter", exact=False).check()
    with volunteer.expect_navigation():
        volunteer.get_by_role("button", name="Enregistrer mon profil").click()
    assert volunteer.url.endswith("/p/volunteering/me/missions")
    first = volunteer.locator("main ol.cards > li").first
    assert "Distribution de colis du samedi" in first.inner_text()
    assert "samedi matin" in first.inner_text()
    check_page(volunteer, "vo-flow-suggestions")
    # Keyboard only: open the first suggestion and apply.
    first.get_by_role("link").focus()
    with volunteer.expect_navigation():
        volunteer.keyboard.press("Enter")
    volunteer.locator("input[name=slot]").first.check()
    volunteer.get_by_label("Message à l'association").fill("Je peux porter les colis.")
    with volunteer.expect_navigation():
        volunteer.get_by_role("button", name="Envoyer ma candidature").click()
    application_url = volunteer.url
    assert "/p/volunteering/applications/" in application_url
    assert "En attente de réponse" in volunteer.locator("#application-state").inner_text()

    manager = new_page(PHONE)
    log_in(manager, *MANAGER)
    goto(manager, application_url.replace(live.base_url, ""))
    assert "nour@demo.parvis.local" in manager.locator("main").inner_text()
    with manager.expect_navigation():
        manager.get_by_role("button", name="Accepter").click()
    check_page(manager, "vo-flow-accepted-manager")

    volunteer.reload()
    assert "Acceptée" in volunteer.locator("#application-state").inner_text()
    goto(volunteer, "/p/volunteering/me")
    assert "Acceptée" in volunteer.locator("main").inner_text()
    check_page(volunteer, "vo-flow-volunteer-sees")
