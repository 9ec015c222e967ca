"""Sequential Phragmén (Phragmén's method for approval ballots, as in Janson 2016 and the
``seqphragmen`` rule of abcvoting), in exact fractions.

Every voter carries a load, zero at the start. Electing candidate c spreads a load of one seat
over c's approvers so that they all end up with the same load: the new load is
``(1 + sum of the current loads of c's approvers) / number of c's approvers``. Each round elects
the candidate with the lowest new load. Ties: the candidate with more approvals, then the
published lottery. When no remaining candidate has any approver, the seat goes by lot.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from fractions import Fraction

from .block import Ballots
from .ties import lottery_key
from .types import Round


def count_phragmen(
    candidates: Sequence[int], ballots: Ballots, seats: int, tie_seed: str
) -> tuple[list[int], list[Round], list[int]]:
    """Elected (in order), rounds, and every candidate in placing order.

    The placing goes on with the same procedure past the seats, so that it ranks the candidates
    left out (used by the parity correction).
    """
    # Identical ballots always carry the same load: count each distinct approval set once.
    groups: Counter[frozenset[int]] = Counter()
    for ballot, voters in ballots.items():
        groups[frozenset(ballot)] += voters
    sets = list(groups)
    weight = [groups[s] for s in sets]
    load = [Fraction(0)] * len(sets)
    supporters = {c: [i for i, s in enumerate(sets) if c in s] for c in candidates}
    approvals = {c: sum(weight[i] for i in supporters[c]) for c in candidates}

    placing: list[int] = []
    rounds: list[Round] = []
    remaining = list(candidates)
    while remaining:
        new_load = {
            c: (1 + sum(weight[i] * load[i] for i in supporters[c])) / approvals[c]
            for c in remaining
            if approvals[c]
        }
        if new_load:
            best = min(new_load.values())
            tied = [c for c, v in new_load.items() if v == best]
            most = max(approvals[c] for c in tied)
            tied_most = [c for c in tied if approvals[c] == most]
            winner = min(tied_most, key=lambda c: lottery_key(tie_seed, c))
            tie = "" if len(tied) == 1 else ("more_approvals" if len(tied_most) == 1 else "lottery")
            for i in supporters[winner]:
                load[i] = best
            note, tallies = "min_load", new_load
        else:
            winner = min(remaining, key=lambda c: lottery_key(tie_seed, c))
            tie = "lottery" if len(remaining) > 1 else ""
            note, tallies = "no_support", {}
        placing.append(winner)
        remaining.remove(winner)
        if len(placing) <= seats:
            rounds.append(Round(len(placing), tallies, (winner,), (), note, tie=tie))
    return placing[:seats], rounds, placing
