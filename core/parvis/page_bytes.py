"""A rendered page's body as UTF-8 bytes, written from the pieces its template yields
(``rendering.render``), with the bytes of the kept fragments it shows encoded once.

CPython encodes a string that is all ASCII by copying it, any other character by character;
and joining pieces into one string first makes the whole page two bytes a character as soon as
one piece holds a character past Latin-1 (the layout's title has an em dash). So the body is
encoded piece by piece (a few dozen: literal runs, blocks, the shown fragments), most of them
ASCII; and the big markup of a kept shared fragment (``httpcache.shared_fragment``: the home
page's parts, a space page's cards, one non-ASCII string of 40 to 125 KB each) keeps its bytes
beside it, given for the piece that is that markup, found by its length and compared whole.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields, is_dataclass
from typing import Any

from markupsafe import Markup
from starlette.requests import Request

# Markup at least this long in a kept fragment keeps its bytes: shorter is cheaper to encode
# than to look up.
KEPT_FROM = 2048
# The request state's list of (markup, its UTF-8 bytes) of the kept fragments read for it.
SHOWN = "parvis.kept_bytes"

Encoded = tuple[tuple[str, bytes], ...]


def encode_kept(value: Any) -> Encoded:
    """The long markup of a fragment to keep (markup, or a dataclass holding markup in its
    fields) with its UTF-8 bytes."""
    if isinstance(value, Markup):
        found = [value]
    elif is_dataclass(value) and not isinstance(value, type):
        found = [v for v in (getattr(value, f.name) for f in fields(value)) if type(v) is Markup]
    else:
        return ()
    return tuple((text, text.encode()) for text in found if len(text) >= KEPT_FROM)


def shown(request: Request, encoded: Encoded) -> None:
    """Note that the page of ``request`` may show this kept markup."""
    if encoded:
        request.scope.setdefault("state", {}).setdefault(SHOWN, []).extend(encoded)


def page_body(request: Request, pieces: Iterable[str]) -> bytes:
    """The UTF-8 bytes of the pieces, the kept markup noted for the request taken as kept."""
    kept = request.scope.get("state", {}).get(SHOWN)
    if not kept:
        return b"".join(map(str.encode, pieces))
    texts = list(pieces)
    found = {}
    for text, data in kept:
        try:  # compared in C: a string of another length at once, an equal one as memory
            at = texts.index(text)
        except ValueError:  # not shown as a piece of its own
            continue
        texts[at], found[at] = "", data
    parts = list(map(str.encode, texts))
    for at, data in found.items():
        parts[at] = data
    return b"".join(parts)
