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
    # Built by the ``ids`` fixture: an approval ballot, and Camille's own candidacy to withdraw.
    ("resident", "election-ballot-approval", "/s/elections/council_election/{approval}/vote", 200),
    ("resident", "election-withdraw", "/s/elections/council_election/{standing}/withdraw", 200),
    ("resident", "election-own-candidacy", "/s/elections/council_election/{standing}/", 200),
    ("admin", "election-review-withdrawn", "/s/elections/council_election/{standing}/review", 200),
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
        approval, standing = _extra_elections(session, modules["conseils-2027"])
    return {
        "past": modules["conseils-2025"],
        "open": modules["conseils-2027"],
        "candidate": candidate,
        "approval": approval,
        "standing": standing,
    }


def _extra_elections(session: Any, open_id: int) -> tuple[int, int]:
    """An approval election open for voting (3 candidates per neighbourhood, at most 2 choices),
    and one taking candidacies where Camille stands and Léa has withdrawn."""
    from parvis.models import Area, Module, User
    from parvis_election.config import ElectionConfig
    from parvis_election.models import Constituency

    space_id = session.get(Module, open_id).space_id
    people = {u.email.split("@")[0]: u for u in session.scalars(select(User))}
    built = []
    for slug, phase, config in (
        ("approbation", "voting", ElectionConfig(method="block", max_choices=2, min_age=16)),
        ("candidatures", "candidacies", ElectionConfig(method="stv", min_age=16)),
    ):
        module = Module(
            space_id=space_id, type="council_election", slug=slug, title=slug.title(), phase=phase
        )
        session.add(module)
        session.flush()
        ElectionConfig.save(config, module)
        for area in session.scalars(select(Area).where(Area.town_id == people["camille"].town_id)):
            constituency = Constituency(module_id=module.id, area_id=area.id, seats=2)
            session.add(constituency)
            session.flush()
            if phase != "voting":
                for who, status in (("camille", "submitted"), ("lea", "withdrawn")):
                    user = people[who]
                    if user.area_id == area.id:
                        session.add(
                            _candidacy(module, constituency, user.display_name, status, user.id)
                        )
                continue
            for n in range(1, 4):
                session.add(_candidacy(module, constituency, f"{area.name} {n}", "accepted", None))
        built.append(module.id)
    session.commit()
    return built[0], built[1]


def _candidacy(module: Any, constituency: Any, name: str, status: str, user_id: int | None) -> Any:
    from parvis_election.models import Candidacy

    return Candidacy(
        module_id=module.id,
        constituency_id=constituency.id,
        user_id=user_id,
        name=name,
        statement="Des permanences **chaque mois** et des comptes rendus publiés en ligne.",
        status=status,
    )


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


def test_keyboard_only_approval_vote_reads_a_statement_without_losing_choices(
    new_page: Any, live: Any, ids: dict[str, Any]
) -> None:
    """Tick a candidate, open another's statement in place (Enter on its summary), and the tick
    is still there; review and cast, all with the keyboard, at 375 px."""
    from parvis_election.models import Participation

    page = new_page(SIZES[0].values[0])
    goto(page, "/login")
    _tab_to(page, "#email")
    page.keyboard.type("lea@demo.parvis.local")
    page.keyboard.press("Tab")
    page.keyboard.type("demo-resident-password")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    goto(page, f"/s/elections/council_election/{ids['approval']}/vote")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # skip link
    _tab_to(page, "input[type=checkbox]")
    first = page.evaluate("document.activeElement.id")
    page.keyboard.press("Space")
    _tab_to(page, "details:not([open]) > summary")
    page.keyboard.press("Enter")
    assert page.locator("details[open] .prose strong").count() == 1  # the statement, in place
    assert page.locator(f"#{first}").is_checked()
    assert page.url.split("#")[0].endswith("/vote")  # no navigation: nothing lost
    check_page(page, "election-ballot-statement-open", keyboard=False)  # focus is mid-page
    _tab_to(page, "button[value=review]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("ul.el-chosen li").count() == 1
    assert "1 sur 2" in page.locator(".summary-list").inner_text()
    _tab_to(page, "button[value=cast]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/receipt")
    with live.parvis.db.session() as session:
        assert session.scalar(
            select(Participation.id).where(Participation.module_id == ids["approval"])
        )
