"""A space page's module cards: read, summed up, written (``views.space_page``).

The whole list is kept as a shared fragment per town content version (``space_cards``); when a
write has moved that version on, each card comes from the render memo (``rendermemo.py``) under
exactly what it shows, so only the cards of the modules whose row or summary changed are
written again.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, NamedTuple

from markupsafe import Markup
from sqlalchemy import bindparam

from parvis import schedule
from parvis.cards import card_frame, framed_cards
from parvis.context import Context
from parvis.contrib import ModuleRow, ModuleType, SpaceRow
from parvis.httpcache import shared_fragment
from parvis.i18n import gettext as _
from parvis.i18n import translated
from parvis.models import Area, Module, Space
from parvis.phases import Deadline, phase_deadline
from parvis.rendermemo import RenderMemo
from parvis.schedule import resident_phase
from parvis.spaces.home import summaries
from parvis.towns import AreaRow


@dataclass(frozen=True, slots=True)
class SpaceCards:
    """A space page's module cards, rendered (``count``: how many)."""

    html: Markup
    count: int


def space_cards(ctx: Context, space: Space, *, include_unpublished: bool) -> SpaceCards:
    """The space's module cards, kept per space, town content version, language, minute and
    theme (``shared_fragment``) and given to every visitor: built for the first one, whoever
    they are, so nothing here depends on the viewer but whether unpublished modules are listed
    (staff who manage the space), which is part of the key."""
    name = f"core.space.{space.id}.{'all' if include_unpublished else 'published'}"
    return shared_fragment(
        ctx,
        name,
        lambda: _render_cards(ctx, space, include_unpublished),
        lambda kept: len(kept.html),
    )


def _render_cards(ctx: Context, space: Space, include_unpublished: bool) -> SpaceCards:
    env = ctx.parvis.jinja_env(ctx.town.theme)
    if not env.globals["theme_cards"]:
        written = _cards(ctx, space, include_unpublished, ctx.parvis.render_memo)
        return SpaceCards(Markup("".join(written)), len(written))
    # The theme's own ``card`` macro.
    cards = module_cards(ctx, space, include_unpublished=include_unpublished)
    macros = env.get_template("core/_space_cards.html").make_module(
        {"town": ctx.town, "locale": ctx.locale, "url": ctx.url}
    )
    return SpaceCards(Markup(macros.module_cards(cards)), len(cards))


@dataclass(slots=True)
class ModuleCard:
    """One module on its space's page, ready for the card (attributes, not dict keys: Jinja
    tries an attribute first, and each miss on a dict costs an exception). Not frozen: a frozen
    dataclass takes five times as long to build, and a page builds hundreds. ``frame`` is the
    markup the cards of its type and phase share (``cards.card_frame``)."""

    module: ModuleRow
    title: str
    url: str
    type_label: str
    phase_label: str
    tone: str
    deadline: Deadline | None
    count: tuple[int, str] | None
    action: tuple[str, str] | None
    frame: tuple[str, str]

    @property
    def options(self) -> dict[str, Any]:
        """The card's arguments (``ui.card(**c.options)``, for a theme's own card macro)."""
        return {
            "title": self.title,
            "href": self.url,
            "kind": self.module.type,
            "meta": self.type_label,
            "badge": (self.phase_label, self.tone),
            "due": self.deadline,
            "count": self.count,
            "action": self.action,
        }


@dataclass(slots=True)
class _Labels:
    """What the cards of one module type and phase share, worked out once per page."""

    mtype: ModuleType
    type_label: str
    phase_label: str
    tone: str
    acting: bool
    frame: tuple[str, str]


# A space's modules with their dated phases (all, or only the published ones), built once.
_SPACE_MODULES = {
    True: schedule.rows_query(Module.space_id == bindparam("space")),
    False: schedule.rows_query(Module.space_id == bindparam("space"), Module.published.is_(True)),
}


def module_cards(ctx: Context, space: Space, *, include_unpublished: bool) -> list[ModuleCard]:
    """The space's modules of plugins enabled for the town, with their link and labels."""
    return _cards(ctx, space, include_unpublished, None)  # type: ignore[return-value]


def _cards(
    ctx: Context, space: Space, include_unpublished: bool, memo: RenderMemo | None
) -> list[Any]:
    """``module_cards``, or with ``memo`` each card's markup (``framed_card``) instead, taken
    from the memo when a card of the same arguments was written before.

    Labels and the cards' shared markup are worked out once per type and phase here, not once
    per card; each type's link is reversed once (its module's id then put in it).
    """
    registry = ctx.parvis.registry.module_types
    enabled = set(ctx.enabled_plugins) | set(ctx.parvis.core_plugins)
    labels: dict[tuple[str, str], _Labels] = {}
    links: dict[str, tuple[str, str]] = {}
    cards = []
    listed, schedules = schedule.modules_with_schedules(
        ctx.session, _SPACE_MODULES[include_unpublished], {"space": space.id}
    )
    modules = [m for m in listed if m.type in registry and registry[m.type].plugin in enabled]
    ctx.schedules.update(schedule.advance(ctx.parvis, ctx.session, modules, schedules=schedules))
    row = _space_row(ctx, space)  # plain attributes for the summaries' hundreds of reads
    summary = summaries(ctx, [(m, row) for m in modules])
    see_results = _("See the results")
    dated = ctx.schedules
    # ``in`` then ``[]`` rather than ``.get``: no call per module (a page lists hundreds).
    for module in modules:
        found = None
        if module.id in summary:
            found = summary[module.id]
            if not found.listed_in_space:
                continue  # the plugin shows it on the page itself (slot)
        key = (module.type, module.phase)
        if key in labels:
            shared = labels[key]
        else:
            shared = labels[key] = _labels(ctx, registry[module.type], module.phase)
        if module.type not in links:
            links[module.type] = ctx.module_link(module.type, space)  # around the module's id
        link = links[module.type]
        end = None
        if module.id in dated:
            dates = dated[module.id]
            if dates:
                end = schedule.phase_end(shared.mtype.phases, module.phase, dates)
        count = action = None
        if found is not None:
            if found.participation is not None:
                count = (found.participation, found.participation_label)
            if shared.acting and found.action_label:
                action = (found.action_label, found.action_url)
            elif found.results_url:
                action = (see_results, found.results_url)
        url = f"{link[0]}{module.id}{link[1]}"
        deadline = phase_deadline(shared.phase_label, end) if end is not None else None
        if memo is None:
            cards.append(
                ModuleCard(
                    module,
                    module.title,
                    url,
                    shared.type_label,
                    shared.phase_label,
                    shared.tone,
                    deadline,
                    count,
                    action,
                    shared.frame,
                )
            )
        else:
            # ``framed_card``'s arguments, the deadline as what it prints (moves with the clock).
            due = _Due(deadline.text, deadline.soon) if deadline else None
            cards.append((shared.frame, module.title, url, due, count, action))
    if memo is None:
        return cards
    if not memo.max_bytes:  # the memo off: no key to build
        return framed_cards(cards)
    # Looked up and kept all at once: one call (and one lock) a page, not one a card. Keyed on
    # the language too: ``framed_card`` writes the count in it ("1 234", "1,234").
    locale = ctx.locale
    keys = [(locale, card) for card in cards]
    written = memo.get_many(keys)
    missing = [i for i, html in enumerate(written) if html is None]
    missed = {}
    for i, html in zip(missing, framed_cards([cards[i] for i in missing]), strict=True):
        written[i] = missed[keys[i]] = html
    memo.put_many(missed)
    return written


def _space_row(ctx: Context, space: Space) -> SpaceRow:
    """``space`` as the home page gives it to ``summarize``: its columns, and its area as an
    ``(id, name)`` row (read here rather than by the view: the same statement, once)."""
    area = ctx.session.get(Area, space.area_id) if space.area_id is not None else None
    return SpaceRow(
        *(getattr(space, name) for name in _SPACE_COLUMNS),
        area=AreaRow(area.id, area.name) if area is not None else None,
    )


# ``SpaceRow``'s columns, ``settings`` and ``created_at`` decoded already.
_SPACE_COLUMNS = (*(f.name for f in fields(SpaceRow)[:-3]), "settings", "created_at")


class _Due(NamedTuple):
    """A card's deadline line as it prints it (``framed_card`` reads these two)."""

    text: str
    soon: bool


def _labels(ctx: Context, mtype: ModuleType, key: str) -> _Labels:
    phase = mtype.phase(key)
    type_label = translated(mtype.label)
    phase_label = translated(phase.label) if phase else key
    tone = phase_tone(mtype, key)
    return _Labels(
        mtype,
        type_label,
        phase_label,
        tone,
        resident_phase(ctx.parvis.registry.actions, mtype, key),
        card_frame(mtype.key, (phase_label, tone), type_label),
    )


def phase_tone(mtype: ModuleType, key: str) -> str:
    """The badge tone of a phase: open while it lets residents act, upcoming before the
    first such phase, closed after."""
    keys = [p.key for p in mtype.phases]
    acting = [i for i, p in enumerate(mtype.phases) if p.actions]
    if key not in keys or not acting:
        return "neutral"
    index = keys.index(key)
    if index in acting:
        return "open"
    return "upcoming" if index < acting[0] else "closed"
