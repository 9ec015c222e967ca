"""The home page as the place to participate: what is open now (deadline, participation count,
one action each), the resident's neighbourhood, then recent results and decisions.

Every module type summarises its own modules (``ModuleType.summarize``), all of a type at once,
so the page costs the same number of queries whatever the number of modules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from parvis import schedule
from parvis.context import Context
from parvis.contrib import ModuleSummary, ModuleType
from parvis.i18n import gettext as _
from parvis.models import Module, Space
from parvis.phases import Deadline, phase_deadline
from parvis.schedule import resident_phase

RECENT_RESULTS = 6

SummarizeFn = Callable[[Context, Sequence[tuple[Module, Space]]], Mapping[int, ModuleSummary]]


@dataclass(frozen=True)
class HomeCard:
    """One module on the home page, ready for ``ui.card``."""

    module: Module
    space: Space
    url: str
    type_label: str
    phase_label: str
    deadline: Deadline | None
    count: tuple[int, str] | None
    action: tuple[str, str]
    image: str | None = None  # the space's picture
    tone: str = "open"

    @property
    def options(self) -> dict[str, Any]:
        """The card's arguments (``card_list``, or ``ui.card(**c.options)``)."""
        return {
            "title": self.module.title,
            "href": self.url,
            "image": self.image,
            "kind": self.module.type,
            "meta": self.space.title,
            "badge": (self.phase_label, self.tone),
            "due": self.deadline,
            "count": self.count,
            "action": self.action,
        }


@dataclass(frozen=True)
class HomeSections:
    open_now: list[HomeCard]
    results: list[HomeCard]
    neighbourhood: list[Space]


def summaries(ctx: Context, items: Sequence[tuple[Module, Space]]) -> dict[int, ModuleSummary]:
    """Each module's summary, calling each ``summarize`` function once for all its modules.

    Module types that share one function (the consultation's surveys and polls) are summed up
    in one call, so their figures cost one set of queries, not one per type.
    """
    types = ctx.parvis.registry.module_types
    by_function: dict[SummarizeFn, list[tuple[Module, Space]]] = {}
    for module, space in items:
        mtype = types.get(module.type)
        if mtype is not None and mtype.summarize is not None:
            by_function.setdefault(mtype.summarize, []).append((module, space))
    found: dict[int, ModuleSummary] = {}
    for summarize, group in by_function.items():
        found.update(summarize(ctx, group))
    return found


def visible_modules(
    ctx: Context, spaces: Sequence[Space]
) -> tuple[list[tuple[Module, Space]], dict[int, schedule.Schedule]]:
    """The published modules of these (published) spaces, of plugins enabled for the town,
    with their dated phases (same statement)."""
    enabled = set(ctx.enabled_plugins) | set(ctx.parvis.core_plugins)
    by_id = {s.id: s for s in spaces}
    if not by_id:
        return [], {}
    modules, schedules = schedule.modules_with_schedules(
        ctx.session,
        select(Module)
        .where(Module.space_id.in_(list(by_id)), Module.published.is_(True))
        .order_by(Module.position, Module.id),
    )
    types = ctx.parvis.registry.module_types
    pairs = [
        (m, by_id[m.space_id])
        for m in modules
        if m.type in types and types[m.type].plugin in enabled
    ]
    return pairs, schedules


def home_sections(ctx: Context, spaces: Sequence[Space]) -> HomeSections:
    pairs, schedules = visible_modules(ctx, spaces)
    modules = [m for m, _s in pairs]
    ctx.schedules.update(schedule.advance(ctx.parvis, ctx.session, modules, schedules=schedules))
    summary = summaries(ctx, pairs)
    open_now, results = [], []
    labels: dict[tuple[str, str], tuple[str, str]] = {}
    for module, space in pairs:
        mtype = ctx.parvis.registry.module_types[module.type]
        found = summary.get(module.id, ModuleSummary())
        if not found.listed:
            continue
        if resident_phase(ctx.parvis.registry.actions, mtype, module.phase):
            open_now.append(_card(ctx, mtype, module, space, found, labels, results=False))
        elif found.results_url:
            results.append(_card(ctx, mtype, module, space, found, labels, results=True))
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    # Soonest deadline first; undated ones after, in the town's order.
    open_now.sort(key=lambda c: c.deadline.ends_at if c.deadline else far)
    results.sort(key=lambda c: c.module.id, reverse=True)
    area_id = ctx.user.area_id if ctx.user is not None else None
    neighbourhood = [s for s in spaces if area_id is not None and s.area_id == area_id]
    return HomeSections(open_now, results[:RECENT_RESULTS], neighbourhood)


def _card(
    ctx: Context,
    mtype: ModuleType,
    module: Module,
    space: Space,
    found: ModuleSummary,
    labels: dict[tuple[str, str], tuple[str, str]],
    *,
    results: bool,
) -> HomeCard:
    url = ctx.module_url(module, space)
    # Lazy labels translated once per type and phase, not once per card.
    key = (module.type, module.phase)
    if key not in labels:
        phase = mtype.phase(module.phase)
        labels[key] = (str(mtype.label), str(phase.label) if phase else module.phase)
    type_label, phase_label = labels[key]
    dates = ctx.schedules.get(module.id)
    end = schedule.phase_end(mtype.phases, module.phase, dates) if dates else None
    count = None
    if found.participation is not None:
        count = (found.participation, found.participation_label)
    if results:
        action = (_("See the results"), found.results_url)
    else:
        action = (found.action_label or _("Take part"), found.action_url or url)
    return HomeCard(
        module=module,
        space=space,
        url=url,
        type_label=type_label,
        phase_label=phase_label,
        deadline=None if results else phase_deadline(phase_label, end),
        count=count,
        action=action,
        image=ctx.url("spaces:upload", upload=space.image_id) if space.image_id else None,
        tone="closed" if results else "open",
    )
