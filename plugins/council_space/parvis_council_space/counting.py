"""Participatory budgeting counting rules, computed with exact arithmetic.

Rules: greedy by votes, the Method of Equal Shares (MES) with cost utilities, MES with the
"add1" completion, an optional greedy completion after MES and an optional comparison with
greedy. Every amount is an ``int`` or a ``Fraction``, never a float: with floats, ties and
"does it still fit" checks would depend on rounding, and a public count must be reproducible
by anyone. docs/counting_rules.md explains the rules with worked examples.

Ties are always broken the same way: lowest cost first, then most votes, then project id.
Ids are compared as strings, except when every id of the election is made of ASCII digits:
then they are compared as integers so that "9" comes before "10", as people expect.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from itertools import accumulate
from math import gcd
from typing import TypeAlias

ApprovalBallot: TypeAlias = AbstractSet[str]
CumulativeBallot: TypeAlias = Mapping[str, int]
Ballot: TypeAlias = ApprovalBallot | CumulativeBallot
ProgressCallback: TypeAlias = Callable[[int, int], None]
_TieKey: TypeAlias = tuple[int, int, tuple[int, str]]

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
class _Instance:
    budget: int
    projects: tuple[Project, ...]
    cost: dict[str, int]
    votes: dict[str, int]
    tie: dict[str, _TieKey]
    approvals: tuple[frozenset[str], ...] | None  # None for cumulative ballots
    supporters: dict[str, list[int]]  # voter indices; empty for cumulative ballots


@dataclass(frozen=True)
class _MesRun:
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


def _prepare(budget: int, projects: Sequence[Project], ballots: Sequence[Ballot]) -> _Instance:
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
    return _Instance(
        budget=budget,
        projects=tuple(projects),
        cost=cost,
        votes=votes,
        tie=tie,
        approvals=None if cumulative else tuple(approvals),
        supporters=supporters,
    )


def _total_cost(inst: _Instance, project_ids: Iterable[str]) -> int:
    return sum(inst.cost[pid] for pid in project_ids)


def _greedy_pass(
    inst: _Instance,
    budget_left: int,
    project_ids: Iterable[str],
    skip: bool = True,
    min_votes: int = 1,
) -> tuple[list[str], dict[str, int]]:
    """Select by votes, skipping what no longer fits (or stopping there when ``skip`` is
    False); projects with fewer than ``min_votes`` votes are left out. Also return the budget
    left seen by each project considered."""
    order = sorted(
        (pid for pid in project_ids if inst.votes[pid] >= max(min_votes, 1)),
        key=lambda pid: (-inst.votes[pid], inst.tie[pid]),
    )
    winners: list[str] = []
    seen: dict[str, int] = {}
    stopped = False
    for pid in order:
        seen[pid] = budget_left
        if inst.cost[pid] <= budget_left and not stopped:
            winners.append(pid)
            budget_left -= inst.cost[pid]
        else:
            stopped = not skip
    return winners, seen


class _Wallets:
    """Voters' money as integers in units of 1/scale.

    Integers are as exact as Fractions but much faster to sort and add, and the scale only
    grows when a payment would not be a whole number of units.
    """

    def __init__(self, voters: int, endowment: Fraction) -> None:
        self.scale = endowment.denominator
        self.money = [endowment.numerator] * voters

    def total(self, voters: list[int]) -> Fraction:
        return Fraction(sum(map(self.money.__getitem__, voters)), self.scale)

    def price(self, voters: list[int], cost: int) -> tuple[int, int] | None:
        """Payment cap q = r / k units such that sum(min(money_i, q)) == cost, as (r, k).

        None if ``voters`` cannot afford ``cost``. With the voters' money sorted ascending
        a_0..a_n-1 and prefix sums P_j, the cap is set by the first j such that
        a_j * (n - j) + P_j >= cost; that quantity never decreases with j, hence the binary
        search. Voters without money pay nothing and are left out, which keeps sorts short.
        """
        if cost == 0:
            return 0, 1
        target = cost * self.scale
        ordered = sorted(filter(None, map(self.money.__getitem__, voters)))
        prefix = list(accumulate(ordered, initial=0))
        n = len(ordered)
        if prefix[n] < target:
            return None
        low, high = 0, n - 1
        while low < high:
            middle = (low + high) // 2
            if ordered[middle] * (n - middle) + prefix[middle] >= target:
                high = middle
            else:
                low = middle + 1
        return target - prefix[low], n - low

    def charge(self, voters: list[int], remaining: int, left: int) -> Fraction:
        """Make each of ``voters`` pay min(money, remaining / left); return that cap."""
        factor = left // gcd(remaining, left)
        if factor > 1:  # rescale so that the cap is a whole number of units
            self.scale *= factor
            self.money = [money * factor for money in self.money]
        cap = remaining * factor // left
        money = self.money
        for voter in voters:
            money[voter] = money[voter] - cap if money[voter] > cap else 0
        return Fraction(cap, self.scale)


def _equal_shares_run(inst: _Instance, endowment: Fraction) -> _MesRun:
    """One run of MES with cost utilities, every voter starting with ``endowment``."""
    supporters = inst.supporters
    wallets = _Wallets(len(inst.approvals or ()), endowment)

    candidates = [pid for pid in inst.cost if supporters[pid]]
    # rho of a project can only grow as voters spend money, so the last rho computed is a
    # lower bound and projects whose bound is already worse than the best need no pricing.
    lower_bound = dict.fromkeys(candidates, Fraction(0))
    winners: list[str] = []
    payment: dict[str, Fraction] = {}
    supporters_money: dict[str, Fraction] = {}
    while candidates:
        candidates.sort(key=lambda pid: (lower_bound[pid], inst.tie[pid]))
        best: tuple[Fraction, _TieKey, str, tuple[int, int]] | None = None
        for pid in tuple(candidates):
            if best is not None and (lower_bound[pid], inst.tie[pid]) > best[:2]:
                break
            priced = wallets.price(supporters[pid], inst.cost[pid])
            if priced is None:
                candidates.remove(pid)  # money never grows back: unaffordable for good
                continue
            cost = inst.cost[pid]
            rho = Fraction(priced[0], priced[1] * cost * wallets.scale) if cost else Fraction(0)
            lower_bound[pid] = rho
            if best is None or (rho, inst.tie[pid]) < best[:2]:
                best = (rho, inst.tie[pid], pid, priced)
        if best is None:
            break
        pid = best[2]
        candidates.remove(pid)
        winners.append(pid)
        supporters_money[pid] = wallets.total(supporters[pid])
        payment[pid] = wallets.charge(supporters[pid], *best[3])

    for pid in inst.cost:
        if supporters[pid] and pid not in payment:
            supporters_money[pid] = wallets.total(supporters[pid])
    return _MesRun(endowment, winners, payment, supporters_money)


def _estimate_runs(runs: int, first_cost: int, last_cost: int, budget: int, upper: int) -> int:
    """Extrapolate linearly how many runs it takes for the outcome to exceed the budget."""
    growth = last_cost - first_cost
    if growth <= 0:
        return upper
    needed = -(-(budget + 1 - last_cost) * (runs - 1) // growth)
    return max(runs + 1, min(upper, runs + needed))


def _add1_run(
    inst: _Instance, progress: ProgressCallback | None, workers: int | None = None
) -> tuple[_MesRun, int]:
    """Raise the per-voter endowment by 1 while the MES outcome fits; keep the last that fits.

    Bound: once the endowment reaches the total cost S of all supported projects, MES selects
    every supported project (a supporter of an unselected project p has paid at most
    S - cost(p), so still has cost(p) left), and the outcome never changes again. Hence if
    S <= budget every outcome fits and the final one is "all supported projects"; otherwise
    the loop stops at the latest at endowment S, where the outcome no longer fits.

    The search (``add1_search``) computes each run's winners in certified floating point,
    on every core for a large election; the kept endowment is then run once more in exact
    arithmetic for the payments shown.
    """
    from .add1_search import outcome_costs

    voters = len(inst.approvals or ())
    start = inst.budget // voters if voters else 0
    supported_cost = _total_cost(inst, (pid for pid in inst.cost if inst.supporters[pid]))
    if supported_cost <= inst.budget:
        final = _equal_shares_run(inst, Fraction(max(start, supported_cost)))
        if progress:
            progress(1, 1)
        return final, 1

    # The first run spends at most voters * start <= budget, so it always fits.
    costs = outcome_costs(inst, start, workers)
    try:
        endowment, first_cost = next(costs)
        cost, runs, upper = first_cost, 1, supported_cost - start + 1
        while cost <= inst.budget:
            if progress:
                progress(runs, _estimate_runs(runs, first_cost, cost, inst.budget, upper))
            endowment, cost = next(costs)
            runs += 1
    finally:
        costs.close()
    if progress:
        progress(runs, runs)
    return _equal_shares_run(inst, Fraction(endowment - 1)), runs


def _greedy_outcomes(
    inst: _Instance, winners: list[str], seen: dict[str, int]
) -> tuple[ProjectOutcome, ...]:
    position = {pid: k for k, pid in enumerate(winners, 1)}
    outcomes = []
    for project in inst.projects:
        pid = project.id
        common = {"project_id": pid, "cost": project.cost, "votes": inst.votes[pid]}
        if pid not in seen:
            reason = Reason.NO_VOTES if inst.votes[pid] == 0 else Reason.BELOW_THRESHOLD
            outcomes.append(
                ProjectOutcome(**common, selected=False, reason=reason, stage=Stage.GREEDY)
            )
            continue
        outcomes.append(
            ProjectOutcome(
                **common,
                selected=pid in position,
                reason=Reason.SELECTED if pid in position else Reason.DOES_NOT_FIT,
                stage=Stage.GREEDY,
                selection_order=position.get(pid),
                remaining_budget=seen[pid],
            )
        )
    return tuple(outcomes)


def _mes_outcomes(
    inst: _Instance, run: _MesRun, winners: list[str], completion_seen: dict[str, int]
) -> tuple[ProjectOutcome, ...]:
    position = {pid: k for k, pid in enumerate(winners, 1)}
    outcomes = []
    for project in inst.projects:
        pid = project.id
        common = {
            "project_id": pid,
            "cost": project.cost,
            "votes": inst.votes[pid],
            "selected": pid in position,
            "selection_order": position.get(pid),
        }
        if not inst.supporters[pid]:
            outcome = ProjectOutcome(**common, reason=Reason.NO_VOTES, stage=Stage.EQUAL_SHARES)
        elif pid in run.payment:
            outcome = ProjectOutcome(
                **common,
                reason=Reason.SELECTED,
                stage=Stage.EQUAL_SHARES,
                payment_per_supporter=run.payment[pid],
                supporters_money=run.supporters_money[pid],
            )
        elif pid in completion_seen:
            outcome = ProjectOutcome(
                **common,
                reason=Reason.SELECTED if pid in position else Reason.DOES_NOT_FIT,
                stage=Stage.COMPLETION,
                remaining_budget=completion_seen[pid],
                supporters_money=run.supporters_money[pid],
            )
        else:
            affordable_at_start = len(inst.supporters[pid]) * run.endowment >= project.cost
            reason = Reason.OUTBID if affordable_at_start else Reason.NOT_AFFORDABLE_BY_SUPPORTERS
            outcome = ProjectOutcome(
                **common,
                reason=reason,
                stage=Stage.EQUAL_SHARES,
                supporters_money=run.supporters_money[pid],
            )
        outcomes.append(outcome)
    return tuple(outcomes)


def _preferences(inst: _Instance, first: Iterable[str], second: Iterable[str]) -> tuple[int, int]:
    first_set, second_set = frozenset(first), frozenset(second)
    prefer_first = prefer_second = 0
    for approved in inst.approvals or ():
        difference = len(approved & first_set) - len(approved & second_set)
        prefer_first += difference > 0
        prefer_second += difference < 0
    return prefer_first, prefer_second


def _result(
    rule: str,
    inst: _Instance,
    winners: list[str],
    outcomes: tuple[ProjectOutcome, ...],
    run: _MesRun | None = None,
    runs: int = 0,
    comparison: GreedyComparison | None = None,
) -> CountResult:
    return CountResult(
        rule=rule,
        budget=inst.budget,
        winners=tuple(winners),
        total_cost=_total_cost(inst, winners),
        outcomes=outcomes,
        endowment_per_voter=run.endowment if run else None,
        mes_runs=runs,
        comparison=comparison,
    )


def _equal_shares_result(
    rule: str, inst: _Instance, run: _MesRun, runs: int, completion: bool, compare: bool
) -> CountResult:
    winners = list(run.winners)
    completion_seen: dict[str, int] = {}
    if completion:
        selected = set(winners)
        extra, completion_seen = _greedy_pass(
            inst,
            inst.budget - _total_cost(inst, winners),
            (pid for pid in inst.cost if pid not in selected),
        )
        winners += extra

    comparison = None
    if compare:
        greedy_winners, greedy_seen = _greedy_pass(inst, inst.budget, inst.cost)
        prefer_mes, prefer_greedy = _preferences(inst, winners, greedy_winners)
        comparison = GreedyComparison(prefer_mes, prefer_greedy, prefer_greedy > prefer_mes)
        if comparison.switched_to_greedy:
            outcomes = _greedy_outcomes(inst, greedy_winners, greedy_seen)
            return _result(rule, inst, greedy_winners, outcomes, run, runs, comparison)
    outcomes = _mes_outcomes(inst, run, winners, completion_seen)
    return _result(rule, inst, winners, outcomes, run, runs, comparison)


def _require_approval(inst: _Instance) -> None:
    if inst.approvals is None:
        raise ValueError(
            "the method of equal shares needs approval ballots; "
            "cumulative ballots can only be counted with the greedy rule"
        )


def greedy(
    budget: int,
    projects: Sequence[Project],
    ballots: Sequence[Ballot],
    *,
    skip: bool = True,
    min_votes: int = 1,
) -> CountResult:
    """Fund projects by decreasing votes, skipping any that no longer fits the budget left.

    Variants found in Pabulib files: ``skip=False`` stops at the first project that does not
    fit ("greedy-no-skip": every later project is reported as not fitting); ``min_votes``
    leaves out projects with fewer votes or points ("greedy-threshold").
    """
    inst = _prepare(budget, projects, ballots)
    winners, seen = _greedy_pass(inst, inst.budget, inst.cost, skip, min_votes)
    return _result("greedy", inst, winners, _greedy_outcomes(inst, winners, seen))


def equal_shares(
    budget: int,
    projects: Sequence[Project],
    ballots: Sequence[Ballot],
    *,
    completion: bool = False,
    compare_with_greedy: bool = False,
) -> CountResult:
    """MES with cost utilities, each voter starting with exactly budget / number of voters."""
    inst = _prepare(budget, projects, ballots)
    _require_approval(inst)
    voters = len(inst.approvals or ())
    endowment = Fraction(inst.budget, voters) if voters else Fraction(0)
    run = _equal_shares_run(inst, endowment)
    return _equal_shares_result("mes", inst, run, 1, completion, compare_with_greedy)


def equal_shares_add1(
    budget: int,
    projects: Sequence[Project],
    ballots: Sequence[Ballot],
    *,
    completion: bool = False,
    compare_with_greedy: bool = False,
    progress: ProgressCallback | None = None,
) -> CountResult:
    """MES with the add1 completion: start at floor(budget / voters) per voter, add 1 per run.

    ``progress(done, total)`` is called after each run; ``total`` is an estimate that may
    change from call to call (an upper bound until the outcome starts to grow), and the last
    call has ``done == total``.
    """
    inst = _prepare(budget, projects, ballots)
    _require_approval(inst)
    run, runs = _add1_run(inst, progress)
    return _equal_shares_result("mes_add1", inst, run, runs, completion, compare_with_greedy)


def count(
    rule: str,
    budget: int,
    projects: Sequence[Project],
    ballots: Sequence[Ballot],
    *,
    completion: bool = False,
    compare_with_greedy: bool = False,
    progress: ProgressCallback | None = None,
) -> CountResult:
    """Count with ``rule`` ("greedy", "mes" or "mes_add1").

    ``completion`` and ``compare_with_greedy`` only apply to the equal shares rules, and
    ``progress`` is only called by "mes_add1" (the other rules are quick).
    """
    if rule == "greedy":
        if completion or compare_with_greedy:
            raise ValueError("completion and compare_with_greedy only apply to equal shares")
        return greedy(budget, projects, ballots)
    if rule == "mes":
        return equal_shares(
            budget,
            projects,
            ballots,
            completion=completion,
            compare_with_greedy=compare_with_greedy,
        )
    if rule == "mes_add1":
        return equal_shares_add1(
            budget,
            projects,
            ballots,
            completion=completion,
            compare_with_greedy=compare_with_greedy,
            progress=progress,
        )
    raise ValueError(f"unknown counting rule {rule!r}; expected one of {', '.join(RULES)}")
