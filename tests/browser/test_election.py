"""The election plugin's pages in the browser (axe, 375 px, targets, skip link), and a whole
vote done with the keyboard alone: ballot, confirmation, receipt."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from .checks import SIZES, check_page, goto

pytestmark = pytest.mark.browser

# (role, screenshot name, path, status); {past} and {open} are the demo's two elections.
PAGES = [
    ("visitor", "election", "/s/elections/council_election/{open}/", 200),
    (
        "visitor",
        "election-candidate",
        "/s/elections/council_election/{open}/candidates/{candidate}",
        200,
    ),
    ("visitor", "election-results", "/s/elections/council_election/{past}/results", 200),
    ("resident", "election-resident", "/s/elections/council_election/{open}/", 200),
    ("admin", "election-manage", "/s/elections/council_election/{open}/manage", 200),
    ("admin", "election-review", "/s/elections/council_election/{open}/review", 200),
    ("admin", "election-paper", "/s/elections/council_election/{past}/paper", 200),
]


@pytest.fixture(scope="module")
def ids(live: Any) -> dict[str, Any]:
    from parvis.models import Module
    from parvis_election.models import Candidacy

    with live.parvis.db.session() as session:
        modules = {
            m.slug: m.id
            for m in session.scalars(select(Module).where(Module.type == "council_election"))
        }
        candidate = session.scalar(
            select(Candidacy.id).where(Candidacy.module_id == modules["conseils-2027"]).limit(1)
        )
    return {
        "past": modules["conseils-2025"],
        "open": modules["conseils-2027"],
        "candidate": candidate,
    }


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("role", "name", "path", "status"), PAGES, ids=[p[1] for p in PAGES])
def test_election_page(
    open_page: Any, ids: dict[str, Any], size: Any, role: str, name: str, path: str, status: int
) -> None:
    page = open_page(size, role)
    goto(page, path.format(**ids), status)
    check_page(page, name)


def _tab_to(page: Any, selector: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"{selector} cannot be reached with Tab")


# One resident per size: each can vote once.
VOTERS = [
    pytest.param(SIZES[0].values[0], "camille@demo.parvis.local", id="375"),
    pytest.param(SIZES[1].values[0], "yacine@demo.parvis.local", id="1280"),
]


@pytest.mark.parametrize(("size", "email"), VOTERS)
def test_keyboard_only_vote(
    new_page: Any, live: Any, ids: dict[str, Any], size: Any, email: str
) -> None:
    from parvis_election.models import Ballot, Participation

    page = new_page(size)
    goto(page, "/login")
    _tab_to(page, "#email")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    page.keyboard.type("demo-resident-password")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    ballot = f"/s/elections/council_election/{ids['open']}/vote"
    goto(page, ballot)
    check_page(page, "election-ballot")
    goto(page, ballot)  # a fresh page: focus starts at the top again
    # STV: give preferences 1 and 2 to the first two candidates on the ballot, by keyboard.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # skip link: focus goes to main
    _tab_to(page, "select")
    first = page.evaluate("document.activeElement.id")
    page.keyboard.type("1")
    _tab_to(page, f"select:not(#{first})")
    page.keyboard.type("2")
    _tab_to(page, "button[value=review]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("ol.el-chosen li").count() == 2
    check_page(page, "election-confirm")
    _tab_to(page, "button[value=cast]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/receipt")
    assert page.locator("main .notice.success").count() == 1
    check_page(page, "election-receipt")
    with live.parvis.db.session() as session:
        assert session.scalar(
            select(Participation.id).where(Participation.module_id == ids["open"])
        )
        assert session.scalars(select(Ballot.choices)).all()
