"""What the results page shows per constituency: seats, votes, elected, turnout, the check
"participations = ballots", chart geometry and the method in words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from parvis.api import Context, format_date, format_datetime, town_time_zone

from .config import ElectionConfig
from .i18n import _
from .results import stored_results
from .services import constituencies

# The counting module's round codes (methods.ROUND_NOTES), in words a resident reads.
ROUND_NOTES = {
    "most_approvals": lambda: _("the candidates with the most approvals are elected"),
    "min_load": lambda: _("the candidate whose voters would carry the lowest load is elected"),
    "no_support": lambda: _(
        "no remaining candidate is approved on any ballot: the seat goes by lot"
    ),
    "first_preferences": lambda: _(
        "first preferences are counted; candidates reaching the quota are elected"
    ),
    "surplus_transferred": lambda: _("the surplus of an elected candidate is transferred"),
    "lowest_eliminated": lambda: _(
        "the candidate with the fewest votes is excluded and their ballots move on"
    ),
    "last_vacancies": lambda: _("as many candidates remain as seats: they are elected"),
    "parity_swap": lambda: _(
        "gender parity: the last elected of one gender gives way to the best placed of the other"
    ),
}
TIE_NOTES = {
    "earlier_round": lambda: _(
        "a tie, decided by the latest earlier round where the candidates differed"
    ),
    "more_approvals": lambda: _("a tie, decided by the number of approvals"),
    "lottery": lambda: _("a tie, decided by the published drawing of lots"),
}


@dataclass(frozen=True)
class Line:
    id: int
    name: str
    votes: int
    elected: bool
    share: float  # of the largest score, for the bar


def method_words(config: ElectionConfig, seats: int, max_choices: int | None) -> list[str]:
    if config.method == "block":
        text = [
            _(
                "Each voter could choose up to %(num)s candidates. Every choice counts as one "
                "vote, and the %(seats)s candidates with the most votes are elected.",
                num=max_choices or seats,
                seats=seats,
            )
        ]
    elif config.method == "phragmen":
        text = [
            _(
                "Each voter approved as many candidates as they wished. Sequential Phragmén "
                "fills the %(seats)s seats one at a time: each seat is a load of 1 shared by the "
                "voters who approved the winner, and the next seat goes to the candidate whose "
                "election keeps the heaviest load of any voter as light as possible. Groups of "
                "voters win seats in proportion to their size.",
                seats=seats,
            )
        ]
    else:
        text = [
            _(
                "Single transferable vote, Scottish rules of 2007. Voters ranked the "
                "candidates. A candidate whose votes reach the quota is "
                "elected and the surplus passes on to the next preferences of their voters; when "
                "nobody reaches it, the candidate with the fewest votes is eliminated and their "
                "ballots pass on, until the %(seats)s seats are filled.",
                seats=seats,
            )
        ]
    text.append(
        _(
            "A tie is decided by the rules of the method (an earlier round, the number of "
            "approvals) and otherwise by a drawing of lots anyone can reproduce, seeded by the "
            "published text “%(seed)s”.",
            seed=config.tie_seed,
        )
    )
    if config.parity:
        text.append(
            _(
                "Gender parity: when the elected of one gender outnumber the other by more than "
                "one, the last elected of the larger group gives way to the best-placed candidate "
                "of the other, until the difference is at most one."
            )
        )
    return text


def closing_words(value: str | None, zone: ZoneInfo) -> str:
    """When the electorate was counted, as a resident reads it: "at the end of 16 March 2025"
    when voting closed at midnight (the last voting day), else the date and time."""
    if not value:
        return ""
    local = dt.datetime.fromisoformat(value).astimezone(zone)
    if local.time() == dt.time(0, 0):
        return _("at the end of %(day)s", day=format_date(local.date() - dt.timedelta(days=1)))
    return _("on %(when)s", when=format_datetime(local, "short"))


def constituency_view(
    config: ElectionConfig, row: Any, data: dict[str, Any], zone: ZoneInfo
) -> dict[str, Any]:
    names = {c["id"]: c["name"] for c in data["candidates"]}
    votes = {int(k): v for k, v in data["votes"].items()}
    elected = set(data["elected"])
    order = sorted(names, key=lambda c: (-votes.get(c, 0), c not in elected, names[c].casefold()))
    top = max(votes.values(), default=0) or 1
    lines = [Line(c, names[c], votes.get(c, 0), c in elected, votes.get(c, 0) / top) for c in order]
    ballots = data["online_ballots"] + data["paper_ballots"]
    voters = data["participations"] + data["paper_signatures"]
    electorate = data["electorate"]
    return {
        "row": row,
        "data": data,
        "lines": lines,
        "elected_names": [names.get(c, "?") for c in data["elected"]],
        "ballots": ballots,
        "voters": voters,
        "turnout": (voters / electorate) if electorate else None,
        "electorate_when": closing_words(data.get("electorate_at"), zone),
        "consistent": data["participations"] == data["online_ballots"]
        and data["paper_signatures"] == data["paper_ballots"],
        "parity_changes": [
            (names.get(a, "?"), names.get(b, "?")) for a, b in data["parity_changes"]
        ],
        "rounds": [
            {
                **r,
                "notes": ROUND_NOTES[r["note"]]() if r["note"] in ROUND_NOTES else r["note"],
                "tie": TIE_NOTES[r["tie"]]() if r.get("tie") in TIE_NOTES else "",
                "elected_names": [names.get(c, "?") for c in r["elected"]],
                "eliminated_names": [names.get(c, "?") for c in r["eliminated"]],
            }
            for r in data["rounds"]
        ],
        "words": method_words(
            config,
            data["seats"],
            None if config.method != "block" else (config.max_choices or data["seats"]),
        ),
    }


def results_context(ctx: Context, config: ElectionConfig) -> dict[str, Any]:
    stored = stored_results(ctx.session, ctx.module)
    zone = town_time_zone(ctx.town)
    views = []
    for row in constituencies(ctx.session, ctx.module):
        result = stored.get(row.id)
        if result is not None:
            views.append(constituency_view(config, row, result.data, zone))
    return {"results": views, "counted": bool(views)}
