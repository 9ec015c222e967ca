"""The participatory-budget ballot of the demo's open call, in a real browser at phone size:
with JavaScript (choices change in the page), without it (each action is a round trip), and
with the keyboard alone. Each flow ends on the summary, the vote and the receipt."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import delete, select

from .checks import DESKTOP, PHONE, RESIDENT, SIZES, check_page, goto, log_in

pytestmark = pytest.mark.browser


def _call(live: Any) -> tuple[str, int]:
    from parvis.models import Module, Space

    with live.parvis.db.session() as session:
        slug, module_id = session.execute(
            select(Space.slug, Module.id)
            .join(Module, Module.space_id == Space.id)
            .where(Module.type == "idea_call", Module.phase == "vote")
            .order_by(Module.id)
            .limit(1)
        ).one()
    return slug, module_id


def _fresh(live: Any, module_id: int) -> None:
    """The resident has not voted yet in the call."""
    from parvis.models import User
    from parvis_council_space.models import Ballot

    with live.parvis.db.session() as session:
        uid = session.scalar(select(User.id).where(User.email == RESIDENT[0]))
        session.execute(
            delete(Ballot).where(Ballot.module_id == module_id, Ballot.voter_key == f"u:{uid}")
        )


def _cast(live: Any, module_id: int) -> list[str]:
    from parvis.models import User
    from parvis_council_space.models import Ballot, BallotChoice, Idea

    with live.parvis.db.session() as session:
        uid = session.scalar(select(User.id).where(User.email == RESIDENT[0]))
        return sorted(
            session.scalars(
                select(Idea.title)
                .join(BallotChoice, BallotChoice.idea_id == Idea.id)
                .join(Ballot, Ballot.id == BallotChoice.ballot_id)
                .where(Ballot.module_id == module_id, Ballot.voter_key == f"u:{uid}")
            )
        )


def _signed_in(browser: Any, live: Any, size: dict[str, int], javascript: bool = True) -> Any:
    """A resident's page. Without JavaScript, the site's only script (ballot.js) is refused:
    a context with JavaScript turned off would also stop the checks (axe) from running."""
    context = browser.new_context(base_url=live.base_url, viewport=size, locale="fr-FR")
    context.set_default_timeout(10_000)
    if not javascript:
        context.route("**/*.js", lambda route: route.abort())
    page = context.new_page()
    log_in(page, *RESIDENT)
    return page


def _titles(page: Any, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(selector).all_inner_texts()]


def _chosen_titles(page: Any) -> list[str]:
    return sorted(_titles(page, ".ballot-card.is-chosen .card-title"))


@pytest.mark.parametrize("size", SIZES)
def test_ballot_with_javascript(browser: Any, live: Any, size: Any) -> None:
    from playwright.sync_api import expect

    slug, module_id = _call(live)
    _fresh(live, module_id)
    page = _signed_in(browser, live, size)
    vote = f"/s/{slug}/idea_call/{module_id}/vote"
    goto(page, vote)
    check_page(page, "ballot")
    cards = page.locator(".ballot-card")
    assert cards.count() >= 5
    # Four additions (the call's maximum) happen in the page: no navigation, total updated.
    url = page.url
    for n in range(4):
        cards.nth(n).locator("button.ballot-toggle").click()
    assert page.url.split("?")[0] == url.split("#")[0].split("?")[0]
    assert page.locator("[data-field=count]").inner_text() == "4"
    assert "choices=" in page.url and len(_chosen_titles(page)) == 4
    # Announced to screen readers (the live region is filled a moment after the change).
    expect(page.locator("#ballot-live")).to_have_text(re.compile("^Ajouté à votre bulletin"))
    chosen = _chosen_titles(page)
    # The running total stays in view at the bottom of the list.
    cards.last.scroll_into_view_if_needed()
    box = page.locator("#ballot-total").bounding_box()
    assert box is not None and 0 <= box["y"] <= 5
    check_page(page, "ballot-chosen", keyboard=False)
    # A fifth is refused by the server, beside that project, the four kept.
    with page.expect_navigation():
        cards.nth(4).locator("button.ballot-toggle").click()
    fifth = page.locator(".ballot-card").nth(4)
    assert "maximum de ce vote" in fifth.locator(".error").inner_text()
    assert _chosen_titles(page) == chosen
    check_page(page, "ballot-refused", keyboard=False)
    # Removing one happens in the page again.
    page.locator(".ballot-card.is-chosen button.ballot-toggle").first.click()
    assert page.locator("[data-field=count]").inner_text() == "3"
    chosen = _chosen_titles(page)
    # Details open in the page: the choices stay.
    page.locator(".ballot-card details summary").first.click()
    assert page.locator(".ballot-card details[open] .prose").first.is_visible()
    assert _chosen_titles(page) == chosen
    # The summary, then the vote, then the receipt.
    with page.expect_navigation():
        page.locator("#ballot-total button[value=review]").click()
    assert page.locator("h1").inner_text() == "Vérifiez votre bulletin"
    assert sorted(_titles(page, ".ballot-list-name")) == chosen
    check_page(page, "ballot-review")
    assert _cast(live, module_id) == []
    with page.expect_navigation():
        page.locator("main form button[value=cast]").click()
    assert page.url.endswith("/vote/receipt?cast=1")
    assert (
        page.locator("main .notice.success[role=status]")
        .inner_text()
        .startswith("Votre bulletin est enregistré.")
    )
    assert sorted(_titles(page, ".ballot-list-name")) == chosen
    check_page(page, "ballot-receipt")
    assert _cast(live, module_id) == chosen
    page.context.close()


def test_ballot_without_javascript(browser: Any, live: Any) -> None:
    slug, module_id = _call(live)
    _fresh(live, module_id)
    page = _signed_in(browser, live, PHONE, javascript=False)
    vote = f"/s/{slug}/idea_call/{module_id}/vote"
    goto(page, vote)
    assert not page.evaluate("document.documentElement.classList.contains('js')")
    cards = page.locator(".ballot-card")
    for n in (0, 2):
        with page.expect_navigation():
            cards.nth(n).locator("button.ballot-toggle").click()
        assert "choices=" in page.url
    assert page.locator("[data-field=count]").inner_text() == "2"
    chosen = _chosen_titles(page)
    assert len(chosen) == 2
    assert "Pas encore envoyé" in page.locator("#ballot-total").inner_text()
    check_page(page, "ballot-nojs", keyboard=False)
    # A filter keeps the choices (they travel in the filter form).
    page.locator(".cs-filters-fold summary").click()  # folded away until opened
    page.locator("#f-sort").select_option("cost_desc")
    with page.expect_navigation():
        page.locator("#filters button[type=submit]").click()
    assert _chosen_titles(page) == chosen
    # A project page opened from the ballot leads back to it with the choices.
    with page.expect_navigation():
        page.locator(".ballot-card .card-title a").first.click()
    with page.expect_navigation():
        page.locator("main a", has_text="Retour à mon bulletin").click()
    assert _chosen_titles(page) == chosen
    with page.expect_navigation():
        page.locator("#ballot-total button[value=review]").click()
    assert sorted(_titles(page, ".ballot-list-name")) == chosen
    with page.expect_navigation():
        page.locator("main form button[value=cast]").click()
    assert page.url.endswith("/vote/receipt?cast=1")
    assert _cast(live, module_id) == chosen
    page.context.close()


def test_ballot_with_the_keyboard_alone(browser: Any, live: Any) -> None:
    slug, module_id = _call(live)
    _fresh(live, module_id)
    page = _signed_in(browser, live, PHONE)
    goto(page, f"/s/{slug}/idea_call/{module_id}/vote")

    def tab_to(test: str, limit: int = 120) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"(() => {{ const el = document.activeElement; return {test}; }})()"):
                return
        pytest.fail(f"Tab never reaches {test}")

    tab_to("el.matches('button.ballot-toggle')")
    page.keyboard.press("Enter")  # adds, focus stays on the button, which now removes
    assert page.evaluate("document.activeElement.name") == "remove"
    tab_to("el.matches('button.ballot-toggle[name=add]')")
    page.keyboard.press("Space")
    assert page.locator("[data-field=count]").inner_text() == "2"
    chosen = _chosen_titles(page)
    tab_to("el.matches('button[value=review]')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to("el.matches('button[value=cast]')", limit=60)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/vote/receipt?cast=1")
    assert _cast(live, module_id) == chosen
    page.context.close()


def test_enter_in_a_points_field_reviews_the_ballot(browser: Any, live: Any) -> None:
    """The known bug: Enter applied the filters instead of going on to cast."""
    from parvis.models import Module
    from parvis_council_space.config import CallConfig

    slug, module_id = _call(live)
    _fresh(live, module_id)
    with live.parvis.db.session() as session:
        module = session.get(Module, module_id)
        config = CallConfig.of(module)
        saved = config.as_dict()
        config.ballot_rule, config.max_points = "cumulative", 10
        config.save(module)
    try:
        page = _signed_in(browser, live, DESKTOP)
        goto(page, f"/s/{slug}/idea_call/{module_id}/vote")
        first = page.locator(".ballot-card input[name^=points-]").first
        first.fill("3")
        assert page.locator("[data-field=points]").inner_text() == "3"
        with page.expect_navigation():
            first.press("Enter")
        assert page.locator("h1").inner_text() == "Vérifiez votre bulletin"
        assert "3 points" in page.locator(".ballot-list").inner_text()
        page.context.close()
    finally:
        with live.parvis.db.session() as session:
            module = session.get(Module, module_id)
            CallConfig(**saved).save(module)
