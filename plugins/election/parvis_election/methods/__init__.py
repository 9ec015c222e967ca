"""Counting methods of the election plugin: pure functions, no web, no database.

``count(ElectionInput)`` gives an ``ElectionResult``; ``check_ballot`` validates one ballot.
The methods are documented, with worked examples, in ``docs/election_methods.md``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence

from .block import approvals, count_block
from .parity import correct_parity
from .phragmen import count_phragmen
from .stv import count_stv
from .ties import lottery_order
from .types import ROUND_NOTES, TIE_RULES, ElectionInput, ElectionResult, Round

__all__ = [
    "METHODS",
    "ROUND_NOTES",
    "TIE_RULES",
    "ElectionInput",
    "ElectionResult",
    "Round",
    "check_ballot",
    "count",
    "lottery_order",
]

METHODS: dict[str, str] = {
    "block": "Block vote (up to N candidates)",
    "phragmen": "Sequential Phragmén (proportional approval)",
    "stv": "Single transferable vote (Scottish STV, 2007 rules)",
}


def check_ballot(
    method: str,
    choices: Sequence[int],
    *,
    seats: int,
    max_choices: int | None,
    candidates: Collection[int],
) -> str | None:
    """None when valid, else an error code: "empty", "too_many", "duplicate", "unknown_candidate".

    Block vote allows at most ``max_choices`` (default: the number of seats) approvals; Phragmén
    and STV allow every candidate unless ``max_choices`` is set.
    """
    if method not in METHODS:
        raise ValueError(f"unknown counting method {method!r}")
    if not choices:
        return "empty"
    if any(c not in candidates for c in choices):
        return "unknown_candidate"
    if len(set(choices)) != len(choices):
        return "duplicate"
    limit = max_choices if max_choices is not None else (seats if method == "block" else None)
    if limit is not None and len(choices) > limit:
        return "too_many"
    return None


def count(inp: ElectionInput) -> ElectionResult:
    """Count an election. Raises ValueError on a bad parameter or an invalid ballot."""
    if inp.method not in METHODS:
        raise ValueError(f"unknown counting method {inp.method!r}")
    if inp.seats < 1:
        raise ValueError("an election needs at least one seat")
    if len(set(inp.candidates)) != len(inp.candidates):
        raise ValueError("a candidate is listed twice")
    # Identical ballots are counted together: 100,000 ballots hold far fewer distinct ones.
    ballots = Counter(map(tuple, inp.ballots))
    known = set(inp.candidates)
    for ballot in ballots:
        error = check_ballot(
            inp.method, ballot, seats=inp.seats, max_choices=inp.max_choices, candidates=known
        )
        if error:
            number = next(n for n, b in enumerate(inp.ballots, 1) if tuple(b) == ballot)
            raise ValueError(f"ballot {number} is invalid: {error}")
    seats = min(inp.seats, len(inp.candidates))
    quota = None
    if inp.method == "block":
        elected, rounds, placing = count_block(inp.candidates, ballots, seats, inp.tie_seed)
        votes = approvals(inp.candidates, ballots)
    elif inp.method == "phragmen":
        elected, rounds, placing = count_phragmen(
            inp.candidates, ballots, seats, inp.tie_seed, extend=inp.parity
        )
        votes = approvals(inp.candidates, ballots)
    else:
        elected, rounds, placing, quota = count_stv(inp.candidates, ballots, seats, inp.tie_seed)
        first: Counter[tuple[int, ...]] = Counter()
        for ballot, voters in ballots.items():
            first[ballot[:1]] += voters
        votes = approvals(inp.candidates, first)
    changes: list[tuple[int, int]] = []
    if inp.parity and inp.genders:
        tallies = rounds[-1].tallies if rounds else {}
        elected, changes, swaps = correct_parity(
            elected, placing, inp.genders, len(rounds) + 1, tallies
        )
        rounds += swaps
    return ElectionResult(
        elected=tuple(elected),
        votes=votes,
        rounds=tuple(rounds),
        parity_changes=tuple(changes),
        ballots_counted=len(inp.ballots),
        quota=quota,
    )
