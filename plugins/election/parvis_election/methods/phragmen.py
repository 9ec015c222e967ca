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
    candidates: Sequence[int], ballots: Ballots, seats: int, tie_seed: str, *, extend: bool
) -> tuple[list[int], list[Round], list[int]]:
    """Elected (in order), rounds, and the placing of the candidates.

    With ``extend`` the procedure goes on past the seats until every candidate is placed, so
    that the placing ranks those left out (for the parity correction).
    """
    # Voters elected-for together carry the same load, so loads take at most one value per
    # round: each candidate keeps how many of its approvers carry each load value, and a new
    # load is a sum over those few values (exact, and fast on thousands of ballots).
    groups: Counter[frozenset[int]] = Counter()
    for ballot, voters in ballots.items():
        groups[frozenset(ballot)] += voters
    levels = [Fraction(0)]  # the load values, level 0 = no load yet
    level_of = dict.fromkeys(groups, 0)
    at_level = {c: Counter() for c in candidates}  # candidate -> level -> approvers
    supporters: dict[int, list[frozenset[int]]] = {c: [] for c in candidates}
    for group, voters in groups.items():
        for c in group:
            at_level[c][0] += voters
            supporters[c].append(group)
    approvals = {c: at_level[c][0] for c in candidates}

    placing: list[int] = []
    rounds: list[Round] = []
    remaining = list(candidates)
    while remaining and (extend or len(placing) < seats):
        new_load = {
            c: (1 + sum(n * levels[lv] for lv, n in at_level[c].items() if n)) / approvals[c]
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
            levels.append(best)
            for group in supporters[winner]:
                old, voters = level_of[group], groups[group]
                level_of[group] = len(levels) - 1
                for c in group:
                    at_level[c][old] -= voters
                    at_level[c][len(levels) - 1] += voters
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
