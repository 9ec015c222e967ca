"""The Method of Equal Shares (MES) with cost utilities: every voter gets an equal share of
the budget and projects are bought by their supporters, cheapest per supporter first."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fractions import Fraction
from itertools import accumulate
from math import gcd

from .greedy_rule import greedy_outcomes, greedy_pass
from .model import (
    Ballot,
    CountResult,
    GreedyComparison,
    Instance,
    MesRun,
    Project,
    ProjectOutcome,
    Reason,
    Stage,
    TieKey,
    make_result,
    prepare,
    total_cost,
)


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


def equal_shares_run(inst: Instance, endowment: Fraction) -> MesRun:
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
        best: tuple[Fraction, TieKey, str, tuple[int, int]] | None = None
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
    return MesRun(endowment, winners, payment, supporters_money)


def _mes_outcomes(
    inst: Instance, run: MesRun, winners: list[str], completion_seen: dict[str, int]
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


def _preferences(inst: Instance, first: Iterable[str], second: Iterable[str]) -> tuple[int, int]:
    first_set, second_set = frozenset(first), frozenset(second)
    prefer_first = prefer_second = 0
    for approved in inst.approvals or ():
        difference = len(approved & first_set) - len(approved & second_set)
        prefer_first += difference > 0
        prefer_second += difference < 0
    return prefer_first, prefer_second


def equal_shares_result(
    rule: str, inst: Instance, run: MesRun, runs: int, completion: bool, compare: bool
) -> CountResult:
    winners = list(run.winners)
    completion_seen: dict[str, int] = {}
    if completion:
        selected = set(winners)
        extra, completion_seen = greedy_pass(
            inst,
            inst.budget - total_cost(inst, winners),
            (pid for pid in inst.cost if pid not in selected),
        )
        winners += extra

    comparison = None
    if compare:
        greedy_winners, greedy_seen = greedy_pass(inst, inst.budget, inst.cost)
        prefer_mes, prefer_greedy = _preferences(inst, winners, greedy_winners)
        comparison = GreedyComparison(prefer_mes, prefer_greedy, prefer_greedy > prefer_mes)
        if comparison.switched_to_greedy:
            outcomes = greedy_outcomes(inst, greedy_winners, greedy_seen)
            return make_result(rule, inst, greedy_winners, outcomes, run, runs, comparison)
    outcomes = _mes_outcomes(inst, run, winners, completion_seen)
    return make_result(rule, inst, winners, outcomes, run, runs, comparison)


def require_approval(inst: Instance) -> None:
    if inst.approvals is None:
        raise ValueError(
            "the method of equal shares needs approval ballots; "
            "cumulative ballots can only be counted with the greedy rule"
        )


def equal_shares(
    budget: int,
    projects: Sequence[Project],
    ballots: Sequence[Ballot],
    *,
    completion: bool = False,
    compare_with_greedy: bool = False,
) -> CountResult:
    """MES with cost utilities, each voter starting with exactly budget / number of voters."""
    inst = prepare(budget, projects, ballots)
    require_approval(inst)
    voters = len(inst.approvals or ())
    endowment = Fraction(inst.budget, voters) if voters else Fraction(0)
    run = equal_shares_run(inst, endowment)
    return equal_shares_result("mes", inst, run, 1, completion, compare_with_greedy)
