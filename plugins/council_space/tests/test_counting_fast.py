"""The add1 search in certified floating point gives exactly the exact rule's outcome."""

import random
from fractions import Fraction

import pytest

from parvis_council_space.counting import Project, add1_search, equal_shares_add1
from parvis_council_space.counting.equal_shares_float import FloatElection
from parvis_council_space.counting.mes import equal_shares_run
from parvis_council_space.counting.model import prepare


def random_election(rng: random.Random, projects: int, voters: int, costs: list[int]):
    ids = [str(n) for n in range(1, projects + 1)]
    items = [Project(pid, rng.choice(costs)) for pid in ids]
    ballots = [frozenset(rng.sample(ids, rng.randint(1, min(4, projects)))) for _ in range(voters)]
    return sum(p.cost for p in items) // 3, items, ballots


def exact_add1_winners(budget: int, projects, ballots) -> tuple[list[str], int]:
    """The add1 rule run by run in exact arithmetic: the winners and the kept endowment."""
    inst = prepare(budget, projects, ballots)
    endowment = budget // len(ballots)
    kept = equal_shares_run(inst, Fraction(endowment))
    while True:
        endowment += 1
        attempt = equal_shares_run(inst, Fraction(endowment))
        if sum(inst.cost[pid] for pid in attempt.winners) > budget:
            return kept.winners, endowment - 1
        kept = attempt


@pytest.mark.parametrize("seed", range(40))
def test_float_runs_give_the_exact_winners_or_give_up(seed):
    # Few distinct costs and few voters: exact ties in rho are frequent, and must either be
    # certified (1 / supporters, compared exactly) or sent back to the exact count.
    rng = random.Random(seed)
    budget, projects, ballots = random_election(
        rng, rng.randint(2, 9), rng.randint(1, 40), [0, 6, 12, 30]
    )
    inst = prepare(budget, projects, ballots)
    fast = FloatElection(inst.cost, inst.tie.__getitem__, inst.approvals)
    gave_up = 0
    for endowment in range(0, 40):
        winners = fast.winners(endowment)
        exact = equal_shares_run(inst, Fraction(endowment)).winners
        gave_up += winners is None
        assert winners in (None, exact), endowment
    assert gave_up < 40  # the filter does decide most runs


@pytest.mark.parametrize("seed", range(15))
def test_add1_equals_the_run_by_run_exact_search(seed):
    rng = random.Random(1000 + seed)
    budget, projects, ballots = random_election(
        rng, rng.randint(3, 12), rng.randint(5, 300), [10, 25, 40, 55, 90, 140]
    )
    winners, kept = exact_add1_winners(budget, projects, ballots)
    result = equal_shares_add1(budget, projects, ballots)
    assert (list(result.winners), result.endowment_per_voter) == (winners, kept)


def test_the_parallel_search_gives_the_same_costs_as_one_process():
    rng = random.Random(7)
    budget, projects, ballots = random_election(rng, 30, 2_000, [100, 250, 400, 900])
    inst = prepare(budget, projects, ballots)
    start = budget // len(ballots)

    def first(workers: int) -> list[tuple[int, int]]:
        costs = add1_search.outcome_costs(inst, start, workers)
        try:
            return [next(costs) for _ in range(12)]
        finally:
            costs.close()

    assert first(2) == first(0)
    assert [e for e, _cost in first(0)] == list(range(start, start + 12))
