"""Translation catalogs stay complete, and the locale really is per request.

* Core (domain ``parvis``): every message marked in ``core/parvis`` (Python and templates, read
  with the same map as ``babel.cfg``) has a French translation and an English entry.
* Each plugin under ``plugins/<plugin>/parvis_<plugin>/`` is checked the same way against its own
  domain ``parvis_<plugin>``, one test per plugin.
* ``%(name)s`` placeholders of every French translation match those of its msgid.
* At run time: ``Accept-Language``, the ``/language`` switch and ``<html lang>`` agree, and
  concurrent requests in French and English each get their own language.

How to fix a failure: docs/translating.md.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from parvis import i18n
from parvis.devkit import catalogs
from parvis.devkit.catalogs import Found, catalog_problems, ids, load, placeholder_problems, strings
from parvis.testing import post_form

ROOT = Path(__file__).resolve().parents[1]
BABEL_CFG = ROOT / "babel.cfg"
CORE_DOMAIN = "parvis"
CORE_LOCALE_DIR = ROOT / "core" / "parvis" / "locale"
NBSP = "\u00a0"


def extract(base: Path) -> dict[tuple[str, str | None], Found]:
    """Core's messages, read with ``babel.cfg`` exactly like ``pybabel extract``."""
    return catalogs.extract(base, BABEL_CFG, ROOT)


def fix_hint(where: str) -> str:
    return f"\nTo update and fill the catalogs, see docs/translating.md ({where})."


# --- (a) + (b): core domain ----------------------------------------------------------------


@pytest.fixture(scope="module")
def core_messages() -> dict[tuple[str, str | None], Found]:
    return extract(ROOT)


def test_core_extraction_finds_the_core_messages(core_messages):
    # Guards the map in babel.cfg: Python (lazy and direct) and templates are all read,
    # and nothing comes from plugins or the test kit.
    sources = {found.where.rsplit(":", 1)[0] for found in core_messages.values()}
    assert any(s.endswith(".html") for s in sources), "no template strings extracted"
    assert "core/parvis/web.py" in sources, "no ``_(...)`` strings extracted"
    assert "core/parvis/core_plugin.py" in sources, "no ``_l(...)`` strings extracted"
    assert all(s.startswith(("core/parvis/", "themes/")) for s in sources), sorted(sources)
    assert not any(s.startswith("core/parvis/testing/") for s in sources), sorted(sources)


def test_core_catalogs_are_complete(core_messages):
    problems = catalog_problems(core_messages, CORE_LOCALE_DIR, CORE_DOMAIN, ROOT)
    if problems:
        pytest.fail(
            "Core translation domain 'parvis' is out of date:\n"
            + "\n".join(problems)
            + fix_hint("core"),
            pytrace=False,
        )


def test_core_french_placeholders_match():
    catalog = load(CORE_LOCALE_DIR, "fr", CORE_DOMAIN)
    assert catalog is not None
    problems = placeholder_problems(catalog)
    assert not problems, "\n".join(problems)


# --- (c): every plugin's own domain -----------------------------------------------------------


def plugin_packages() -> Iterator[Path]:
    for package in sorted(ROOT.glob("plugins/*/parvis_*")):
        if package.is_dir() and (package / "__init__.py").is_file():
            yield package


@pytest.mark.parametrize("package", list(plugin_packages()), ids=lambda p: p.parent.name)
def test_plugin_catalogs_are_complete(package: Path):
    """Each plugin fails alone, with the check ``parvis plugin i18n check`` runs."""
    domain = package.name  # parvis_<plugin>
    problems = catalogs.plugin_problems(package, domain)
    if problems:
        pytest.fail(
            f"Plugin translation domain '{domain}' is out of date:\n"
            + "\n".join(problems)
            + fix_hint(f"plugin {domain}"),
            pytrace=False,
        )


# --- (d): at run time -------------------------------------------------------------------------


def html_lang(html: str) -> str:
    found = re.search(r'<html[^>]*\slang="([^"]*)"', html)
    assert found, "no <html lang> in the page"
    return found.group(1)


def h1(html: str) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
    assert found, "no <h1> in the page"
    return found.group(1).strip()


@pytest.fixture(scope="module")
def log_in() -> dict[str, str]:
    """'Log in' in each language, as the catalogs have it."""
    fr = load(CORE_LOCALE_DIR, "fr", CORE_DOMAIN)
    assert fr is not None
    message = fr.get("Log in")
    assert message is not None and message.string
    assert message.string != "Log in"
    return {"fr": str(message.string), "en": "Log in"}


def assert_language(response, locale: str, log_in: dict[str, str]) -> None:
    assert response.status_code == 200, response.text
    assert html_lang(response.text) == locale
    assert h1(response.text) == log_in[locale]
    other = "en" if locale == "fr" else "fr"
    assert f">{log_in[other]}<" not in response.text


def test_accept_language_chooses_the_page_language(client, log_in):
    assert_language(client.get("/login", headers={"Accept-Language": "fr"}), "fr", log_in)
    assert_language(client.get("/login", headers={"Accept-Language": "en"}), "en", log_in)
    assert_language(
        client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9,fr;q=0.5"}),
        "en",
        log_in,
    )
    # No preference, or one the site does not speak: the town's default, French.
    assert_language(client.get("/login", headers={"Accept-Language": ""}), "fr", log_in)
    assert_language(client.get("/login", headers={"Accept-Language": "de-DE"}), "fr", log_in)


def test_language_switch_changes_the_page_language(client, log_in):
    page = client.get("/login", headers={"Accept-Language": "fr"})
    assert 'href="/language/en?next=/login"' in page.text  # the switcher offers the other language

    # An anonymous visitor switches with a link: a language cookie, no session.
    response = client.get("/language/en?next=/login", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].endswith("/login")
    assert "parvis_session" not in response.headers.get("set-cookie", "")
    assert "parvis_lang=en" in response.headers["set-cookie"]
    # The choice wins over the browser's preference.
    assert_language(client.get("/login", headers={"Accept-Language": "fr"}), "en", log_in)
    assert 'href="/language/fr?next=/login"' in client.get("/login").text

    client.get("/language/xx?next=/login")
    assert_language(client.get("/login", headers={"Accept-Language": "fr"}), "en", log_in)

    # The form (what a logged-in resident's pages show) keeps the choice in the session.
    response = post_form(client, "/language?next=/login", {"locale": "fr"}, page="/login")
    assert response.status_code == 303
    assert_language(client.get("/login", headers={"Accept-Language": "en"}), "fr", log_in)
    post_form(client, "/language?next=/login", {"locale": "xx"}, page="/login")
    assert_language(client.get("/login", headers={"Accept-Language": "en"}), "fr", log_in)


def test_concurrent_requests_each_keep_their_language(town, log_in):
    threads, rounds = 12, 6
    barrier = threading.Barrier(threads)

    def worker(index: int) -> list[str]:
        locale = "fr" if index % 2 else "en"
        client = town.client()
        barrier.wait(timeout=30)
        seen = []
        for _ in range(rounds):
            response = client.get("/login", headers={"Accept-Language": locale})
            assert_language(response, locale, log_in)
            seen.append(html_lang(response.text))
        return seen

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(worker, range(threads)))
    assert [set(r) for r in results] == [{"fr" if i % 2 else "en"} for i in range(threads)]


def test_locale_is_held_per_context(town, log_in):
    """Two threads activate different locales, then both translate: neither sees the other's."""
    catalogs = town.parvis.catalogs
    barrier = threading.Barrier(2)

    def worker(locale: str) -> tuple[str, str]:
        i18n.activate(catalogs, locale)
        barrier.wait(timeout=10)  # both have activated before either translates
        return i18n.get_locale(), i18n.gettext("Log in")

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(worker, ["fr", "en"]))
    assert results == [("fr", log_in["fr"]), ("en", log_in["en"])]


# --- French a town would sign: every catalog, every template ---------------------------------

PLUGIN_LOCALE_DIRS = sorted(ROOT.glob("plugins/*/parvis_*/locale"))
FRENCH_CATALOGS = [(CORE_LOCALE_DIR, CORE_DOMAIN)] + [
    (path, path.parent.name) for path in PLUGIN_LOCALE_DIRS
]
# Calques and the other words the French style guide rules out (docs/translating.md).
NOT_FRENCH = {
    r"\bglouton": "a calque of 'greedy': say what the rule does",
    r"\bPropulsé par": "a calque of 'Powered by'",
    r"^Close$": "a calque of 'Closed': Clôturé(e), Terminé(e)",
    r"\bcourriel": "one word for e-mail across the site: e-mail",
    r"(?<![-\w])mail\b": "one word for e-mail across the site: e-mail",
    r"[Aa]dresse électronique": "one word for e-mail across the site: adresse e-mail",
    r"\w·\w": "no point médian: an epicene word, else the generic plural (docs/translating.md)",
}


def typography_problems(text: str) -> list[str]:
    problems = []
    if re.search(r"[ \t][;:!?»]", text) or re.search(r"«[ \t]", text):
        problems.append("plain space where a non-breaking one is needed")
    if re.search(rf"\w[;!?»]|«\w|\w:(?!//)[{NBSP} ]", text):
        problems.append("missing non-breaking space around punctuation")
    if "\u2019" in text:
        problems.append("curly apostrophe (use ')")
    for pattern, why in NOT_FRENCH.items():
        if re.search(pattern, text):
            problems.append(why)
    return problems


@pytest.mark.parametrize(
    ("locale_dir", "domain"), FRENCH_CATALOGS, ids=[d for _p, d in FRENCH_CATALOGS]
)
def test_french_typography_and_words(locale_dir: Path, domain: str):
    """Core and every plugin: non-breaking space before ; : ! ? » and after «, one kind of
    apostrophe ('), none of the words the style guide rules out."""
    catalog = load(locale_dir, "fr", domain)
    assert catalog is not None
    problems = []
    for message in catalog:
        for text in strings(message) if message.id else []:
            label = ids(message)[0].replace("\n", "\\n")[:70]
            problems += [f'{why}: "{label}"' for why in typography_problems(text)]
    assert not problems, f"{domain}:\n" + "\n".join(problems)


# Punctuation right after a template expression: whatever the language, the template glues it
# ("{{ label }}: {{ value }}" reads "Adresse e-mail: ..." in French). Put it in the message.
GLUED = re.compile(r"\}\}[ \t]?(?:[:;!]|\?(?!\w+=))(?![:/=])")


def template_files() -> list[Path]:
    found = sorted(ROOT.glob("core/parvis/templates/**/*.html"))
    found += sorted(ROOT.glob("plugins/*/parvis_*/templates/**/*.html"))
    found += sorted(ROOT.glob("themes/*/templates/**/*.html"))
    return found


def test_templates_glue_no_punctuation_to_translated_text():
    problems = []
    for path in template_files():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            # Inside tags and expressions a colon is Python (slices, dicts), not text.
            text = re.sub(r"\{%.*?%\}|\{#.*?#\}", "", line)
            for match in GLUED.finditer(text):
                after = text[match.end() - 1 : match.end() + 20]
                problems.append(f"{path.relative_to(ROOT)}:{number}: …{after!r}")
    assert not problems, "\n".join(problems)


def dropped_msgstr(po_text: str) -> list[str]:
    """msgids whose entry lost its msgstr line (a merge that kept the msgid only): Babel then
    reads the msgid alone or folds it into the next entry, without a word."""
    lines = po_text.splitlines()
    problems = []
    for i, line in enumerate(lines):
        if not line.startswith("msgid "):
            continue
        j = i + 1
        while j < len(lines) and lines[j].startswith(('"', "msgid_plural ")):
            j += 1
        if j >= len(lines) or not lines[j].startswith("msgstr"):
            problems.append(f"line {i + 1}: {line[:70]}")
    return problems


def test_dropped_msgstr_is_caught():
    good = 'msgid "A"\nmsgstr "a"\n\nmsgid "B"\nmsgid_plural "Bs"\nmsgstr[0] ""\nmsgstr[1] ""\n'
    assert dropped_msgstr(good) == []
    assert dropped_msgstr('msgid "A"\n\nmsgid "B"\nmsgstr ""\n') == ['line 1: msgid "A"']
    assert dropped_msgstr('msgid ""\n"long "\n"text"\nmsgid "B"\nmsgstr ""\n') != []


ALL_PO = sorted(
    [
        *CORE_LOCALE_DIR.glob("*/LC_MESSAGES/*.po"),
        *ROOT.glob("plugins/*/parvis_*/locale/*/LC_MESSAGES/*.po"),
    ]
)


@pytest.mark.parametrize("po", ALL_PO, ids=lambda p: f"{p.stem}-{p.parts[-3]}")
def test_every_msgid_keeps_its_msgstr_line(po: Path):
    problems = dropped_msgstr(po.read_text())
    assert not problems, f"{po.relative_to(ROOT)}: msgstr line missing after\n" + "\n".join(
        problems
    )


def test_dates_are_shown_without_seconds(town):
    when = dt.datetime(2026, 12, 3, 13, 5, 7, tzinfo=dt.UTC)
    for locale in ("fr", "en"):
        with i18n.use_locale(town.parvis.catalogs, locale):
            for fmt in ("short", "medium", "long"):
                shown = i18n.format_datetime(when, fmt, tz="Europe/Paris")
                assert "14:05" in shown or "2:05" in shown, shown
                assert ":07" not in shown, shown


def test_an_invalid_address_is_said_in_the_sites_words(town, client):
    post_form(client, "/language", {"locale": "fr"})
    page = post_form(client, "/signup", {"email": "not an address"}, page="/signup")
    assert "Saisissez une adresse e-mail valide" in page.text
    assert "électronique" not in page.text
