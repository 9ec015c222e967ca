"""The home page on a phone with more open participations than it shows: six cards, the soonest
deadline first, then "See everything open now", which leads to the full list, where a
neighbourhood can be picked, a page at a time; every page passes the page checks (axe-core,
headings, targets)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from .checks import PHONE, check_page, goto

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def many_open(live: Any) -> None:
    """Thirty more open surveys in the demo's first space (two pages of "open now"), the first
    one due tomorrow."""
    from parvis.models import Module, PhaseDates, Space

    with live.parvis.db.session() as session:
        space = session.scalar(select(Space).where(Space.slug == "grands-projets"))
        modules = [
            Module(
                space_id=space.id,
                type="survey",
                slug=f"quick-{i}",
                title=f"Consultation n° {i + 1}",
                phase="open",
                published=True,
                position=100 + i,
            )
            for i in range(30)
        ]
        session.add_all(modules)
        session.flush()
        ends = dt.datetime.now(dt.UTC) + dt.timedelta(days=1, hours=2)
        session.add(PhaseDates(module_id=modules[0].id, phase="open", ends_at=ends))


def test_home_shows_six_then_leads_to_everything_open(open_page: Any, many_open: None) -> None:
    page = open_page(PHONE)
    goto(page, "/")
    cards = page.locator("#open-now ~ ul.cards > li")
    assert cards.count() == 6
    assert "Consultation n° 1" in cards.first.inner_text()  # the soonest deadline first
    check_page(page, "home-more-open")
    page.get_by_role("link", name="Voir tout ce qui est ouvert").click()
    page.wait_for_url("**/open")
    assert page.locator("#open-list ~ ul.cards > li").count() > 6
    check_page(page, "open-more")


def test_open_now_goes_a_page_at_a_time(open_page: Any, many_open: None) -> None:
    from parvis.spaces.open_page import PAGE_SIZE

    page = open_page(PHONE)
    goto(page, "/open")
    pages = page.get_by_role("navigation", name="Pages des participations ouvertes")
    assert pages.locator("[aria-current=page]").inner_text() == "1"
    assert page.locator("#open-list ~ ul.cards > li").count() == PAGE_SIZE
    pages.get_by_role("link", name="Page suivante").click()
    page.wait_for_url("**/open?page=2")
    assert pages.locator("[aria-current=page]").inner_text() == "2"
    check_page(page, "open-page-2")
