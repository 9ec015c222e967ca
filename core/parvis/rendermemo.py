"""Rendered HTML kept under exactly what it was rendered from (a content-addressed memo).

A card or a fragment rendered from plain values (strings, numbers, tuples) with a template that
reads nothing else is a pure function of those values, the template, the language and the
theme: kept under all of them, it never needs invalidating. A write changes the values of what
it wrote, so after a write only what changed is rendered again, in every process alike, and
what did not change (the other modules' cards) comes from here, whatever the content version.
Bounded (``render_memo_mb``), least recently used first out.

What belongs to one visitor stays out of it or is part of its key: the CSRF token is rendered as
a placeholder and put in afterwards (``CSRF_PLACEHOLDER``); the viewer's own vote or signed-in
state are values of the key; times relative to now are keyed on the text they print.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

if TYPE_CHECKING:
    from starlette.requests import Request

log = logging.getLogger(__name__)

# Rendered in place of the visitor's CSRF token, then replaced by it (never kept). Random per
# process, so that no value shown in a fragment (a title, a label) can contain it.
CSRF_PLACEHOLDER = f"\x00parvis-csrf-{secrets.token_hex(8)}\x00"
# Types compared by value whose instances are kept as they are in a key.
_PLAIN = (str, int, float, bool, type(None), bytes)


class RenderMemo:
    """HTML by key, bounded by ``max_bytes`` (0: keeps nothing); thread-safe. ``rendered``
    counts what was rendered (missed), for tests and the bench."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.rendered = 0
        self._entries: OrderedDict[Hashable, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> str | None:
        return self.get_many([key])[0]

    def get_many(self, keys: Sequence[Hashable]) -> list[str | None]:
        """The HTML kept under each key (``None``: not kept), in one call (a page of cards)."""
        if not self.max_bytes:
            return [None] * len(keys)
        entries = self._entries
        with self._lock:
            found = [entries.get(key) for key in keys]
            for key, html in zip(keys, found, strict=True):
                if html is not None:
                    entries.move_to_end(key)
        return found

    def put(self, key: Hashable, html: str) -> None:
        self.put_many({key: html})

    def put_many(self, rendered: Mapping[Hashable, str]) -> None:
        """Keep what was just rendered (counted in ``rendered`` even when nothing is kept)."""
        with self._lock:
            self.rendered += len(rendered)
            if not self.max_bytes:
                return
            entries = self._entries
            for key, html in rendered.items():
                if len(html) > self.max_bytes // 8:
                    continue
                old = entries.pop(key, None)
                if old is not None:
                    self.size -= len(old)
                entries[key] = html
                self.size += len(html)
            while self.size > self.max_bytes:
                self.size -= len(entries.popitem(last=False)[1])

    def __len__(self) -> int:
        return len(self._entries)


def frozen(value: Any) -> Hashable:
    """``value`` as a key compared by value: mappings and sequences as tuples, dataclasses by
    their fields. ``TypeError`` for anything else compared by identity (an ORM object, say),
    which would make a key that never matches or keep what it no longer shows."""
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, Mapping):
        return tuple((k, frozen(v)) for k, v in value.items())
    if isinstance(value, tuple | list):
        return (type(value).__name__, *(frozen(v) for v in value))
    fields = getattr(type(value), "__dataclass_fields__", None)
    if fields is not None:
        return (type(value).__qualname__, *(frozen(getattr(value, f)) for f in fields))
    raise TypeError(f"not a plain value for a memo key: {type(value).__qualname__}")


def memo_fragment(request: Request, template: str, values: Mapping[str, Any]) -> Markup:
    """``template`` rendered with ``values`` only (plus the town, language, ``url`` and
    translations, nothing of the viewer), kept in the render memo under exactly these: a
    plugin declares what its fragment shows, the memo does the rest. ``csrf_token`` in the
    template is the visitor's own token, put in after; anything else of the viewer (their vote,
    whether they are signed in) must be one of ``values``. Values are plain (strings,
    numbers, tuples, lists, dicts, dataclasses, named tuples): with anything else the fragment
    is rendered each time (logged)."""
    from parvis.context import get_context
    from parvis.csrf import csrf_token

    ctx = get_context(request)
    parvis = ctx.parvis
    memo = parvis.render_memo
    theme = ctx.town.theme
    key: Hashable | None = None
    if memo.max_bytes:  # with the memo off, no key to build
        try:
            # The town as it is now (its name, its time zone): a change to it moves its
            # ``setup_version`` on.
            town = (ctx.town.id, ctx.town.setup_version)
            key = (template, theme, ctx.locale, town, frozen(values))
        except TypeError as exc:
            log.warning("%s rendered without the memo: %s", template, exc)
    html = memo.get(key) if key is not None else None
    if html is None:
        basics = {"town": ctx.town, "locale": ctx.locale, "url": ctx.url}
        html = (
            parvis.jinja_env(theme)
            .get_template(template)
            .render({**basics, **values, "csrf_token": CSRF_PLACEHOLDER})
        )
        if key is not None:
            memo.put(key, html)
    if CSRF_PLACEHOLDER in html:  # the visitor's own token (the page is then never shared)
        html = html.replace(CSRF_PLACEHOLDER, csrf_token(request))
    return Markup(html)
