"""The data the counting methods take and give (the contract with the election plugin)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class ElectionInput:
    method: str  # "block" | "phragmen" | "stv"
    seats: int
    candidates: tuple[int, ...]  # candidate ids
    # block/phragmen: approved ids (order ignored); stv: ranking, most preferred first
    ballots: Sequence[tuple[int, ...]]
    max_choices: int | None = None  # block vote: at most N (default: seats)
    genders: Mapping[int, str] | None = None  # candidate id -> "f" | "m" | "x" (for parity)
    parity: bool = False  # seats of "f" and "m" differ by at most one
    tie_seed: str = ""  # published string seeding the reproducible tie-break


@dataclass(frozen=True)
class Round:
    number: int
    tallies: Mapping[int, Fraction]  # candidate -> votes (or load/score) in that round
    elected: tuple[int, ...]
    eliminated: tuple[int, ...]
    note: str  # a code of ROUND_NOTES
    # How a tie deciding this round was broken: "" (no tie), "earlier_round",
    # "more_approvals" or "lottery" (see TIE_RULES).
    tie: str = ""
    # STV: the candidate whose surplus or papers were transferred at this stage.
    transferred_from: int | None = None
    # STV: value of the non-transferable papers so far (exhausted ballots).
    non_transferable: Fraction = Fraction(0)


@dataclass(frozen=True)
class ElectionResult:
    elected: tuple[int, ...]  # final, in order of election (after parity correction)
    votes: Mapping[int, int]  # approvals (block/phragmen) or first preferences (stv)
    rounds: tuple[Round, ...]
    parity_changes: tuple[tuple[int, int], ...]  # (replaced candidate, replacement)
    ballots_counted: int
    quota: Fraction | None = None  # stv only


ROUND_NOTES: dict[str, str] = {
    "most_approvals": "the candidates with the most approvals are elected",
    "min_load": "the candidate whose supporters would carry the lowest load is elected",
    "no_support": "no remaining candidate is approved on any ballot: the seat goes by lot",
    "first_preferences": "first preferences are counted; candidates reaching the quota are elected",
    "surplus_transferred": "the surplus of an elected candidate is transferred",
    "lowest_eliminated": "the candidate with the fewest votes is excluded and their papers move on",
    "last_vacancies": "as many candidates remain as seats: they are elected",
    "parity_swap": "gender parity: the last elected of one gender gives way to the best placed "
    "of the other",
}

TIE_RULES: dict[str, str] = {
    "earlier_round": "decided by the latest earlier round in which the tied candidates differed",
    "more_approvals": "decided by the number of approvals",
    "lottery": "decided by the published lottery (SHA-256 of the tie seed and candidate id)",
}
