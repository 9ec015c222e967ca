"""The cards of the home page and the "open now" page (``ui.card``'s arguments), built for a
list of summed-up modules with what the cards of one type, phase and space share worked out once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from parvis.cards import card_frame
from parvis.context import Context
from parvis.contrib import ModuleRow, ModuleSummary, ModuleType, SpaceRow
from parvis.i18n import gettext as _
from parvis.i18n import translated
from parvis.models import Space
from parvis.phases import Deadline, phase_deadline

# The home page and space pages both give ``summarize`` ``SpaceRow``s (docs/plugin_hooks.md);
# the alias still admits ``Space`` objects.
AnySpace = Space | SpaceRow


@dataclass(slots=True)
class HomeCard:
    """One module on the home page or the "open now" page, ready for ``ui.card`` (not frozen:
    built by the dozen, and a frozen dataclass takes five times as long to build)."""

    module: ModuleRow
    space: AnySpace
    title: str  # the module's (a field: ``framed_card_list`` reads it for each card)
    url: str
    type_label: str
    phase_label: str
    deadline: Deadline | None
    count: tuple[int, str] | None
    action: tuple[str, str]
    image: str | None = None  # the space's picture
    tone: str = "open"
    # The markup around the title (``cards.card_frame``), shared by the cards of one type,
    # phase and space: ``framed_card_list`` writes the same markup as ``card(**options)``.
    frame: tuple[str, str] = ("", "")

    @property
    def options(self) -> dict[str, Any]:
        """The card's arguments (``card_list``, or ``ui.card(**c.options)``)."""
        return {
            "title": self.title,
            "href": self.url,
            "image": self.image,
            "kind": self.module.type,
            "meta": self.space.title,
            "badge": (self.phase_label, self.tone),
            "due": self.deadline,
            "count": self.count,
            "action": self.action,
        }


# What a summary says when the module type gave none (read-only, shared).
_NO_SUMMARY = ModuleSummary()
_NO_ENDS: Mapping[int, dt.datetime] = {}


class CardBuilder:
    """Builds the home page's cards, working out once per page what the cards of one type,
    phase and space share: labels translated once per type and phase, the markup around the
    title (``cards.card_frame``: the same markup as ``card``), each space's picture link and
    each type's link reversed once; no call per card but building it.

    ``unlisted``: also the modules whose summary says ``listed=False`` (quick polls the
    consultation shows on the home page itself): the "open now" page lists everything."""

    def __init__(self, ctx: Context, *, unlisted: bool = False) -> None:
        self.ctx = ctx
        self.unlisted = unlisted
        self.shared: dict[tuple[str, str, int, bool], _Shared] = {}
        self.images: dict[int, str | None] = {}  # each space's picture link
        # Each type and phase's labels, translated once: (type, type label, phase label).
        self.labels: dict[tuple[str, str], tuple[ModuleType, str, str]] = {}
        self.actions = (_("See the results"), _("Take part"))

    def build(
        self,
        pairs: Sequence[tuple[ModuleRow, AnySpace]],
        summary: Mapping[int, ModuleSummary],
        *,
        results: bool,
        limit: int | None = None,
        ends: Mapping[int, dt.datetime] | None = None,
    ) -> list[HomeCard]:
        """The open cards of these modules, or (``results``) their result cards, in the order
        given, at most ``limit``; modules their type does not list are left out. ``ends``: the
        open modules' current phase ends (``home.phase_ends``, worked out when ordering them),
        for the cards' deadlines; a module not in it has none."""
        shared_by, unlisted = self.shared, self.unlisted
        dated = ends if ends is not None and not results else _NO_ENDS
        see_results, take_part = self.actions
        cards = []
        for module, space in pairs:
            found = _NO_SUMMARY  # ``in`` then ``[]``: no call per module
            if module.id in summary:
                found = summary[module.id]
            if (not found.listed and not unlisted) or (results and not found.results_url):
                continue
            key = (module.type, module.phase, space.id, results)
            if key in shared_by:
                shared = shared_by[key]
            else:
                shared = shared_by[key] = self._shared(module, space, results)
            url = f"{shared.link[0]}{module.id}{shared.link[1]}"
            deadline = None
            if module.id in dated:
                deadline = phase_deadline(shared.phase_label, dated[module.id])
            count = None
            if found.participation is not None:
                count = (found.participation, found.participation_label)
            if results:
                action = (see_results, found.results_url)
            else:
                action = (found.action_label or take_part, found.action_url or url)
            cards.append(
                HomeCard(
                    module,
                    space,
                    module.title,
                    url,
                    shared.type_label,
                    shared.phase_label,
                    deadline,
                    count,
                    action,
                    shared.image,
                    shared.tone,
                    shared.frame,
                )
            )
            if len(cards) == limit:
                break
        return cards

    def _shared(self, module: ModuleRow, space: AnySpace, results: bool) -> _Shared:
        ctx = self.ctx
        key = (module.type, module.phase)
        if key in self.labels:
            mtype, type_label, phase_label = self.labels[key]
        else:
            mtype = ctx.parvis.registry.module_types[module.type]
            phase = mtype.phase(module.phase)
            type_label = translated(mtype.label)
            phase_label = translated(phase.label) if phase else key[1]
            self.labels[key] = (mtype, type_label, phase_label)
        if space.id in self.images:
            image = self.images[space.id]
        else:
            image = self.images[space.id] = (
                ctx.url("spaces:upload", upload=space.image_id) if space.image_id else None
            )
        tone = "closed" if results else "open"
        return _Shared(
            mtype,
            type_label,
            phase_label,
            tone,
            image,
            card_frame(module.type, (phase_label, tone), space.title, image=image),
            ctx.module_link(module.type, space),
        )


class _Shared(NamedTuple):
    """What the home cards of one type, phase, space and section share."""

    mtype: ModuleType
    type_label: str
    phase_label: str
    tone: str
    image: str | None
    frame: tuple[str, str]
    link: tuple[str, str]
