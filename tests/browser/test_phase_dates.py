"""Dated phases in a real browser: residents read the deadline, the vote moves on to results by
itself when its end passes; staff set the dates with errors beside the fields."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import pytest
from sqlalchemy import func, select

from .checks import ADMIN, PHONE, RESIDENT, SIZES, check_page, goto, log_in

pytestmark = pytest.mark.browser


def _call(live: Any, phase: str) -> tuple[str, int, int]:
    """(space slug, space id, module id) of the demo's idea call in ``phase``."""
    from parvis.models import Module, Space

    with live.parvis.db.session() as session:
        return session.execute(
            select(Space.slug, Space.id, Module.id)
            .join(Module, Module.space_id == Space.id)
            .where(Module.type == "idea_call", Module.phase == phase)
            .order_by(Module.id)
            .limit(1)
        ).one()


@pytest.mark.parametrize("size", SIZES)
def test_staff_set_the_dates_of_the_phases(new_page: Any, live: Any, size: Any) -> None:
    _slug, space_id, module_id = _call(live, "submission")
    page = new_page(size)
    log_in(page, *ADMIN)
    goto(page, f"/admin/spaces/{space_id}")
    with page.expect_navigation():
        page.locator(f"main a[href$='/modules/{module_id}/dates']").click()
    page.fill("#start_vote", "2031-05-20")
    page.fill("#end_vote", "2031-05-10")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    error = page.locator("#end_vote-error")
    assert "ne peut pas précéder" in error.inner_text()
    assert page.input_value("#start_vote") == "2031-05-20"
    check_page(page, "admin-module-dates-error")
    page.fill("#end_vote", "2031-05-31")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "/admin/spaces/" in page.url
    goto(page, f"/admin/modules/{module_id}/dates")
    assert "20 mai 2031" in page.locator("main .timeline").inner_text()


def test_a_dated_vote_moves_on_to_results_by_itself(new_page: Any, live: Any) -> None:
    from parvis.models import AuditEntry, Module
    from parvis.schedule import set_phase_dates

    slug, _space_id, module_id = _call(live, "vote")
    ends = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=4)
    with live.parvis.db.session() as session:
        set_phase_dates(session, session.get(Module, module_id), "vote", ends_at=ends)
    page = new_page(PHONE)
    # Signed in: an anonymous visitor's pages may be served from cache for up to a minute
    # (``httpcache.py``), so the move would show at the next minute rather than at once.
    log_in(page, *RESIDENT)
    url = f"/s/{slug}/idea_call/{module_id}/"
    goto(page, url)
    main = page.locator("main")
    assert "Vote\u00a0: jusqu'au" in main.locator(".deadline").inner_text()
    assert "dernier jour" in main.locator(".deadline").inner_text()
    current = main.locator(".timeline [aria-current=step]")
    assert "Vote" in current.inner_text()
    check_page(page, "call-dated-vote")
    # Nobody touches anything: the end passes, the next reader finds the results phase.
    time.sleep(max(0.0, (ends - dt.datetime.now(dt.UTC)).total_seconds()) + 0.5)
    goto(page, url)
    assert "Résultats" in current.inner_text()
    assert main.locator(".deadline").count() == 0
    goto(page, f"/s/{slug}")
    with live.parvis.db.session() as session:
        moves = session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "module.phase_auto")
        )
    assert moves == 1
    check_page(page, "space-after-dated-vote")
