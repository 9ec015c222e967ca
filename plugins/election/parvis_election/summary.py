"""How an election sums itself up on the home page and space pages (``ModuleType.summarize``):
voters or candidacies so far, the one action of its phase, its published results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy import case, func, select

from parvis.api import (
    Context,
    Module,
    ModuleRow,
    ModuleSummary,
    Space,
    count_by_week,
    driver_rows,
    keyed_rows,
)

from .i18n import _, ngettext
from .models import Candidacy, Participation
from .services import RESULTS_PUBLISHED

# Built once, run through the driver's cursor: the voters of the elections in their vote and
# the standing candidacies of those taking candidacies, in one statement for any number of
# elections (two through SQLAlchemy before: each cost about 60 Python calls). The stored phase
# chooses what is counted (the rows' own, but for a move in between): a list of the voting ones
# cost SQLite a temporary b-tree, about 30,000 instructions; the elections read as a join
# (``keyed_rows``) for the same reason.
_SUMMARY = select(
    Module.id,
    case(
        (
            Module.phase == "voting",
            select(func.count()).where(Participation.module_id == Module.id).scalar_subquery(),
        ),
        else_=select(func.count())
        .where(Candidacy.module_id == Module.id, Candidacy.status != "withdrawn")
        .scalar_subquery(),
    ),
).select_from(keyed_rows(Module.id, "ids"))
# What an election shows in no other phase and before its results: nothing (read-only, so one
# for all of them: a space page lists hundreds of modules).
_NOTHING = ModuleSummary()


def summarize(
    ctx: Context, items: Sequence[tuple[ModuleRow, Space]]
) -> Mapping[int, ModuleSummary]:
    """At most one query for any number of elections; labels translated once and only when
    shown, links made in one call per route."""
    voting = [(m, s) for m, s in items if m.phase == "voting"]
    standing = [(m, s) for m, s in items if m.phase == "candidacies"]
    counts: dict[int, int] = {}
    if voting or standing:
        params = {"ids": [m.id for m, _s in voting] + [m.id for m, _s in standing]}
        counts = dict(driver_rows(ctx.session, _SUMMARY, params))
    published = [(m, s) for m, s in items if m.phase in RESULTS_PUBLISHED]
    results_urls = ctx.module_urls(published, "results") if published else {}
    found: dict[int, ModuleSummary] = {}
    for module, _space in items:
        found[module.id] = (
            ModuleSummary(results_url=results_urls[module.id])
            if module.id in results_urls
            else _NOTHING
        )
    plurals: dict[tuple[bool, int], str] = {}
    for in_vote, pairs in ((True, voting), (False, standing)):
        if not pairs:
            continue
        if in_vote:
            label, urls = _("Vote"), ctx.module_urls(pairs, "vote")
        else:
            label, urls = _("Stand as a candidate"), ctx.module_urls(pairs, "apply")
        for module, _space in pairs:
            count = 0  # ``in`` then ``[]``: no call per module
            if module.id in counts:
                count = counts[module.id]
            key = (in_vote, count)
            if key not in plurals:
                plurals[key] = (
                    ngettext("voter", "voters", count)
                    if in_vote
                    else ngettext("candidacy", "candidacies", count)
                )
            found[module.id] = ModuleSummary(
                participation=count,
                participation_label=plurals[key],
                action_label=label,
                action_url=urls[module.id],
            )
    return found


def activity(
    ctx: Context, modules: Sequence[Module], since: dt.datetime
) -> Mapping[int, Mapping[dt.date, int]]:
    """Voters per week, one query for any number of elections (``ModuleType.activity``); the
    participation rows say who voted, only their count per week leaves here."""
    return count_by_week(
        ctx.session,
        Participation.module_id,
        Participation.voted_at,
        [m.id for m in modules],
        since,
    )
