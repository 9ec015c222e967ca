"""How an election sums itself up on the home page and space pages (``ModuleType.summarize``):
voters or candidacies so far, the one action of its phase, its published results."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from parvis.api import Context, Module, ModuleRow, ModuleSummary, Space, count_by, count_by_week

from .i18n import _, ngettext
from .models import Candidacy, Participation
from .services import RESULTS_PUBLISHED

# Built once: ``count_by`` then reuses its statement.
_STANDING = Candidacy.status != "withdrawn"


def summarize(
    ctx: Context, items: Sequence[tuple[ModuleRow, Space]]
) -> Mapping[int, ModuleSummary]:
    """At most two queries for any number of elections; labels translated once, links made in
    one call per route."""
    voting = [(m, s) for m, s in items if m.phase == "voting"]
    standing = [(m, s) for m, s in items if m.phase == "candidacies"]
    voters = count_by(ctx.session, Participation.module_id, [m.id for m, _s in voting])
    candidates = count_by(ctx.session, Candidacy.module_id, [m.id for m, _s in standing], _STANDING)
    vote_urls = ctx.module_urls(voting, "vote")
    apply_urls = ctx.module_urls(standing, "apply")
    results_urls = ctx.module_urls(
        [(m, s) for m, s in items if m.phase in RESULTS_PUBLISHED], "results"
    )
    vote, stand = _("Vote"), _("Stand as a candidate")
    plurals: dict[tuple[bool, int], str] = {}
    found = {}
    for module, _space in items:
        in_vote = module.phase == "voting"
        if in_vote or module.phase == "candidacies":
            counts = voters if in_vote else candidates
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
                action_label=vote if in_vote else stand,
                action_url=vote_urls[module.id] if in_vote else apply_urls[module.id],
            )
        else:
            found[module.id] = ModuleSummary(results_url=results_urls.get(module.id, ""))
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
