"""MES with the add1 completion: raise the per-voter endowment by one unit while the
outcome fits the budget, and keep the last outcome that fits."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from .mes import equal_shares_result, equal_shares_run, require_approval
from .model import (
    Ballot,
    CountResult,
    Instance,
    MesRun,
    ProgressCallback,
    Project,
    prepare,
    total_cost,
)


def _estimate_runs(runs: int, first_cost: int, last_cost: int, budget: int, upper: int) -> int:
    """Extrapolate linearly how many runs it takes for the outcome to exceed the budget."""
    growth = last_cost - first_cost
    if growth <= 0:
        return upper
    needed = -(-(budget + 1 - last_cost) * (runs - 1) // growth)
    return max(runs + 1, min(upper, runs + needed))


def add1_run(
    inst: Instance, progress: ProgressCallback | None, workers: int | None = None
) -> tuple[MesRun, int]:
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
    supported_cost = total_cost(inst, (pid for pid in inst.cost if inst.supporters[pid]))
    if supported_cost <= inst.budget:
        final = equal_shares_run(inst, Fraction(max(start, supported_cost)))
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
    return equal_shares_run(inst, Fraction(endowment - 1)), runs


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
    inst = prepare(budget, projects, ballots)
    require_approval(inst)
    run, runs = add1_run(inst, progress)
    return equal_shares_result("mes_add1", inst, run, runs, completion, compare_with_greedy)
