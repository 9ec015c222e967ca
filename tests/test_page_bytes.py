"""A page's body written as bytes from its template's pieces (``page_bytes.py``): the same bytes
as the rendered string encoded, the kept fragments' bytes taken only for the very markup they
were encoded from."""

from __future__ import annotations

import pytest
from markupsafe import Markup
from starlette.requests import Request

from parvis.page_bytes import KEPT_FROM, encode_kept, page_body, shown
from parvis.spaces.space_cards import SpaceCards


def _request() -> Request:
    return Request({"type": "http", "method": "GET", "path": "/", "headers": []})


def test_pieces_are_encoded_as_the_joined_string_would_be() -> None:
    pieces = ["<title>Accueil — Brise</title>", Markup("<p>déjà</p>"), "ascii", "€ 🙂"]
    assert page_body(_request(), pieces) == "".join(pieces).encode()


def test_kept_markup_gives_its_bytes_only_for_the_same_text() -> None:
    kept = Markup("é" * KEPT_FROM)
    encoded = encode_kept(SpaceCards(kept, 1))
    assert encoded == ((kept, kept.encode()),)
    request = _request()
    # Marked bytes, to see which way each piece went.
    shown(request, ((kept, b"<kept bytes>"),))
    same_length = "è" * KEPT_FROM
    body = page_body(request, ["<main>", Markup(kept), same_length, "</main>"])
    assert body == b"<main><kept bytes>" + same_length.encode() + b"</main>"


def test_short_markup_and_plain_values_keep_no_bytes() -> None:
    assert encode_kept(Markup("<p>short</p>")) == ()
    assert encode_kept(["é" * KEPT_FROM]) == ()
    assert encode_kept(Markup("x" * KEPT_FROM)) == ((Markup("x" * KEPT_FROM), b"x" * KEPT_FROM),)


@pytest.mark.parametrize("page", ["/", "/s/{slug}"])
def test_a_page_showing_kept_fragments_has_its_unkept_bytes(
    town, client, space_with_module, monkeypatch, page
) -> None:
    import parvis.page_bytes

    monkeypatch.setattr(parvis.page_bytes, "KEPT_FROM", 1)  # the test town's parts are short
    made = space_with_module("idea_call", module_title="Idée n° 1 — déjà là")
    url = page.format(slug=made.space_slug)
    town.parvis.page_cache.max_bytes = 0  # rendered each time: what a resident gets
    fragments = town.parvis.fragment_cache
    kept_bytes = fragments.max_bytes
    fragments.max_bytes = 0
    unkept = client.get(url).content
    fragments.max_bytes = kept_bytes
    first, second = client.get(url).content, client.get(url).content  # built, then kept
    assert unkept == first == second
    assert "Idée n° 1 — déjà là".encode() in unkept
    assert any(entry.encoded for entry in fragments._entries.values())
