"""Block vote ("up to N candidates"): each voter approves at most N candidates (N = max_choices,
by default the number of seats); the candidates with the most approvals fill the seats.

Ties at the last seat are settled by the published lottery (there is no earlier round to compare).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from fractions import Fraction

from .ties import lottery_key
from .types import Round

Ballots = Mapping[tuple[int, ...], int]  # each distinct ballot -> how many voters cast it


def approvals(candidates: Sequence[int], ballots: Ballots) -> dict[int, int]:
    tally: Counter[int] = Counter()
    for ballot, voters in ballots.items():
        for c in ballot:
            tally[c] += voters
    return {c: tally.get(c, 0) for c in candidates}


def count_block(
    candidates: Sequence[int], ballots: Ballots, seats: int, tie_seed: str
) -> tuple[list[int], list[Round], list[int]]:
    """Elected (in order), rounds, and every candidate in final placing order."""
    votes = approvals(candidates, ballots)
    placing = sorted(candidates, key=lambda c: (-votes[c], lottery_key(tie_seed, c)))
    elected = placing[:seats]
    # The lottery decided a seat when a candidate left out has as many approvals as one elected.
    lottery = bool(elected) and seats < len(placing) and votes[placing[seats]] == votes[elected[-1]]
    tallies = {c: Fraction(v) for c, v in votes.items()}
    rounds = [
        Round(1, tallies, tuple(elected), (), "most_approvals", tie="lottery" if lottery else "")
    ]
    return elected, rounds, placing
