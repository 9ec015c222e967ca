"""The staff's review queue in a real browser: a bulk decision refused with the ticks kept, then
applied; axe and the phone width checked on the queue with its error."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from .checks import ADMIN, SIZES, check_page, goto, log_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", SIZES)
def test_review_queue_bulk_decision(new_page: Any, live: Any, size: Any) -> None:
    from parvis.models import Module, Space
    from parvis_council_space.models import Idea

    with live.parvis.db.session() as session:
        slug, module_id = session.execute(
            select(Space.slug, Module.id)
            .join(Module, Module.space_id == Space.id)
            .where(Module.type == "idea_call", Module.phase == "submission")
            .order_by(Module.id)
            .limit(1)
        ).one()
        session.get(Module, module_id).phase = "review"
        idea = Idea(module_id=module_id, title="Kiosque sans prix", description="d")
        session.add(idea)
        session.flush()
        idea_id = idea.id
    try:
        page = new_page(size)
        log_in(page, *ADMIN)
        goto(page, f"/s/{slug}/idea_call/{module_id}/review")
        page.check(f"#pick-{idea_id}")
        page.check("#action-0")  # feasible: refused, the idea has no cost
        page.fill("#reason", "Réalisable")
        with page.expect_navigation():
            page.locator("#bulk button[type=submit]").click()
        main = page.locator("main")
        assert "Kiosque sans prix" in main.locator(".notice.error").inner_text()
        assert page.is_checked(f"#pick-{idea_id}")
        assert page.input_value("#reason") == "Réalisable"
        check_page(page, "review-queue-error")
        page.check("#action-1")
        with page.expect_navigation():
            page.locator("#bulk button[type=submit]").click()
        with live.parvis.db.session() as session:
            assert session.get(Idea, idea_id).status == "not_feasible"
    finally:
        with live.parvis.db.session() as session:
            session.get(Module, module_id).phase = "submission"
            found = session.get(Idea, idea_id)
            if found is not None:
                session.delete(found)
