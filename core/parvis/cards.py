"""The card of listing pages, built in Python.

Home and space pages print up to hundreds of cards; through the ``card`` macro of
``ui/components.html`` each costs six macro calls, about 40 % of such a page's CPU. This function
writes the same markup (same elements, classes and attributes; every value HTML-escaped) in one
call. Themes restyle it through CSS like the macro's. A theme that overrides
``ui/components.html`` keeps its own ``card`` macro on these pages too: the environment then sets
``theme_cards`` and core's templates call ``ui.card`` instead (``templating.make_environment``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import jinja2
from markupsafe import Markup

from parvis.i18n import format_number

SPRITE = "/static/core/placeholders.svg"
KINDS = frozenset(
    {
        "council",
        "consultation",
        "survey",
        "poll",
        "idea_call",
        "volunteering",
        "election",
        "project",
    }
)
DRAWINGS = {"consultation": "survey", "idea_call": "idea", "project": "idea"}

_CLOCK = Markup(
    '<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">'
    '<circle cx="12" cy="13" r="8" fill="none" stroke="currentColor" stroke-width="2"/>'
    '<path d="M12 9v4l3 2M9 2h6" fill="none" stroke="currentColor" stroke-width="2"'
    ' stroke-linecap="round"/></svg>'
)


def _replace_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&#34;")
        .replace("'", "&#39;")
    )


try:
    # The C function ``markupsafe.escape`` itself runs (same entities), without the ``Markup``
    # ``escape`` then wraps its result in: one call per value instead of five replaces, and a
    # card list escapes two values a card. Private to markupsafe, hence the same in Python below.
    from markupsafe._speedups import _escape_inner as _escape_text
except ImportError:  # pragma: no cover - markupsafe built without its C extension
    _escape_text = _replace_escape


def _e(value: object) -> str:
    """``markupsafe.escape`` as a plain string, same entities: without building a ``Markup`` per
    value, which was half of a card's time (ten values a card)."""
    if type(value) is str:
        return _escape_text(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return _escape_text(str(value))


# The labels every card repeats (type, phase, "ideas", "Take part", deadlines), escaped once:
# a look-up instead of five replaces. Plain strings only (a ``Markup`` equal to one is not the
# same value); bounded, the labels of a few languages fit.
_LABELS: dict[str, str] = {}
_LABELS_MAX = 4096


def _label(value: object) -> str:
    if type(value) is not str:
        return _e(value)
    found = _LABELS.get(value)
    if found is None:
        if len(_LABELS) >= _LABELS_MAX:
            _LABELS.clear()
        found = _LABELS[value] = _e(value)
    return found


def _drawing(k: str) -> str:
    return (
        f'<svg class="placeholder placeholder-{k}" viewBox="0 0 320 160" role="img"'
        ' aria-hidden="true" focusable="false" preserveAspectRatio="xMidYMid slice">'
        f'<use href="{SPRITE}#{DRAWINGS.get(k, k)}"/></svg>'
    )


# Built once: a card list repeats the same few drawings.
_PLACEHOLDERS = {k: Markup(_drawing(k)) for k in (*KINDS, "general")}


def placeholder(kind: str) -> Markup:
    """The ``placeholder`` macro's markup: a reference to the drawing in the cached sprite
    (``card_placeholder`` in templates: the space page's picture when it has none)."""
    return _PLACEHOLDERS.get(kind) or _PLACEHOLDERS["general"]


def card(
    title: str,
    href: str,
    image: str | None = None,
    kind: str = "general",
    heading: str = "h3",
    summary: str | None = None,
    meta: str | None = None,
    badge: tuple[str, str] | None = None,
    due: Any = None,
    count: tuple[int, str] | None = None,
    action: tuple[str, str] | None = None,
) -> Markup:
    """Same arguments as the ``card`` macro (without ``caller``); ``due`` is a
    ``phase_deadline()`` value."""
    frame = card_frame(kind, badge, meta, image=image, heading=heading, summary=summary)
    return Markup(framed_card(frame, title, href, due, count, action))


def card_frame(
    kind: str,
    badge: tuple[str, str] | None,
    meta: str | None,
    *,
    image: str | None = None,
    heading: str = "h3",
    summary: str | None = None,
) -> tuple[str, str]:
    """A card's markup around its title and link, escaped: what comes before the link's
    address, and what comes after the title. Cards of one kind, badge and meta line share it,
    so a list of hundreds builds it once per module type and phase (``framed_card``)."""
    picture = f'<img src="{_label(image)}" alt="" loading="lazy">' if image else placeholder(kind)
    tag = _label(heading)
    start = (
        f'<li class="card card-media">\n<div class="card-picture">{picture}</div>\n'
        '<div class="card-body">\n'
    )
    if badge:
        start += (
            f'<p class="card-badge"><span class="badge badge-{_label(badge[1])}">'
            f"{_label(badge[0])}</span></p>\n"
        )
    start += f'<{tag} class="card-title"><a href="'
    after = f"</a></{tag}>\n"
    if meta:
        after += f'<p class="meta">{_label(meta)}</p>\n'
    if summary:
        after += f'<p class="card-summary">{_e(summary)}</p>\n'
    return start, after


Card = tuple[tuple[str, str], str, str, Any, tuple[int, str] | None, tuple[str, str] | None]
"""``framed_card``'s arguments: frame, title, href, due, count, action."""


def framed_card(
    frame: tuple[str, str],
    title: str,
    href: str,
    due: Any = None,
    count: tuple[int, str] | None = None,
    action: tuple[str, str] | None = None,
) -> str:
    """A card from its ``card_frame`` and what differs from card to card (escaped here)."""
    return framed_cards([(frame, title, href, due, count, action)])[0]


def framed_cards(cards: Iterable[Card]) -> list[str]:
    """``framed_card`` of each of ``cards`` (its arguments), in one call and one loop (no call
    per card). What follows the titles is written once per deadline line, count and action
    label (most cards of a list share it): only each card's title and links are escaped."""
    tails: dict[tuple[Any, ...], tuple[str, str]] = {}
    written = []
    for frame, title, href, due, count, action in cards:
        label = action[0] if action else None
        # Plain strings only in the key: a ``Markup`` equal to one is not the same value.
        if (
            (due is None or type(due.text) is str)
            and (count is None or type(count[1]) is str)
            and (label is None or type(label) is str)
        ):
            key = (due.text if due else None, due.soon if due else None, count, label)
            if key in tails:
                tail = tails[key]
            else:
                tail = tails[key] = _tail(due, count, label)
        else:
            tail = _tail(due, count, label)
        # Plain strings (nearly always) straight to the escaping function, one call each; the
        # parts joined with ``+`` (no list, appends and join for each of hundreds of cards).
        html = (
            frame[0]
            + (_escape_text(href) if type(href) is str else _e(href))
            + '">'
            + (_escape_text(title) if type(title) is str else _e(title))
            + frame[1]
            + tail[0]
        )
        if action:
            link = action[1]
            html += _escape_text(link) if type(link) is str else _e(link)
        written.append(html + tail[1])
    return written


def _tail(due: Any, count: tuple[int, str] | None, label: str | None) -> tuple[str, str]:
    """What follows a card's title: the part before its action's link, the part after it."""
    html = ""
    if due:
        soon = " deadline-soon" if due.soon else ""
        html += f'<p class="deadline{soon}">{_CLOCK}<span>{_label(due.text)}</span></p>\n'
    if count:
        html += (
            f'<p class="participation"><strong>{_label(format_number(count[0]))}</strong>'
            f" {_label(count[1])}</p>\n"
        )
    end = "</div>\n</li>\n"
    if label is None:
        return html, end
    html += '<div class="card-action"><a class="button primary-action" href="'
    return html, f'">{_label(label)}</a></div>\n' + end


def card_list(items: Iterable[Any]) -> Markup:
    """The cards of ``items``, each carrying its card's arguments as ``options``, in one call
    (no template code run per card)."""
    return Markup("".join([card(**item.options) for item in items]))


def framed_card_list(items: Iterable[Any]) -> Markup:
    """The cards of ``items`` that carry their ``frame`` (``card_frame``), ``title``, ``url``,
    ``deadline``, ``count`` and ``action``: the same markup as ``card_list`` with the
    ``options`` these give, without building each card's frame and arguments again."""
    return Markup(
        "".join(
            framed_cards([(i.frame, i.title, i.url, i.deadline, i.count, i.action) for i in items])
        )
    )


def space_cards(
    spaces: Iterable[Any],
    url: Callable[..., str],
    whole_town: str,
    not_published: str,
    heading: str = "h3",
) -> Markup:
    """What ``core/_space_card.html`` writes for each space, in one call: an include per space
    copies the whole template context each time; the cards written in one ``framed_cards``
    call, not one ``card`` call each."""
    return Markup(
        "".join(
            framed_cards(
                [
                    (
                        card_frame(
                            s.kind,
                            None if s.published else (not_published, "neutral"),
                            s.area.name if s.area else whole_town,
                            image=url("spaces:upload", upload=s.image_id) if s.image_id else None,
                            heading=heading,
                            summary=s.summary or None,
                        ),
                        s.title,
                        url("spaces:space", space=s.slug),
                        None,
                        None,
                        None,
                    )
                    for s in spaces
                ]
            )
        )
    )


def theme_cards(theme_loader: jinja2.BaseLoader | None) -> bool:
    """True when the theme overrides the components, so its ``card`` macro must be used."""
    if theme_loader is None:
        return False
    return "ui/components.html" in theme_loader.list_templates()
