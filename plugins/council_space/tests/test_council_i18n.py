"""French and English catalogs are complete and keep every placeholder."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE = Path(__file__).resolve().parents[1] / "parvis_council_space" / "locale"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _catalog(locale):
    path = LOCALE / locale / "LC_MESSAGES" / "parvis_council_space.po"
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def test_french_is_complete_with_the_same_placeholders():
    catalog = _catalog("fr")
    assert len([m for m in catalog if m.id]) > 200
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"untranslated: {ids[0]!r}"
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == wanted, ids[0]


def test_english_catalog_has_the_same_messages():
    fr = {m.id for m in _catalog("fr") if m.id}
    en = {m.id for m in _catalog("en") if m.id}
    assert fr == en


def test_call_page_in_french_and_english(town, council, client):
    council.add_idea(None, title="Bancs", status="feasible")
    html = client.get(council.url(), headers={"accept-language": "fr"}).text
    assert "Comment les idées sont choisies" in html and "Réalisable" in html
    html = client.get(council.url(), headers={"accept-language": "en"}).text
    assert "How ideas are chosen" in html and "Feasible" in html
