"""The reproducible tie-break shared by every method.

The lottery is drawn once for a whole count: candidates are ordered by the SHA-256 digest of
``"<tie_seed>:<candidate id>"`` (hex, ascending). Earlier in that order wins the lot: it is elected
first, its surplus is transferred first, and it is the last one excluded. Anyone holding the
published tie seed can recompute the order with one line of code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence


def lottery_key(tie_seed: str, candidate: int) -> str:
    return hashlib.sha256(f"{tie_seed}:{candidate}".encode()).hexdigest()


def lottery_order(tie_seed: str, candidates: Iterable[int]) -> list[int]:
    """The candidates, luckiest first."""
    return sorted(candidates, key=lambda c: lottery_key(tie_seed, c))


def break_tie(
    tied: Sequence[int],
    history: Sequence[Mapping[int, int]],
    tie_seed: str,
    *,
    lowest: bool,
) -> tuple[int, str]:
    """Pick one of ``tied`` (the one to exclude when ``lowest``, else the one to favour).

    Looks back from the most recent round in ``history`` for the latest one in which the tied
    candidates had unequal tallies, keeps those with the lowest (``lowest``) or highest tally
    there and goes on back while several remain; what still ties after the first round is settled
    by the lottery. Returns the candidate and how the tie was broken ("earlier_round" or
    "lottery").
    """
    remaining = list(tied)
    how = "earlier_round"
    for tallies in reversed(history):
        values = {c: tallies.get(c, 0) for c in remaining}
        target = min(values.values()) if lowest else max(values.values())
        remaining = [c for c in remaining if values[c] == target]
        if len(remaining) == 1:
            return remaining[0], how
    order = lottery_order(tie_seed, remaining)
    return (order[-1] if lowest else order[0]), "lottery"
