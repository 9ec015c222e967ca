"""A town restyles Parvis with a theme folder only: ``themes/ocean`` (Port-Océan) brings its
palette, its logo and a home banner; plugin pages keep working and stay accessible."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from .checks import (
    ADMIN,
    SIZES,
    check_page,
    goto,
    log_in,
    page_problems,
    without_known_issues,
)

pytestmark = pytest.mark.browser

HOST = "port-ocean.localhost"  # Chromium resolves *.localhost to the loopback address
_MODULE = re.compile(r"^/s/[^/]+/[^/]+/\d+/?$")


@pytest.fixture(scope="module")
def ocean(live: Any) -> str:
    """A second town, Port-Océan, on its own host name with the ``ocean`` theme and the demo's
    spaces and plugin content; returns its base URL."""
    from parvis.models import Space
    from parvis.towns import create_town

    parvis = live.parvis
    with parvis.db.session() as session:
        town = create_town(
            session,
            name="Port-Océan",
            slug="port-ocean",
            hosts=[HOST],
            plugins=parvis.plugins,
            admin_email="admin@port-ocean.example",
            admin_password="port-ocean admin password",
        )
        town.theme = "ocean"
        session.add(
            Space(
                town_id=town.id,
                slug="grands-projets",
                title="Grands projets du port",
                summary="Le port de demain, avec vous.",
                description="Réaménagement des quais et **nouvelles navettes**.",
                kind="general",
                published=True,
                position=0,
            )
        )
        session.flush()
        parvis.pm.hook.parvis_demo_data(session=session, town=town)
    return live.base_url.replace("127.0.0.1", HOST)


def test_theme_static_files_are_served(new_page: Any, ocean: str) -> None:
    page = new_page({"width": 1280, "height": 800}, base_url=ocean)
    css = goto(page, "/static/theme/ocean/ocean.css")
    assert "text/css" in css.headers["content-type"]
    assert "--color-primary: #0b5563" in css.text()
    logo = goto(page, "/static/theme/ocean/logo.svg")
    assert "svg" in logo.headers["content-type"]


@pytest.mark.parametrize("size", SIZES)
def test_ocean_town_has_its_logo_banner_and_colours(new_page: Any, ocean: str, size: Any) -> None:
    page = new_page(size, base_url=ocean)
    goto(page, "/")
    assert page.locator("h1").inner_text() == "Port-Océan"
    logo = page.locator("header .brand img")
    assert logo.get_attribute("src") == "/static/theme/ocean/logo.svg"
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0"), "the logo did not load"
    assert page.locator(".ocean-banner", has_text="Port-Océan").is_visible()
    header_bg = page.evaluate(
        "getComputedStyle(document.querySelector('.site-header')).backgroundColor"
    )
    assert header_bg == "rgb(11, 57, 84)", "the theme's CSS is not applied"
    action = page.locator("section[aria-labelledby=open-now] .card-action .button").first
    assert action.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(11, 85, 99)"
    check_page(page, "ocean-home")
    goto(page, "/s/grands-projets")
    assert page.locator(".ocean-banner").count() == 0, "the banner is for the home page only"
    assert page.locator("header .brand img").count() == 1
    check_page(page, "ocean-space")
    goto(page, "/login")
    check_page(page, "ocean-login")


@pytest.mark.parametrize("size", SIZES)
def test_plugin_pages_render_in_the_theme(new_page: Any, ocean: str, size: Any) -> None:
    page = new_page(size, base_url=ocean)
    goto(page, "/s/grands-projets")
    hrefs = page.eval_on_selector_all("main a[href]", "els => els.map(e => e.href)")
    modules = sorted({urlsplit(h).path for h in hrefs if _MODULE.match(urlsplit(h).path)})
    if not modules:
        pytest.skip("no plugin adds modules to the demo's general space yet")
    failures = []
    for path in modules:
        goto(page, path)
        assert page.locator("header .brand img").count() == 1, f"{path} is not themed"
        name = "ocean-" + path.strip("/").replace("/", "-")
        problems = without_known_issues(page_problems(page, name))
        if problems:
            failures.append(f"{path}:\n    " + "\n    ".join(problems))
    assert not failures, "\n  ".join(failures)


def test_admin_switches_the_theme_on(new_page: Any) -> None:
    """The demo town's admin picks the theme in the town settings: no code is touched."""
    page = new_page({"width": 1280, "height": 800})
    log_in(page, *ADMIN)
    goto(page, "/admin/town")
    options = page.locator("#theme option").evaluate_all("os => os.map(o => o.value)")
    assert "ocean" in options
    page.select_option("#theme", "ocean")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("link[href='/static/theme/ocean/ocean.css']").count() == 1
    assert page.locator("header .brand img").count() == 1
    # The theme speaks of the town that chose it, never of another one.
    goto(page, "/")
    banner = page.locator(".ocean-banner").inner_text()
    assert "Brise-sur-Loire" in banner and "Port-Océan" not in page.content()
    check_page(page, "ocean-theme-demo-town")
    goto(page, "/admin/town")
    page.select_option("#theme", "default")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("link[href*='/static/theme/']").count() == 0


@pytest.mark.parametrize("size", SIZES)
def test_admin_brands_the_town_without_a_theme(new_page: Any, tmp_path: Any, size: Any) -> None:
    """Colours and logo from the administration: on every page, refused when unreadable."""
    from PIL import Image

    logo = tmp_path / "logo.png"
    Image.new("RGB", (64, 64), (122, 31, 92)).save(logo)
    page = new_page(size)
    log_in(page, *ADMIN)
    goto(page, "/admin/branding")
    page.fill("#primary", "#ffee00")  # white text on yellow: unreadable
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator("#primary-error").is_visible()
    assert page.input_value("#primary") == "#ffee00", "the value typed is kept"
    page.fill("#primary", "#7a1f5c")
    page.fill("#accent", "#0f766e")
    page.set_input_files("#logo", str(logo))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator(".notice.success").count() == 1
    goto(page, "/")
    top = page.evaluate("getComputedStyle(document.querySelector('.site-header')).borderTopColor")
    assert top == "rgb(122, 31, 92)", "the town's colour is not applied"
    # The home page's primary actions (open now) wear the town's colour too.
    action = page.locator("section[aria-labelledby=open-now] .card-action .button").first
    assert action.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(122, 31, 92)"
    assert page.locator("header .brand img").evaluate("i => i.complete && i.naturalWidth > 0")
    check_page(page, "branded-home")
    goto(page, "/admin/branding")
    page.fill("#primary", "")
    page.fill("#accent", "")
    page.check("#remove_logo")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    goto(page, "/")
    assert page.locator("header .brand img").count() == 0
