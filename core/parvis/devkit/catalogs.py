"""Catalog work for ``parvis plugin i18n`` and the catalog tests: extract, update, check.

A message is complete when the French catalog translates it (not fuzzy, placeholders equal to
the msgid's) and the English catalog lists it; the French plural rule is ``(n > 1)``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from babel.messages import frontend
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from parvis.i18n import SUPPORTED_LOCALES

PLUGIN_MAPPING = Path(__file__).resolve().parent / "plugin_babel.cfg"
# ``_``, ``gettext``, ``ngettext`` and the lazy forms: ``pybabel extract -k _l -k lazy_gettext``.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLURAL_FORMS = {"fr": "nplurals=2; plural=(n > 1);", "en": "nplurals=2; plural=(n != 1);"}
PLACEHOLDER = re.compile(
    r"%\((?P<name>[^)]*)\)[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]"
)
WIDTH = 100

Key = tuple[str, str | None]


@dataclass(frozen=True)
class Found:
    """A message marked for translation in the source, with where it was first seen."""

    msgid: str
    plural: str | None
    context: str | None
    where: str


def extract(base: Path, mapping: Path, shown_from: Path | None = None) -> dict[Key, Found]:
    """Messages marked under ``base``, read with the Babel map ``mapping`` (like ``pybabel
    extract``); ``where`` is shown relative to ``shown_from``."""
    parse = getattr(frontend, "parse_mapping_cfg", None) or frontend.parse_mapping
    with mapping.open() as fh:
        method_map, options_map = parse(fh, str(mapping))
    found: dict[Key, Found] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(base), method_map, options_map, keywords=KEYWORDS
    ):
        if isinstance(message, str):
            msgid, plural = message, None
        else:
            msgid, plural = message[0], (message[1] if len(message) > 1 else None)
        path = base / filename
        shown = path.relative_to(shown_from) if shown_from else path
        found.setdefault((msgid, context), Found(msgid, plural, context, f"{shown}:{lineno}"))
    return found


def extract_plugin(package_dir: Path) -> dict[Key, Found]:
    return extract(package_dir, PLUGIN_MAPPING, package_dir.parent)


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


def _show(found: Found) -> str:
    text = found.msgid.replace("\n", "\\n")
    if len(text) > 90:
        text = text[:87] + "..."
    ctx = f" [context {found.context!r}]" if found.context else ""
    return f'"{text}"{ctx} ({found.where})'


def catalog_problems(
    found: dict[Key, Found], locale_dir: Path, domain: str, shown_from: Path | None = None
) -> list[str]:
    """Everything wrong with the French and English catalogs of ``domain``, as readable lines."""

    def rel(path: Path) -> Path:
        return (
            path.relative_to(shown_from) if shown_from and path.is_relative_to(shown_from) else path
        )

    problems: list[str] = []
    fr = load(locale_dir, "fr", domain)
    en = load(locale_dir, "en", domain)
    for locale, catalog in (("fr", fr), ("en", en)):
        if catalog is None:
            problems.append(f"missing catalog {rel(po_path(locale_dir, locale, domain))}")
    if fr is not None:
        path = rel(po_path(locale_dir, "fr", domain))
        if fr.plural_forms != PLURAL_FORMS["fr"]:
            problems.append(f"{path}: Plural-Forms should be {PLURAL_FORMS['fr']!r}")
        missing, untranslated, fuzzy = [], [], []
        for key, item in sorted(found.items(), key=lambda kv: kv[1].where):
            message = fr.get(*key)
            if message is None:
                missing.append(_show(item))
            elif message.fuzzy:
                fuzzy.append(_show(item))
            elif not all(s.strip() for s in strings(message)):
                untranslated.append(_show(item))
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
        absent = [_show(item) for key, item in sorted(found.items()) if en.get(*key) is None]
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
    """Translations whose ``%(name)s`` placeholders differ from their msgid's."""
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


def plugin_problems(package_dir: Path, domain: str) -> list[str]:
    """``catalog_problems`` for a plugin's package; none when it marks nothing."""
    found = extract_plugin(package_dir)
    if not found:
        return []
    locale_dir = package_dir / "locale"
    if not locale_dir.is_dir():
        return [
            f"{len(found)} message(s) are marked for translation in {package_dir.name}/ but it "
            "has no locale/ folder: run `parvis plugin i18n update <plugin>`."
        ]
    return catalog_problems(found, locale_dir, domain, package_dir.parent)


def template_catalog(found: dict[Key, Found], domain: str) -> Catalog:
    """The ``.pot`` of the extracted messages."""
    pot = Catalog(domain=domain, fuzzy=False)
    for item in found.values():
        msgid = (item.msgid, item.plural) if item.plural else item.msgid
        pot.add(msgid, context=item.context)
    return pot


def write_catalog(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = BytesIO()
    write_po(buf, catalog, width=WIDTH, no_location=True, ignore_obsolete=True)
    path.write_bytes(buf.getvalue())


def _new_catalog(locale: str, domain: str) -> Catalog:
    header = (
        'msgid ""\nmsgstr ""\n'
        f'"Language: {locale}\\n"\n"MIME-Version: 1.0\\n"\n'
        '"Content-Type: text/plain; charset=utf-8\\n"\n"Content-Transfer-Encoding: 8bit\\n"\n'
        f'"Plural-Forms: {PLURAL_FORMS[locale]}\\n"\n'
    )
    return read_po(BytesIO(header.encode()), locale=locale, domain=domain)


def update(package_dir: Path, domain: str) -> dict[str, tuple[int, int]]:
    """Merge the extracted messages into each locale's catalog (created with the right plural
    rule when missing); return ``{locale: (added, removed)}``. New msgids get an empty msgstr."""
    pot = template_catalog(extract_plugin(package_dir), domain)
    changes: dict[str, tuple[int, int]] = {}
    for locale in SUPPORTED_LOCALES:
        path = po_path(package_dir / "locale", locale, domain)
        catalog = load(package_dir / "locale", locale, domain) or _new_catalog(locale, domain)
        before = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
        catalog.update(pot, no_fuzzy_matching=True, update_header_comment=False)
        after = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
        catalog.obsolete.clear()
        write_catalog(path, catalog)
        changes[locale] = (len(after - before), len(before - after))
    return changes


def compile_all(package_dir: Path, domain: str) -> dict[str, int]:
    """Compile every catalog the way the app does at start-up (in memory: there is no ``.mo``
    to ship); return ``{locale: messages with a msgstr}``. Raises ``PoFileError`` on a broken
    ``.po``, naming the line."""
    counts = {}
    for locale in SUPPORTED_LOCALES:
        path = po_path(package_dir / "locale", locale, domain)
        if not path.is_file():
            continue
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale, domain=domain, abort_invalid=True)
        write_mo(BytesIO(), catalog)
        counts[locale] = sum(1 for m in catalog if m.id and any(strings(m)))
    return counts
