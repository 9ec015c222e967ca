"""How many taps the key tasks take from the home page on a phone (375 px), signed in as a
resident: answer the open survey, vote in the open budget, find one's council's results.

Each figure is a budget: a change that makes a task longer fails here, so it cannot grow
unnoticed. A tap is a click on a link or a button, or a choice in a form (a radio button, a
project added to the ballot); typing is not counted (there is nothing to type in these tasks).
If a task gets shorter, lower its budget.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from .checks import PHONE, check_page, goto, log_in

pytestmark = pytest.mark.browser

BUDGETS = {
    "answer the open survey": 4,
    "vote in the open budget": 4,
    "find my council's results": 1,
}


class Taps:
    """Drives the page, counting every tap."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.taps: list[str] = []

    def tap(self, locator: Any, what: str, *, navigates: bool = True) -> None:
        assert locator.count() >= 1, f"nothing to tap for: {what}"
        if navigates:
            with self.page.expect_navigation():
                locator.first.click()
        else:
            locator.first.click()
        self.taps.append(what)

    def check(self, task: str) -> None:
        print(f"{task}: {len(self.taps)} taps ({'; '.join(self.taps)})")
        assert len(self.taps) <= BUDGETS[task], (
            f"'{task}' now takes {len(self.taps)} taps from the home page at 375 px "
            f"(budget {BUDGETS[task]}): {self.taps}"
        )


def _resident(live: Any, email: str, area_id: int | None = None) -> tuple[str, str]:
    from parvis.models import Town
    from parvis.testing import DEFAULT_PASSWORD, make_user

    with live.parvis.db.session() as session:
        town = session.scalar(select(Town).order_by(Town.id))
        make_user(session, town, email, area_id=area_id, verified=True, area=area_id)
    return email, DEFAULT_PASSWORD


def _open_card(page: Any, section: str, title: str) -> Any:
    return page.locator(f"section[aria-labelledby={section}] .card", has_text=title)


def test_answer_the_open_survey(new_page: Any, live: Any) -> None:
    page = new_page(PHONE)
    log_in(page, *_resident(live, "survey-task@example.org"))
    goto(page, "/")
    taps = Taps(page)
    card = _open_card(page, "open-now", "vélodrome")
    taps.tap(card.locator(".card-action a"), "the survey's card action")
    # The required questions only: one choice each.
    for question in page.locator("main .question").all():
        if question.locator(".required").count() == 0:
            continue
        legend = question.locator("legend").inner_text()
        taps.tap(question.locator("input[type=radio]"), f"answer “{legend}”", navigates=False)
    taps.tap(page.locator("main button[value=submit]"), "send my answers")
    assert page.locator(".notice.success").count() == 1, page.locator("main").inner_text()
    check_page(page, "task-survey-answered")
    taps.check("answer the open survey")


def test_vote_in_the_open_budget(new_page: Any, live: Any) -> None:
    from parvis.models import Area

    with live.parvis.db.session() as session:
        area = session.scalar(select(Area.id).order_by(Area.position))
    page = new_page(PHONE)
    log_in(page, *_resident(live, "vote-task@example.org", area))
    goto(page, "/")
    taps = Taps(page)
    card = _open_card(page, "open-now", "Budget participatif 2027")
    taps.tap(card.locator(".card-action a"), "the call's card action")
    taps.tap(page.locator(".ballot-card button.ballot-toggle"), "add a project", navigates=False)
    taps.tap(page.locator("#ballot-total button[value=review]"), "review my ballot")
    taps.tap(page.locator("main form button[value=cast]"), "cast my ballot")
    assert page.url.endswith("/vote/receipt?cast=1"), page.url
    # The receipt itself says the ballot is recorded (no flash message: no session rewrite).
    assert page.locator(".notice.success").count() == 1, page.locator("main").inner_text()
    check_page(page, "task-ballot-receipt")
    taps.check("vote in the open budget")


def test_find_my_councils_results(new_page: Any, live: Any) -> None:
    from parvis.models import Module, Space
    from parvis_council_space.models import CountJob

    with live.parvis.db.session() as session:
        council, area, call = session.execute(
            select(Space.title, Space.area_id, Module.id)
            .join(Module, Module.space_id == Space.id)
            .join(CountJob, CountJob.module_id == Module.id)
            .where(CountJob.published_at.is_not(None), Space.kind == "council")
        ).first()
    page = new_page(PHONE)
    log_in(page, *_resident(live, "results-task@example.org", area))
    goto(page, "/")
    taps = Taps(page)
    card = _open_card(page, "results-h", council)
    taps.tap(card.locator(".card-action a"), "the council's results card")
    assert page.url.endswith(f"/idea_call/{call}/results"), page.url
    check_page(page, "task-council-results")
    taps.check("find my council's results")
