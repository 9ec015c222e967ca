"""How an idea call sums itself up on the home page and space pages (``ModuleType.summarize``):
ideas proposed or ballots cast so far, the one action of its phase, its published results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from sqlalchemy import Integer, case, exists, func, select, type_coerce

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
from .models import Ballot, CountJob, Idea

# Built once: building it took longer than running it. Each call's ballots (in the vote) or
# ideas (merged ones left out) and whether its results are published, in one statement for any
# number of calls (three before: on PostgreSQL each costs about 100 µs of client CPU). The
# stored phase chooses what is counted (the rows' own, but for a move in between): a list of
# the calls in their vote cost SQLite a temporary b-tree, about 30,000 instructions; the calls
# read as a join (``keyed_rows``) for the same reason.
_NOT_MERGED = Idea.status != "merged"
_SUMMARY = select(
    Module.id,
    case(
        (
            Module.phase == "vote",
            select(func.count()).where(Ballot.module_id == Module.id).scalar_subquery(),
        ),
        else_=select(func.count())
        .where(Idea.module_id == Module.id, _NOT_MERGED)
        .scalar_subquery(),
    ),
    # Tested for truth only: as stored (0 or 1 on SQLite), without a result processor.
    type_coerce(
        exists()
        .where(CountJob.module_id == Module.id, CountJob.published_at.is_not(None))
        .correlate(Module),
        Integer,
    ),
).select_from(keyed_rows(Module.id, "ids"))


def summarize(
    ctx: Context, items: Sequence[tuple[ModuleRow, Space]]
) -> Mapping[int, ModuleSummary]:
    """One query for any number of calls; no call per module but the summary's (labels
    translated once, links made in one call per route: a space may list hundreds)."""
    in_vote = [(m, s) for m, s in items if m.phase == "vote"]
    proposing = [(m, s) for m, s in items if m.phase != "vote"]
    params = {"ids": [m.id for m, _s in items]}
    counts: dict[int, int] = {}
    published: set[int] = set()
    for module_id, count, done in driver_rows(ctx.session, _SUMMARY, params):
        counts[module_id] = count
        if done:
            published.add(module_id)
    # Links made in one call per route, labels translated once: only those shown.
    submitting = [(m, s) for m, s in proposing if m.phase == "submission"]
    done = [(m, s) for m, s in proposing if m.id in published]
    vote_urls = ctx.module_urls(in_vote, "vote") if in_vote else {}
    propose_urls = ctx.module_urls(submitting, "propose") if submitting else {}
    results_urls = ctx.module_urls(done, "results") if done else {}
    cast = _("Cast my ballot") if in_vote else ""
    propose = _("Propose an idea") if submitting else ""
    plurals: dict[tuple[bool, int], str] = {}
    found = {}
    for module, _space in items:
        voting = module.phase == "vote"
        count = 0  # ``in`` then ``[]``: no call per module
        if module.id in counts:
            count = counts[module.id]
        key = (voting, count)
        if key not in plurals:
            plurals[key] = (
                ngettext("ballot", "ballots", count) if voting else ngettext("idea", "ideas", count)
            )
        if voting:
            summary = ModuleSummary(count, plurals[key], cast, vote_urls[module.id])
        else:
            submission = module.phase == "submission"
            summary = ModuleSummary(
                participation=count,
                participation_label=plurals[key],
                action_label=propose if submission else "",
                action_url=propose_urls[module.id] if submission else "",
                results_url=results_urls[module.id] if module.id in published else "",
            )
        found[module.id] = summary
    return found


def activity(
    ctx: Context, modules: Sequence[Module], since: dt.datetime
) -> Mapping[int, Mapping[dt.date, int]]:
    """Ideas proposed and ballots cast per week, two queries for any number of calls
    (``ModuleType.activity``); merged ideas count, they were proposed."""
    ids = [m.id for m in modules]
    found: dict[int, dict[dt.date, int]] = {}
    for column, stamp in ((Idea.module_id, Idea.created_at), (Ballot.module_id, Ballot.created_at)):
        for module_id, weeks in count_by_week(ctx.session, column, stamp, ids, since).items():
            into = found.setdefault(module_id, {})
            for week, count in weeks.items():
                into[week] = into.get(week, 0) + count
    return found
