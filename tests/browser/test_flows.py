"""What residents and the town hall do, in a real browser, at phone and desktop sizes."""

from __future__ import annotations

import re
from typing import Any

import pytest

from .checks import ADMIN, RESIDENT, SIZES, check_page, goto, log_in

pytestmark = pytest.mark.browser

_MODULE_LINK = re.compile(r"/s/[^/]+/[^/]+/\d+/?$")


def _module_links(page: Any) -> list[str]:
    hrefs = page.eval_on_selector_all("main a[href]", "els => els.map(e => e.getAttribute('href'))")
    return [h for h in hrefs if _MODULE_LINK.search(h)]


@pytest.mark.parametrize("size", SIZES)
def test_visitor_browses_home_space_and_module(new_page: Any, size: Any) -> None:
    page = new_page(size)
    goto(page, "/")
    page.locator("main .cards a", has_text="Grands projets de la ville").click()
    page.wait_for_url("**/s/grands-projets")
    assert page.locator("h1").inner_text() == "Grands projets de la ville"
    links = _module_links(page)
    if not links:
        pytest.skip("no module in the demo's general space yet")
    title = page.locator(f"main a[href='{links[0]}']").first.inner_text()
    page.locator(f"main a[href='{links[0]}']").first.click()
    page.wait_for_load_state()
    assert page.url.rstrip("/").endswith(links[0].rstrip("/"))
    assert page.locator("h1").count() == 1
    assert title.strip()


@pytest.mark.parametrize("size", SIZES)
def test_keyboard_alone_logs_in(new_page: Any, size: Any) -> None:
    """Tab from the top of the log-in page to the e-mail field, type, tab, type, Enter."""
    page = new_page(size)
    goto(page, "/login")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "email":
            break
    else:
        pytest.fail("the e-mail field cannot be reached with Tab")
    page.keyboard.type(RESIDENT[0])
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(RESIDENT[1])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/login" not in page.url
    assert page.locator("header .account-links", has_text="Camille").count() == 1


@pytest.mark.parametrize("size", SIZES)
def test_wrong_password_error_is_tied_to_the_field(new_page: Any, size: Any) -> None:
    page = new_page(size)
    goto(page, "/login")
    page.fill("#email", RESIDENT[0])
    page.fill("#password", "not the password")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#error-summary[role=alert]").count() == 1
    described = page.get_attribute("#password", "aria-describedby") or ""
    assert "password-error" in described.split()
    assert page.get_attribute("#password", "aria-invalid") == "true"
    assert page.locator("#password-error").inner_text().strip()
    check_page(page, "login-errors")


@pytest.mark.parametrize("size", SIZES)
def test_switch_language(new_page: Any, size: Any) -> None:
    page = new_page(size)
    goto(page, "/")
    assert page.get_attribute("html", "lang") == "fr"
    assert page.locator("header", has_text="Se connecter").count() == 1
    with page.expect_navigation():
        page.get_by_role("link", name="English").click()
    assert page.get_attribute("html", "lang") == "en"
    assert page.locator("header a", has_text="Log in").count() == 1
    assert page.locator(".skip-link").inner_text() == "Skip to content"
    with page.expect_navigation():
        page.get_by_role("link", name="Français").click()
    assert page.get_attribute("html", "lang") == "fr"
    assert page.locator(".skip-link").inner_text() == "Aller au contenu"


@pytest.mark.parametrize("size", SIZES)
def test_admin_creates_a_space_adds_a_module_and_moves_its_phase(new_page: Any, size: Any) -> None:
    page = new_page(size)
    log_in(page, *ADMIN)
    goto(page, "/admin")
    page.get_by_role("link", name=re.compile("Créer un espace|Create a space")).click()
    page.wait_for_url("**/admin/spaces/new")
    title = f"Jardins partagés {size['width']}"
    page.fill("#title", title)
    page.fill("#summary", "Des potagers au pied des immeubles.")
    page.fill("#description", "Proposez un **lieu** pour un jardin partagé.")
    page.check("#published")
    with page.expect_navigation():
        page.locator("main form").first.locator("button[type=submit]").click()
    assert re.search(r"/admin/spaces/\d+$", page.url), page.url
    assert page.locator(".notice.success").count() == 1
    assert page.locator("h1", has_text=title).count() == 1
    # the space is public now
    goto(page, "/spaces")
    assert page.locator("main .card a", has_text=title).count() == 1
    page.go_back()
    add = page.locator("form[action$='/modules']")
    if add.count() == 0:
        pytest.skip("no plugin offering modules is enabled: cannot add one")
    module_type = add.locator("select").first
    options = [o for o in module_type.locator("option").all() if o.get_attribute("value")]
    module_type.select_option(options[0].get_attribute("value"))
    add.locator("input[type=text]").fill("Votre avis")
    with page.expect_navigation():
        add.locator("button[type=submit]").click()
    card = page.locator("main .card", has_text="Votre avis")
    assert card.count() == 1
    phase = card.locator("select")
    values = [o.get_attribute("value") for o in phase.locator("option").all()]
    current = phase.input_value()
    assert current == values[0], "a new module starts in its first phase"
    if len(values) < 2:
        pytest.skip("this module type has a single phase")
    phase.select_option(values[1])
    with page.expect_navigation():
        card.locator("button[type=submit]").click()
    card = page.locator("main .card", has_text="Votre avis")
    assert card.locator("select").input_value() == values[1]
    check_page(page, "admin-space-with-module")


def _fill_form(form: Any) -> None:
    """Fill a plugin's contribution form the way a hurried resident would: first choice of
    every group, first option of every list, a sentence in every text field."""
    seen_groups: set[str] = set()
    picked: dict[int, set[str]] = {}
    for field in form.locator("input:not([type=hidden]), textarea, select").all():
        if not field.is_visible() and field.get_attribute("type") not in ("radio", "checkbox"):
            continue
        tag = field.evaluate("e => e.tagName.toLowerCase()")
        kind = (field.get_attribute("type") or "text").lower()
        name = field.get_attribute("name") or ""
        if tag == "select":
            # selects of one group (a ranking) get different values
            group = field.evaluate(
                "e => { const g = e.closest('fieldset, ul, ol'); "
                "return g ? [...document.querySelectorAll('fieldset, ul, ol')].indexOf(g) : -1; }"
            )
            used = picked.setdefault(group, set())
            values = [
                o.get_attribute("value")
                for o in field.locator("option").all()
                if o.get_attribute("value") and o.get_attribute("value") not in used
            ]
            if values:
                field.select_option(values[0])
                used.add(values[0])
        elif kind in ("radio", "checkbox"):
            if name not in seen_groups:
                seen_groups.add(name)
                field.check(force=True)
        elif kind == "number" or field.get_attribute("inputmode") in ("decimal", "numeric"):
            field.fill("3")
        elif kind == "email":
            field.fill("camille@demo.parvis.local")
        elif kind == "date":
            field.fill("2030-06-01")
        elif kind in ("file", "submit", "button", "image", "reset"):
            continue
        elif tag == "textarea" or kind in ("text", "search", "url", "tel", ""):
            field.fill("Plus d'arbres et de bancs, s'il vous plaît." if kind != "url" else "")


@pytest.mark.parametrize("size", SIZES)
def test_resident_contributes(new_page: Any, live: Any, size: Any) -> None:
    """On the first module page that offers a form to a signed-in resident, send it."""
    page = new_page(size)
    log_in(
        page,
        "yacine@demo.parvis.local" if size["width"] == 375 else "lea@demo.parvis.local",
        RESIDENT[1],
    )
    goto(page, "/spaces")
    spaces = page.eval_on_selector_all(
        "main .card a", "els => els.map(e => e.getAttribute('href'))"
    )
    candidates: list[str] = []
    for space in spaces:
        goto(page, space)
        candidates += [h for h in _module_links(page) if h not in candidates]
    for module in candidates:
        goto(page, module)
        forms = [
            f
            for f in page.locator("main form[method=post], main form[method=POST]").all()
            if f.locator("input:not([type=hidden]), textarea, select").count() > 0
        ]
        if not forms:
            continue
        form = forms[0]
        _fill_form(form)
        with page.expect_response(
            lambda r: r.request.method == "POST" and r.request.resource_type == "document"
        ) as posted:
            form.locator("button[type=submit], input[type=submit]").first.click()
        page.wait_for_load_state()
        assert posted.value.status in (200, 303), (
            f"{module}: HTTP {posted.value.status}: "
            f"{page.locator('main p.error').all_inner_texts()}"
        )
        if posted.value.status == 303:
            assert page.locator(".notice.error").count() == 0
            check_page(page, f"resident-contributed-{module.strip('/').replace('/', '-')}")
            return
        # a 200 after POST re-renders the page: it must not show field errors
        assert page.locator("main p.error").count() == 0, page.locator(
            "main p.error"
        ).all_inner_texts()
        return
    pytest.skip("no plugin page offers a form to residents in the demo town yet")


@pytest.mark.parametrize("size", SIZES)
def test_admin_edits_the_accessibility_statement(new_page: Any, size: Any) -> None:
    page = new_page(size)
    goto(page, "/")
    page.locator("footer a[href='/accessibility']").click()
    page.wait_for_url("**/accessibility")
    assert "RGAA" in page.locator("main").inner_text()
    log_in(page, *ADMIN)
    goto(page, "/admin/town")
    statement = (
        f"## État de conformité ({size['width']})\n\n"
        "Le site de Brise-sur-Loire est **partiellement conforme** au RGAA 4.1.\n\n"
        "## Voies de recours\n\nÉcrivez au Défenseur des droits."
    )
    page.fill("#accessibility_statement", statement)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator(".notice.success").count() == 1
    goto(page, "/accessibility")
    main = page.locator("main")
    assert main.locator("h2", has_text=f"État de conformité ({size['width']})").count() == 1
    assert main.locator("strong", has_text="partiellement conforme").count() == 1
    check_page(page, "accessibility-edited")
