"""Properties every Scottish STV and Phragmén count must keep, on random seeded elections."""

from __future__ import annotations

import random

import pytest

from parvis_election.methods import ElectionInput, count


def random_rankings(seed: int) -> tuple[int, int, list[tuple[int, ...]]]:
    rng = random.Random(seed)
    candidates = rng.randint(2, 12)
    seats = rng.randint(1, candidates)
    weights = [rng.paretovariate(1.3) for _ in range(candidates)]
    ballots = []
    for _ in range(rng.randint(0, 300)):
        pool = list(range(candidates))
        ranking = []
        for _ in range(rng.randint(1, candidates)):
            pick = rng.choices(pool, weights=[weights[c] for c in pool])[0]
            ranking.append(pick)
            pool.remove(pick)
        ballots.append(tuple(ranking))
    return candidates, seats, ballots


@pytest.mark.parametrize("seed", range(120))
def test_stv_stages_keep_the_rules(seed: int) -> None:
    candidates, seats, ballots = random_rankings(seed)
    result = count(ElectionInput("stv", seats, tuple(range(candidates)), ballots, tie_seed="t"))
    quota = result.quota
    assert quota == len(ballots) // (seats + 1) + 1
    assert len(result.elected) == len(set(result.elected)) == seats
    elected_so_far: set[int] = set()
    previous = None
    for stage in result.rounds:
        continuing = {c for c in stage.tallies if c not in elected_so_far}
        # Nothing is created or lost: every vote is with a candidate or non-transferable.
        total = sum(stage.tallies.values()) + stage.non_transferable
        assert total == len(ballots)
        for c in stage.elected:
            assert stage.tallies[c] >= quota or stage.note == "last_vacancies"
        if previous is not None:
            assert stage.non_transferable >= previous.non_transferable
            # A continuing candidate never loses votes; an elected one keeps at least the quota.
            for c in continuing:
                assert stage.tallies[c] >= previous.tallies[c]
            if stage.note == "lowest_eliminated":
                [out] = stage.eliminated
                before = {c: v for c, v in previous.tallies.items() if c not in elected_so_far}
                assert previous.tallies[out] == min(before.values())
                assert out not in stage.tallies
            if stage.note == "surplus_transferred":
                assert previous.tallies[stage.transferred_from] > quota
                assert stage.tallies[stage.transferred_from] == quota
        elected_so_far |= set(stage.elected)
        previous = stage
    assert elected_so_far == set(result.elected)


@pytest.mark.parametrize("seed", range(60))
def test_phragmen_loads_never_fall_and_elect_the_minimum(seed: int) -> None:
    candidates, seats, ballots = random_rankings(seed)
    result = count(ElectionInput("phragmen", seats, tuple(range(candidates)), ballots))
    assert len(result.elected) == len(set(result.elected)) == seats
    last = 0
    for rnd in result.rounds:
        if rnd.note != "min_load":
            continue
        [winner] = rnd.elected
        assert rnd.tallies[winner] == min(rnd.tallies.values())
        assert rnd.tallies[winner] >= last
        last = rnd.tallies[winner]
