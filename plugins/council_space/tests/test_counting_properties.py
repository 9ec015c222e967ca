"""The counting rules on random elections: equal shares (with and without add1) against a direct
implementation of its definition, and every rule within the budget; completed rules exhaustive."""

import random
from fractions import Fraction

from parvis_council_space.counting import Project, equal_shares, equal_shares_add1, greedy


def reference_equal_shares(
    endowment: Fraction, costs: dict[str, int], ballots: list[set[str]]
) -> list[str]:
    """MES with cost utilities straight from the definition, one Fraction per voter."""
    votes = {pid: sum(pid in ballot for ballot in ballots) for pid in costs}
    money = [Fraction(endowment)] * len(ballots)
    winners: list[str] = []
    while True:
        best = None
        for pid, cost in costs.items():
            supporters = [i for i, ballot in enumerate(ballots) if pid in ballot]
            if pid in winners or not supporters or sum(money[i] for i in supporters) < cost:
                continue
            paid, left = Fraction(0), len(supporters)
            for amount in sorted(money[i] for i in supporters):
                q = (cost - paid) / left
                if amount >= q:
                    break
                paid, left = paid + amount, left - 1
            key = (q / cost if cost else 0, cost, -votes[pid], (int(pid), pid))
            if best is None or key < best[0]:
                best = (key, pid, q)
        if best is None:
            return winners
        _, pid, q = best
        winners.append(pid)
        for i, ballot in enumerate(ballots):
            if pid in ballot:
                money[i] = max(money[i] - q, Fraction(0))


def random_election(rng: random.Random) -> tuple[int, list[Project], list[set[str]]]:
    projects = [Project(str(k), rng.randint(0, 12)) for k in range(rng.randint(1, 7))]
    ballots = [{p.id for p in projects if rng.random() < 0.4} for _ in range(rng.randint(1, 9))]
    return rng.randint(0, 40), projects, ballots


def test_equal_shares_matches_the_definition_and_rules_stay_within_budget():
    rng = random.Random(20240607)
    for _ in range(300):
        budget, projects, ballots = random_election(rng)
        costs = {p.id: p.cost for p in projects}
        voted = {pid for ballot in ballots for pid in ballot}

        mes = equal_shares(budget, projects, ballots)
        assert list(mes.winners) == reference_equal_shares(
            Fraction(budget, len(ballots)), costs, ballots
        )

        add1 = equal_shares_add1(budget, projects, ballots)
        start = budget // len(ballots)
        expected = reference_equal_shares(Fraction(start), costs, ballots)
        endowment = start + 1
        while endowment <= sum(costs.values()):
            attempt = reference_equal_shares(Fraction(endowment), costs, ballots)
            if sum(costs[pid] for pid in attempt) > budget:
                break
            expected, endowment = attempt, endowment + 1
        assert set(add1.winners) == set(expected)

        completed = [
            greedy(budget, projects, ballots),
            equal_shares(budget, projects, ballots, completion=True),
            equal_shares_add1(budget, projects, ballots, completion=True),
        ]
        for result in [mes, add1, *completed]:
            assert result.total_cost == sum(costs[pid] for pid in result.winners) <= budget
        for result in completed:  # exhaustive: no project with votes fits in what is left
            left = budget - result.total_cost
            assert all(costs[pid] > left for pid in voted - set(result.winners))
