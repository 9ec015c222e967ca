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

import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages import frontend
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po

from parvis import i18n
from parvis.testing import post_form

ROOT = Path(__file__).resolve().parents[1]
BABEL_CFG = ROOT / "babel.cfg"
CORE_DOMAIN = "parvis"
CORE_LOCALE_DIR = ROOT / "core" / "parvis" / "locale"
# The same keywords as ``pybabel extract -k _l -k lazy_gettext``.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
FRENCH_PLURAL_FORMS = "nplurals=2; plural=(n > 1);"

PLACEHOLDER = re.compile(
    r"%\((?P<name>[^)]*)\)[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]"
)
NBSP = "\u00a0"


# --- extraction and catalogs ----------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """A message marked for translation in the source, with where it was first seen."""

    msgid: str
    plural: str | None
    context: str | None
    where: str


def extract(base: Path) -> dict[tuple[str, str | None], Found]:
    """Messages marked under ``base``, read with ``babel.cfg`` exactly like ``pybabel extract``."""
    parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    with BABEL_CFG.open() as fh:
        method_map, options_map = parse(fh, str(BABEL_CFG))
    found: dict[tuple[str, str | None], Found] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(base), method_map, options_map, keywords=KEYWORDS
    ):
        if isinstance(message, str):
            msgid, plural = message, None
        else:
            msgid, plural = message[0], (message[1] if len(message) > 1 else None)
        where = f"{(base / filename).relative_to(ROOT)}:{lineno}"
        found.setdefault((msgid, context), Found(msgid, plural, context, where))
    return found


def po_path(locale_dir: Path, locale: str, domain: str) -> Path:
    return locale_dir / locale / "LC_MESSAGES" / f"{domain}.po"


def load(locale_dir: Path, locale: str, domain: str) -> Catalog | None:
    path = po_path(locale_dir, locale, domain)
    if not path.is_file():
        return None
    with path.open("rb") as fh:
        return read_po(fh, locale=locale, domain=domain)


def strings(message: Message) -> list[str]:
    value = message.string
    return list(value) if isinstance(value, (list, tuple)) else [value or ""]


def ids(message: Message) -> list[str]:
    value = message.id
    return list(value) if isinstance(value, (list, tuple)) else [value]


def placeholders(text: str) -> set[str]:
    return {m.group(0) for m in PLACEHOLDER.finditer(text)}


def stray_percent(text: str) -> int:
    """``%`` signs that are neither a placeholder nor ``%%`` (they break Jinja's formatting)."""
    return PLACEHOLDER.sub("", text).replace("%%", "").count("%")


def rel(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def show(found: Found) -> str:
    text = found.msgid.replace("\n", "\\n")
    if len(text) > 90:
        text = text[:87] + "..."
    ctx = f" [context {found.context!r}]" if found.context else ""
    return f'"{text}"{ctx} ({found.where})'


def catalog_problems(
    found: dict[tuple[str, str | None], Found], locale_dir: Path, domain: str
) -> list[str]:
    """Everything wrong with the French and English catalogs of ``domain``, as readable lines."""
    problems: list[str] = []
    fr = load(locale_dir, "fr", domain)
    en = load(locale_dir, "en", domain)
    for locale, catalog in (("fr", fr), ("en", en)):
        if catalog is None:
            problems.append(f"missing catalog {rel(po_path(locale_dir, locale, domain))}")
    if fr is not None:
        path = rel(po_path(locale_dir, "fr", domain))
        if fr.plural_forms != FRENCH_PLURAL_FORMS:
            problems.append(f"{path}: Plural-Forms should be {FRENCH_PLURAL_FORMS!r}")
        missing, untranslated, fuzzy = [], [], []
        for key, item in sorted(found.items(), key=lambda kv: kv[1].where):
            message = fr.get(*key)
            if message is None:
                missing.append(show(item))
            elif message.fuzzy:
                fuzzy.append(show(item))
            elif not all(s.strip() for s in strings(message)):
                untranslated.append(show(item))
        for label, items in (
            ("not in the catalog", missing),
            ("with an empty msgstr", untranslated),
            ("marked fuzzy", fuzzy),
        ):
            if items:
                problems.append(f"{path}: {len(items)} msgid(s) {label}:")
                problems.extend(f"    {line}" for line in items)
        problems.extend(f"{path}: {line}" for line in placeholder_problems(fr))
    if en is not None:
        path = rel(po_path(locale_dir, "en", domain))
        absent = [show(item) for key, item in sorted(found.items()) if en.get(*key) is None]
        if absent:
            problems.append(f"{path}: {len(absent)} msgid(s) not in the catalog:")
            problems.extend(f"    {line}" for line in absent)
    for locale, catalog in (("fr", fr), ("en", en)):
        if catalog is None:
            continue
        stale = sorted(
            str(m.id if isinstance(m.id, str) else m.id[0])
            for m in catalog
            if m.id and (ids(m)[0], m.context) not in found
        )
        if stale:
            path = rel(po_path(locale_dir, locale, domain))
            problems.append(f"{path}: {len(stale)} msgid(s) no longer in the source (obsolete):")
            problems.extend(f'    "{s[:90]}"' for s in stale)
    return problems


def placeholder_problems(catalog: Catalog) -> list[str]:
    """French translations whose ``%(name)s`` placeholders differ from their msgid's."""
    problems = []
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        source_ids = ids(message)
        expected = set().union(*(placeholders(s) for s in source_ids))
        translations = [s for s in strings(message) if s]
        if not translations:
            continue
        got = set().union(*(placeholders(s) for s in translations))
        label = source_ids[0].replace("\n", "\\n")[:90]
        if got != expected:
            problems.append(
                f'placeholders differ for "{label}": msgid has {sorted(expected)}, '
                f"msgstr has {sorted(got)}"
            )
        elif any(placeholders(s) - expected for s in translations):
            problems.append(f'unknown placeholder in a plural form of "{label}"')
        if any(stray_percent(s) > max(map(stray_percent, source_ids)) for s in translations):
            problems.append(f'lone "%" in the msgstr of "{label}": write "%%"')
    return problems


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
    problems = catalog_problems(core_messages, CORE_LOCALE_DIR, CORE_DOMAIN)
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


def test_core_french_typography():
    """Non-breaking space before ; : ! ? » and after «, one kind of apostrophe (')."""
    catalog = load(CORE_LOCALE_DIR, "fr", CORE_DOMAIN)
    assert catalog is not None
    problems = []
    for message in catalog:
        for text in strings(message) if message.id else []:
            label = ids(message)[0].replace("\n", "\\n")[:70]
            if re.search(r"[ \t][;:!?»]", text) or re.search(r"«[ \t]", text):
                problems.append(f'plain space where a non-breaking one is needed: "{label}"')
            if re.search(rf"\w[;!?»]|«\w|\w:(?!//)[{NBSP} ]", text):
                problems.append(f'missing non-breaking space around punctuation: "{label}"')
            if "\u2019" in text:
                problems.append(f'curly apostrophe (use \'): "{label}"')
    assert not problems, "\n".join(problems)


# --- (c): every plugin's own domain -----------------------------------------------------------


def plugin_packages() -> Iterator[Path]:
    for package in sorted(ROOT.glob("plugins/*/parvis_*")):
        if package.is_dir() and (package / "__init__.py").is_file():
            yield package


@pytest.mark.parametrize("package", list(plugin_packages()), ids=lambda p: p.parent.name)
def test_plugin_catalogs_are_complete(package: Path):
    """Plugins' catalogs are being written by their own maintainers: each plugin fails alone."""
    domain = package.name  # parvis_<plugin>
    found = extract(package.parent)
    locale_dir = package / "locale"
    if not found:
        return  # nothing marked for translation (yet): no catalog needed
    if not locale_dir.is_dir():
        pytest.fail(
            f"Plugin domain '{domain}': {len(found)} message(s) are marked for translation in "
            f"{rel(package)} but it has no locale/ folder." + fix_hint(f"plugin {domain}"),
            pytrace=False,
        )
    problems = catalog_problems(found, locale_dir, domain)
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
    assert 'name="locale" value="en"' in page.text  # the switcher offers the other language

    response = post_form(client, "/language?next=/login", {"locale": "en"}, page="/login")
    assert response.status_code == 303
    assert response.headers["location"].endswith("/login")
    # The choice is kept in the session and wins over the browser's preference.
    assert_language(client.get("/login", headers={"Accept-Language": "fr"}), "en", log_in)
    assert 'name="locale" value="fr"' in client.get("/login").text

    post_form(client, "/language?next=/login", {"locale": "xx"}, page="/login")
    assert_language(client.get("/login", headers={"Accept-Language": "fr"}), "en", log_in)

    post_form(client, "/language?next=/login", {"locale": "fr"}, page="/login")
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
