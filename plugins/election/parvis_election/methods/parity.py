"""Gender parity correction, applied after the count.

While the seats won by women ("f") and men ("m") differ by more than one, the last elected
candidate of the over-represented gender gives way to the best placed non-elected candidate of
the other gender, in the placing of the uncorrected count (block: approvals; Phragmén: the order
in which the sequential procedure, continued past the seats, takes the candidates; STV: the
candidates still in the count by votes, then the excluded ones, last excluded first). Each
exchange is a round "parity_swap". Candidates of gender "x" (or none) count for neither side;
the correction stops when the other gender has no candidate left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from .types import Round


def correct_parity(
    elected: Sequence[int],
    placing: Sequence[int],
    genders: Mapping[int, str],
    first_round: int,
    tallies: Mapping[int, Fraction],
) -> tuple[list[int], list[tuple[int, int]], list[Round]]:
    """The corrected list of elected, the (replaced, replacement) pairs and their rounds."""
    seated = list(elected)
    changes: list[tuple[int, int]] = []
    rounds: list[Round] = []
    while True:
        women = sum(1 for c in seated if genders.get(c) == "f")
        men = sum(1 for c in seated if genders.get(c) == "m")
        if abs(women - men) <= 1:
            break
        over, under = ("f", "m") if women > men else ("m", "f")
        replacement = next(
            (c for c in placing if c not in seated and genders.get(c) == under), None
        )
        if replacement is None:
            break
        replaced = next(c for c in reversed(seated) if genders.get(c) == over)
        seated.remove(replaced)
        seated.append(replacement)
        changes.append((replaced, replacement))
        rounds.append(
            Round(first_round + len(rounds), tallies, (replacement,), (replaced,), "parity_swap")
        )
    return seated, changes, rounds
