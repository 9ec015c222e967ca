"""Every page type, as a visitor, a resident and a town admin, at 375 and 1280 px wide:
axe-core clean for WCAG 2.1 A/AA, one h1 and headings in order, ``lang`` set, no horizontal
scrolling, 44 px targets, a working skip link and a visible focus ring. Screenshots of each are
kept in ``test-artifacts/screenshots``."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from .checks import SIZES, check_page, goto, page_problems, without_known_issues

pytestmark = pytest.mark.browser

# (role, screenshot name, path, expected status)
PAGES = [
    ("visitor", "home", "/", 200),
    ("visitor", "open", "/open", 200),
    ("visitor", "open-filtered", "/open?area={area_id}", 200),
    ("visitor", "open-page-past-the-end", "/open?page=99", 200),
    ("visitor", "spaces", "/spaces", 200),
    ("visitor", "spaces-filtered", "/spaces?area={area_id}&kind=general", 200),
    ("visitor", "space", "/s/grands-projets", 200),
    ("visitor", "signup", "/signup", 200),
    ("visitor", "login", "/login", 200),
    ("visitor", "password-reset", "/password/reset", 200),
    ("visitor", "accessibility", "/accessibility", 200),
    ("visitor", "not-found", "/s/no-such-space", 404),
    ("resident", "resident-home", "/", 200),
    ("resident", "resident-space", "/s/grands-projets", 200),
    ("resident", "account", "/account", 200),
    ("admin", "admin-space", "/s/grands-projets", 200),
    ("admin", "admin-dashboard", "/admin", 200),
    ("admin", "admin-space-new", "/admin/spaces/new", 200),
    ("admin", "admin-space-edit", "/admin/spaces/{space_id}", 200),
    ("admin", "admin-areas", "/admin/areas", 200),
    ("admin", "admin-roles", "/admin/roles", 200),
    ("admin", "admin-permissions", "/admin/permissions", 200),
    ("admin", "admin-town", "/admin/town", 200),
    ("admin", "admin-audit", "/admin/audit", 200),
    ("admin", "admin-jobs", "/admin/jobs", 200),
    ("admin", "admin-account", "/account", 200),
    ("admin", "admin-plugin-settings", "/admin/plugin-settings", 200),
    ("admin", "council-manage", "/p/council_space/{council}/manage", 200),
    ("admin", "idea-call-moderation", "/s/{council}/idea_call/{call_id}/moderation", 200),
    ("admin", "idea-call-settings", "/s/{council}/idea_call/{call_id}/settings", 200),
    ("visitor", "unsubscribe", "/unsubscribe/{unsubscribe_token}", 200),
]


@pytest.fixture(scope="module")
def ids(live: Any) -> dict[str, Any]:
    from parvis.accounts.services import unsubscribe_url
    from parvis.models import Area, Job, Module, Space, User

    with live.parvis.db.session() as session:
        space = session.scalar(select(Space).where(Space.slug == "grands-projets"))
        area = session.scalar(select(Area).order_by(Area.position))
        call, council = session.execute(
            select(Module, Space)
            .join(Space, Space.id == Module.space_id)
            .where(Module.type == "idea_call", Space.kind == "council")
            .order_by(Module.id)
            .limit(1)
        ).one()
        resident = session.scalar(select(User).where(User.email.like("camille@%")))
        link = unsubscribe_url(live.parvis.config.secret_key, "", resident.id)
        # A failed mail, so that /admin/jobs lists one (with its "try again" button).
        session.add(
            Job(
                name="core.mail",
                town_id=space.town_id,
                status="failed",
                attempts=5,
                finished_at=dt.datetime.now(dt.UTC),
                last_error="550 5.1.1 <camille@example.org>: Recipient address rejected",
            )
        )
        return {
            "space_id": space.id,
            "area_id": area.id,
            "council": council.slug,
            "call_id": call.id,
            "unsubscribe_token": link.rsplit("/", 1)[1],
        }


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("role", "name", "path", "status"), PAGES, ids=[p[1] for p in PAGES])
def test_page(
    open_page: Any, ids: dict[str, Any], size: Any, role: str, name: str, path: str, status: int
) -> None:
    page = open_page(size, role)
    goto(page, path.format(**ids), status)
    check_page(page, name)


@pytest.mark.parametrize("size", SIZES)
def test_signup_errors_are_tied_to_fields_and_announced(open_page: Any, size: Any) -> None:
    page = open_page(size, "visitor")
    goto(page, "/signup")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("main form button[type=submit]").click()
    assert posted.value.status == 400
    page.wait_for_load_state()
    summary = page.locator("#error-summary")
    assert summary.get_attribute("role") == "alert"
    errors = page.locator("main p.error").all()
    assert len(errors) >= 3, "display name, e-mail and password are required"
    for error in errors:
        error_id = error.get_attribute("id")
        field = page.locator(f"[aria-describedby~='{error_id}']")
        assert field.count() == 1, f"error {error_id} is tied to no field"
        assert field.get_attribute("aria-invalid") == "true"
        # the summary links to the field
        field_id = field.get_attribute("id")
        assert summary.locator(f"a[href='#{field_id}']").count() == 1
    check_page(page, "signup-errors")


_MODULE = re.compile(r"^/s/([^/]+)/([^/]+)/(\d+)(/.*)?$")


def discover_module_pages(page: Any) -> list[str]:
    """Module pages reachable from the spaces list: each module index and the GET pages one
    click away inside the same module (at most four per module)."""
    goto(page, "/spaces")
    spaces = {
        urlsplit(h).path
        for h in page.eval_on_selector_all(
            "main .card :is(h2, h3) a", "els => els.map(e => e.href)"
        )
    }
    spaces.add("/s/grands-projets")
    found: list[str] = []
    for space in sorted(spaces):
        goto(page, space)
        hrefs = page.eval_on_selector_all("main a[href]", "els => els.map(e => e.href)")
        for href in hrefs:
            path = urlsplit(href).path.rstrip("/") or "/"
            if _MODULE.match(path) and path not in found:
                found.append(path)
    for index in list(found):
        m = _MODULE.match(index)
        assert m
        if m.group(4):
            continue
        goto(page, index)
        inner = []
        hrefs = page.eval_on_selector_all("main a[href]", "els => els.map(e => e.href)")
        for href in hrefs:
            parts = urlsplit(href)
            path = parts.path.rstrip("/")
            if (
                path.startswith(index + "/")
                and path not in found
                and path not in inner
                and not re.search(r"(export|download|\.csv|\.json|\.pdf)", path)
            ):
                inner.append(path)
        found.extend(inner[:4])
    return found


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("role", ["visitor", "resident", "admin"])
def test_plugin_pages(open_page: Any, size: Any, role: str) -> None:
    """Whatever module pages the enabled plugins offer in the demo town."""
    page = open_page(size, role)
    paths = discover_module_pages(page)
    if not paths:
        pytest.skip("no plugin module page in the demo town yet")
    failures = []
    for path in paths:
        m = _MODULE.match(path)
        assert m
        rest = (m.group(4) or "/index").strip("/").replace("/", "-")
        name = f"{role}-{m.group(2)}-{m.group(3)}-{rest}"
        response = page.goto(path)
        assert response is not None
        if response.status != 200:
            failures.append(f"{path}: HTTP {response.status}")
            continue
        problems = without_known_issues(page_problems(page, name))
        if problems:
            failures.append(f"{path} ({name}):\n    " + "\n    ".join(problems))
    assert not failures, f"plugin pages as {role} at {size['width']}px:\n  " + "\n  ".join(failures)
