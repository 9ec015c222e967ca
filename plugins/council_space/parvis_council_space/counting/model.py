"""What a count takes and gives (projects, ballots, outcomes and their reasons), and the
checked, indexed form of an election that every rule works on."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import TypeAlias

ApprovalBallot: TypeAlias = AbstractSet[str]
CumulativeBallot: TypeAlias = Mapping[str, int]
Ballot: TypeAlias = ApprovalBallot | CumulativeBallot
ProgressCallback: TypeAlias = Callable[[int, int], None]
TieKey: TypeAlias = tuple[int, int, tuple[int, str]]

RULES = ("greedy", "mes", "mes_add1")


@dataclass(frozen=True)
class Project:
    id: str
    cost: int  # whole currency units


@dataclass(frozen=True)
class Election:
    """Everything a count needs; ``pabulib.to_election`` builds one from a .pb file."""

    budget: int
    projects: tuple[Project, ...]
    ballots: tuple[Ballot, ...]


class Reason(StrEnum):
    """Why a project won or lost, for the explanation shown to residents."""

    SELECTED = "selected"
    # Greedy or completion: the cost exceeded ``remaining_budget`` when the project came up.
    DOES_NOT_FIT = "does_not_fit"
    # Nobody approved the project (or gave it points): it is never funded.
    NO_VOTES = "no_votes"
    # Greedy with a threshold: fewer votes (or points) than the threshold.
    BELOW_THRESHOLD = "below_threshold"
    # MES: even the supporters' whole initial endowment did not cover the cost.
    NOT_AFFORDABLE_BY_SUPPORTERS = "not_affordable_by_supporters"
    # MES: the supporters could afford it at first but spent their money on projects that
    # were cheaper per supporter; ``supporters_money`` is what they had left at the end.
    OUTBID = "outbid"


class Stage(StrEnum):
    """The step of the count that took the final decision on a project."""

    GREEDY = "greedy"
    EQUAL_SHARES = "equal_shares"
    COMPLETION = "completion"


@dataclass(frozen=True)
class ProjectOutcome:
    project_id: str
    cost: int
    votes: int  # approvals, or total points for cumulative ballots
    selected: bool
    reason: Reason
    stage: Stage
    selection_order: int | None = None  # 1-based position among the winners
    # Greedy and completion: budget left just before the project was considered.
    remaining_budget: int | None = None
    # MES winners: the most any supporter paid (supporters with less money paid all they had).
    payment_per_supporter: Fraction | None = None
    # MES: supporters' total money when the project was selected, or when MES stopped.
    supporters_money: Fraction | None = None


@dataclass(frozen=True)
class GreedyComparison:
    """Voters who approve strictly more winners in one outcome than in the other."""

    voters_preferring_equal_shares: int
    voters_preferring_greedy: int
    switched_to_greedy: bool


@dataclass(frozen=True)
class CountResult:
    rule: str
    budget: int
    winners: tuple[str, ...]  # in selection order
    total_cost: int
    outcomes: tuple[ProjectOutcome, ...]  # one per project, in input order
    # MES: per-voter endowment of the (final) equal shares run.
    endowment_per_voter: Fraction | None = None
    mes_runs: int = 0  # equal shares runs made (add1 tries one endowment per run)
    comparison: GreedyComparison | None = None

    def outcome(self, project_id: str) -> ProjectOutcome:
        for outcome in self.outcomes:
            if outcome.project_id == project_id:
                return outcome
        raise KeyError(project_id)


@dataclass(frozen=True)
class Instance:
    budget: int
    projects: tuple[Project, ...]
    cost: dict[str, int]
    votes: dict[str, int]
    tie: dict[str, TieKey]
    approvals: tuple[frozenset[str], ...] | None  # None for cumulative ballots
    supporters: dict[str, list[int]]  # voter indices; empty for cumulative ballots


@dataclass(frozen=True)
class MesRun:
    endowment: Fraction
    winners: list[str]
    payment: dict[str, Fraction]
    supporters_money: dict[str, Fraction]


def _check_amount(what: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be a whole number, got {value!r}")
    if value < 0:
        raise ValueError(f"{what} must not be negative, got {value}")
    return value


def _id_key_function(ids: Iterable[str]) -> Callable[[str], tuple[int, str]]:
    if all(pid.isascii() and pid.isdigit() for pid in ids):
        return lambda pid: (int(pid), pid)  # the string keeps "07" and "7" apart
    return lambda pid: (0, pid)


def prepare(budget: int, projects: Sequence[Project], ballots: Sequence[Ballot]) -> Instance:
    _check_amount("budget", budget)
    cost: dict[str, int] = {}
    for project in projects:
        if not isinstance(project, Project):
            raise ValueError(f"expected a Project, got {project!r}")
        if not isinstance(project.id, str) or not project.id:
            raise ValueError(f"project id must be a non-empty string, got {project.id!r}")
        if project.id in cost:
            raise ValueError(f"duplicate project id {project.id!r}")
        cost[project.id] = _check_amount(f"cost of project {project.id!r}", project.cost)

    votes = dict.fromkeys(cost, 0)
    supporters: dict[str, list[int]] = {pid: [] for pid in cost}
    cumulative = bool(ballots) and isinstance(ballots[0], Mapping)
    approvals: list[frozenset[str]] = []
    for index, ballot in enumerate(ballots):
        if cumulative != isinstance(ballot, Mapping) or not isinstance(
            ballot, AbstractSet | Mapping
        ):
            raise ValueError(
                f"ballot {index}: every ballot must be a set of project ids (approval) or every "
                f"ballot a mapping of project id to points (cumulative), got {ballot!r}"
            )
        for pid in ballot:
            if pid not in cost:
                raise ValueError(f"ballot {index}: unknown project id {pid!r}")
        if isinstance(ballot, Mapping):
            for pid, points in ballot.items():
                votes[pid] += _check_amount(f"ballot {index}: points for {pid!r}", points)
        else:
            approved = frozenset(ballot)
            approvals.append(approved)
            for pid in approved:
                votes[pid] += 1
                supporters[pid].append(index)

    id_key = _id_key_function(cost)
    tie = {pid: (cost[pid], -votes[pid], id_key(pid)) for pid in cost}
    return Instance(
        budget=budget,
        projects=tuple(projects),
        cost=cost,
        votes=votes,
        tie=tie,
        approvals=None if cumulative else tuple(approvals),
        supporters=supporters,
    )


def total_cost(inst: Instance, project_ids: Iterable[str]) -> int:
    return sum(inst.cost[pid] for pid in project_ids)


def make_result(
    rule: str,
    inst: Instance,
    winners: list[str],
    outcomes: tuple[ProjectOutcome, ...],
    run: MesRun | None = None,
    runs: int = 0,
    comparison: GreedyComparison | None = None,
) -> CountResult:
    return CountResult(
        rule=rule,
        budget=inst.budget,
        winners=tuple(winners),
        total_cost=total_cost(inst, winners),
        outcomes=outcomes,
        endowment_per_voter=run.endowment if run else None,
        mes_runs=runs,
        comparison=comparison,
    )
