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
    """At most two queries for any number of elections."""
    voting = [m.id for m, _s in items if m.phase == "voting"]
    standing = [m.id for m, _s in items if m.phase == "candidacies"]
    voters = count_by(ctx.session, Participation.module_id, voting)
    candidates = count_by(ctx.session, Candidacy.module_id, standing, _STANDING)
    found = {}
    for module, space in items:
        if module.phase == "voting":
            count = voters.get(module.id, 0)
            found[module.id] = ModuleSummary(
                participation=count,
                participation_label=ngettext("voter", "voters", count),
                action_label=_("Vote"),
                action_url=ctx.module_url(module, space, "vote"),
            )
        elif module.phase == "candidacies":
            count = candidates.get(module.id, 0)
            found[module.id] = ModuleSummary(
                participation=count,
                participation_label=ngettext("candidacy", "candidacies", count),
                action_label=_("Stand as a candidate"),
                action_url=ctx.module_url(module, space, "apply"),
            )
        else:
            found[module.id] = ModuleSummary(
                results_url=ctx.module_url(module, space, "results")
                if module.phase in RESULTS_PUBLISHED
                else ""
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
