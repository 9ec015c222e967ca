"""Single transferable vote under the rules of the Scottish Local Government Elections Order 2007
(SSI 2007/42), schedule 1, rules 45 to 52 ("Scottish STV").

- Quota (rule 46): valid ballots divided by (seats + 1), decimals ignored, plus one.
- A candidate whose votes equal or exceed the quota is elected (rule 47).
- Surpluses (rules 48 and 49): one per stage, the largest first. Every paper the candidate holds
  moves to its next continuing preference at the transfer value surplus x (value of the paper)
  / (candidate's total), calculated to five decimal places, any remainder ignored (inclusive
  Gregory method). The elected candidate keeps the quota.
- Exclusion (rules 50 and 51): when no surplus remains, the candidate with the fewest votes is
  excluded and all their papers move on at the value at which they were received.
- Ties (rules 49(2), 51(2)): the most recent preceding stage at which the tied candidates had
  unequal votes; equal at every stage: the lot, here the published lottery (see ``ties``).
- Last vacancies (rule 52): when as many continuing candidates remain as seats, they are elected
  and no further transfer is made.

Votes are integers in units of 0.00001 so the five-decimal arithmetic is exact; identical
rankings travel together (they always carry the same value), which keeps 100,000 ballots fast.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from .block import Ballots
from .ties import break_tie
from .types import Round

SCALE = 100_000  # five decimal places


class _Count:
    def __init__(self, candidates: Sequence[int], ballots: Ballots, tie_seed: str):
        self.candidates = list(candidates)
        self.tie_seed = tie_seed
        self.rank = [r for r in ballots if r]
        self.size = [ballots[r] for r in self.rank]
        self.value = [SCALE] * len(self.rank)  # value of one paper of the group
        self.pos = [0] * len(self.rank)
        self.votes = dict.fromkeys(self.candidates, 0)
        self.pile: dict[int, list[int]] = {c: [] for c in self.candidates}
        self.continuing = set(self.candidates)
        self.total = sum(self.size) * SCALE
        self.history: list[dict[int, int]] = []
        self.done: list[int] = []  # elected, in order of election
        self.rounds: list[Round] = []
        for g, ranking in enumerate(self.rank):
            self.pile[ranking[0]].append(g)
            self.votes[ranking[0]] += self.size[g] * SCALE

    def move(self, group: int) -> None:
        """Pass a group of papers to its next continuing preference (or set it aside)."""
        ranking, pos = self.rank[group], self.pos[group]
        while pos < len(ranking) and ranking[pos] not in self.continuing:
            pos += 1
        self.pos[group] = pos
        if pos < len(ranking):
            self.pile[ranking[pos]].append(group)
            self.votes[ranking[pos]] += self.size[group] * self.value[group]

    def pick(self, among: list[int], *, lowest: bool) -> tuple[int, str]:
        """The candidate with the most (or fewest) votes, ties by rules 49(2) and 51(2)."""
        target = (min if lowest else max)(self.votes[c] for c in among)
        same = [c for c in among if self.votes[c] == target]
        if len(same) == 1:
            return same[0], ""
        return break_tie(same, self.history, self.tie_seed, lowest=lowest)

    def order(self, among: list[int]) -> tuple[list[int], str]:
        """Candidates by votes, most first; the tie-break used, the strongest kind."""
        result, ties, rest = [], set(), list(among)
        while rest:
            pick, tie = self.pick(rest, lowest=False)
            result.append(pick)
            rest.remove(pick)
            ties.add(tie)
        return result, "lottery" if "lottery" in ties else max(ties, default="")

    def end_stage(
        self,
        note: str,
        elected: list[int],
        eliminated: tuple[int, ...],
        tie: str,
        source: int | None,
    ) -> None:
        self.history.append(dict(self.votes))
        tallies = {
            c: Fraction(self.votes[c], SCALE)
            for c in self.candidates
            if c in self.continuing or c in self.done
        }
        lost = Fraction(self.total - sum(self.votes.values()), SCALE)
        self.rounds.append(
            Round(
                len(self.rounds) + 1,
                tallies,
                tuple(elected),
                eliminated,
                note,
                tie=tie,
                transferred_from=source,
                non_transferable=lost,
            )
        )

    def transfer(self, source: int, surplus: int | None) -> None:
        """Move all of ``source``'s papers on; at a reduced value when passing a surplus."""
        total = self.votes[source]
        for g in self.pile[source]:
            if surplus is not None:
                # Rule 48(3): surplus x value / total, to five decimals, remainder ignored.
                self.value[g] = self.value[g] * surplus // total
            self.move(g)
        self.pile[source] = []

    def run(self, seats: int) -> tuple[list[int], list[int], Fraction]:
        quota = (self.total // SCALE // (seats + 1) + 1) * SCALE
        pending: list[int] = []  # elected with a surplus not yet transferred
        excluded: list[int] = []
        note, eliminated, tie, source = "first_preferences", (), "", None
        while True:
            newly, elect_tie = self.order([c for c in self.continuing if self.votes[c] >= quota])
            self.continuing.difference_update(newly)
            self.done += newly
            pending += [c for c in newly if self.votes[c] > quota]
            self.end_stage(note, newly, eliminated, tie or elect_tie, source)
            left = seats - len(self.done)
            if left <= 0:
                break
            if len(self.continuing) <= left:  # rule 52: no further transfer
                last, tie = self.order(list(self.continuing))
                self.done += last
                previous = self.rounds[-1]
                self.rounds.append(
                    Round(
                        len(self.rounds) + 1,
                        previous.tallies,
                        tuple(last),
                        (),
                        "last_vacancies",
                        tie=tie,
                        non_transferable=previous.non_transferable,
                    )
                )
                self.continuing.clear()
                break
            if pending:  # rule 49: the largest surplus first
                source, tie = self.pick(pending, lowest=False)
                pending.remove(source)
                self.transfer(source, self.votes[source] - quota)
                self.votes[source] = quota
                note, eliminated = "surplus_transferred", ()
            else:  # rule 50: exclude the candidate with the fewest votes
                source, tie = self.pick(list(self.continuing), lowest=True)
                self.continuing.discard(source)
                excluded.append(source)
                self.transfer(source, None)
                self.votes[source] = 0
                note, eliminated = "lowest_eliminated", (source,)
        rest, _ = self.order(list(self.continuing))
        return self.done, [*self.done, *rest, *reversed(excluded)], Fraction(quota, SCALE)


def count_stv(
    candidates: Sequence[int], ballots: Ballots, seats: int, tie_seed: str
) -> tuple[list[int], list[Round], list[int], Fraction]:
    """Elected (in order), stages, every candidate in placing order, and the quota."""
    counter = _Count(candidates, ballots, tie_seed)
    elected, placing, quota = counter.run(seats)
    return elected, counter.rounds, placing, quota
