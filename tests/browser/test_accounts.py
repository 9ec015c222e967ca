"""Sign up, confirm by the e-mail's link, log out, reset the password, log in: real SMTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from .checks import SIZES, check_page, goto, log_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def smtp() -> Iterator[Any]:
    from parvis.testing.helpers import SMTPCapture

    server = SMTPCapture()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def live(live_factory: Any, smtp: Any) -> Any:
    return live_factory(mail_backend="smtp", smtp_host="127.0.0.1", smtp_port=smtp.port)


def _link(live: Any, smtp: Any, to: str, kind: str) -> str:
    from parvis.mail import send_pending

    send_pending(live.parvis)
    mail = smtp.wait_for(to)
    found = re.search(rf"https?://\S+/{kind}/\S+", mail.body)
    assert found, f"no {kind} link in the e-mail: {mail.body}"
    return found.group(0)


@pytest.mark.parametrize("size", SIZES)
def test_sign_up_confirm_log_out_reset_log_in(
    new_page: Any, live: Any, smtp: Any, size: Any
) -> None:
    email = f"nina.{size['width']}@example.org"
    page = new_page(size)
    goto(page, "/")
    page.locator("header a[href='/signup']").click()
    page.wait_for_url("**/signup")
    page.fill("#display_name", f"Nina {size['width']}")
    page.fill("#email", email)
    page.fill("#password", "un mot de passe solide")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert email in page.locator("main").inner_text()
    check_page(page, "signup-check-email")

    # the link in the e-mail confirms the account; logging in is a step of its own (a link
    # sent by someone else must never log the reader into their account)
    goto(page, _link(live, smtp, email, "confirm").replace(live.base_url, ""))
    assert "/login" in page.url
    assert page.locator(".notice.success").count() == 1
    page.fill("#email", email)
    page.fill("#password", "un mot de passe solide")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("header .account-links", has_text=f"Nina {size['width']}").count() == 1

    # log out
    with page.expect_navigation():
        page.locator("header .account-links button[type=submit]").click()
    assert page.locator("header a[href='/login']").count() == 1

    # forgotten password
    goto(page, "/login")
    page.locator("main a[href='/password/reset']").click()
    page.wait_for_url("**/password/reset")
    page.fill("#email", email)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    goto(page, _link(live, smtp, email, "password/reset").replace(live.base_url, ""))
    check_page(page, "password-new")
    page.fill("#password", "un autre mot de passe")
    page.fill("#confirm", "un autre mot de passe")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    # the new password works, the old one does not
    context = page.context
    context.clear_cookies()
    goto(page, "/login")
    page.fill("#email", email)
    page.fill("#password", "un mot de passe solide")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/login" in page.url
    log_in(page, email, "un autre mot de passe")
    assert page.locator("header .account-links", has_text=f"Nina {size['width']}").count() == 1
