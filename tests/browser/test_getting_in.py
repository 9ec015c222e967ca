"""Getting residents in, in a real browser: a visitor on the open survey sees its questions and
"Create an account to take part"; after sign-up (accepting the privacy policy), the e-mailed
confirmation link and log-in, they are back on the survey."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from .checks import PHONE, SIZES, check_page, goto

pytestmark = pytest.mark.browser


def _survey_path(live: Any) -> str:
    from parvis.models import Module, Space

    with live.parvis.db.session() as session:
        slug, module_id = session.execute(
            select(Space.slug, Module.id)
            .join(Module, Module.space_id == Space.id)
            .where(Module.type == "survey", Module.phase == "open")
        ).first()
    return f"/s/{slug}/survey/{module_id}/"


def _publish_privacy_policy(live: Any) -> None:
    from parvis.models import Town

    with live.parvis.db.session() as session:
        for town in session.scalars(select(Town)):
            legal = {"privacy": "La commune conserve votre adresse e-mail.", "version": 1}
            town.settings = {**(town.settings or {}), "_legal": legal}


def _confirmation_path(live: Any, email: str) -> str:
    from parvis.models import OutboxMail

    with live.parvis.db.session() as session:
        body = session.scalar(
            select(OutboxMail.body)
            .where(OutboxMail.to_address == email)
            .order_by(OutboxMail.id.desc())
        )
    return re.search(r"https?://[^/\s]+(/confirm/\S+)", body).group(1)


def test_back_on_the_survey_after_sign_up(new_page: Any, live: Any) -> None:
    _publish_privacy_policy(live)
    survey = _survey_path(live)
    page = new_page(PHONE)
    goto(page, survey)
    main = page.locator("main")
    # What the survey asks is there to read, fields disabled, with the way in.
    assert main.locator("fieldset legend").count() > 0
    assert main.locator("input:disabled").count() > 0
    check_page(page, "survey-visitor")
    with page.expect_navigation():
        main.locator(".join a.button").click()
    assert "/signup" in page.url
    check_page(page, "signup-with-privacy")
    page.fill("#display_name", "Nadia")
    page.fill("#email", "nadia@example.org")
    page.fill("#password", "a long enough password")
    page.check("#accept_terms")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "nadia@example.org" in page.locator("main").inner_text(), page.locator(
        "main"
    ).inner_text()
    goto(page, _confirmation_path(live, "nadia@example.org"))
    assert "/login" in page.url
    page.fill("#email", "nadia@example.org")
    page.fill("#password", "a long enough password")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url.endswith(survey), page.url
    assert page.locator("main form.survey-form button[type=submit]").count() > 0


@pytest.mark.parametrize("size", SIZES)
def test_legal_pages_from_the_footer(new_page: Any, live: Any, size: Any) -> None:
    _publish_privacy_policy(live)
    page = new_page(size)
    goto(page, "/")
    with page.expect_navigation():
        page.locator("footer a[href='/privacy']").click()
    assert "conserve votre adresse" in page.locator("main").inner_text()
    check_page(page, "privacy")
    goto(page, "/legal")
    check_page(page, "legal-notice")
