"""Issue 12 in a real browser: guardrails on results, confirmations that say what residents will
see, at phone and desktop sizes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from .checks import ADMIN, SIZES, check_page, goto, log_in

pytestmark = pytest.mark.browser


def _call(live: Any, phase: str) -> tuple[str, int]:
    """(space slug, module id) of the demo's idea call in ``phase``."""
    from parvis.models import Module, Space

    with live.parvis.db.session() as session:
        slug, module_id = session.execute(
            select(Space.slug, Module.id)
            .join(Module, Module.space_id == Space.id)
            .where(Module.type == "idea_call", Module.phase == phase)
            .order_by(Module.id)
            .limit(1)
        ).one()
    return slug, module_id


@pytest.mark.parametrize("size", SIZES)
def test_counting_during_the_vote_is_refused(new_page: Any, live: Any, size: Any) -> None:
    slug, module_id = _call(live, "vote")
    page = new_page(size)
    log_in(page, *ADMIN)
    results = f"/s/{slug}/idea_call/{module_id}/results"
    goto(page, results)
    with page.expect_navigation():
        page.locator("main form[action$='/count'] button").click()
    notice = page.locator(".notice.error")
    assert notice.count() == 1
    assert "vote n'est pas clos" in notice.inner_text()
    from parvis_council_space.models import CountJob

    with live.parvis.db.session() as session:
        assert session.scalar(select(CountJob).where(CountJob.module_id == module_id)) is None
    check_page(page, "results-count-refused")


@pytest.mark.parametrize("size", SIZES)
def test_moving_a_phase_back_is_confirmed(new_page: Any, live: Any, size: Any) -> None:
    from parvis.models import Module, Space

    slug, module_id = _call(live, "results")
    with live.parvis.db.session() as session:
        space_id = session.scalar(select(Space.id).where(Space.slug == slug))
    page = new_page(size)
    log_in(page, *ADMIN)
    goto(page, f"/admin/spaces/{space_id}")
    form = page.locator(f"form[action$='/modules/{module_id}/phase']")
    form.locator("select").select_option("vote")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert "Ce que verront les habitants" in page.locator("main").inner_text()
    check_page(page, "confirm-phase-back")
    with page.expect_navigation():
        page.locator("main a.button.secondary").click()  # Cancel
    with live.parvis.db.session() as session:
        assert session.get(Module, module_id).phase == "results"
