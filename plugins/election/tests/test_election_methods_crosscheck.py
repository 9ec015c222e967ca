"""Random seeded elections counted by Parvis and by independent PyPI implementations.

- Sequential Phragmén and block vote against ``abcvoting`` (rules "seqphragmen" and "av"),
  irresolute: abcvoting lists every committee some tie-break could give, and Parvis's committee
  must be one of them (with its own tie-break).
- Scottish STV against ``stvpoll`` (``calculate_scottish_stv``). stvpoll differs from the 2007
  Order by design in two points, so the comparison adapts or restricts:
  1. it rounds transfer values to five decimals where the Order truncates: the test gives stvpoll
     a truncating rounding (exact, see ``_truncate``);
  2. it elects every candidate over the quota at once and transfers their surpluses in one round,
     where the Order transfers one surplus per stage, the largest first, and a candidate reaching
     the quota meanwhile takes no more papers. The two agree when at most one candidate holds an
     untransferred surplus at any stage, so only those elections are compared (and only those
     with no tie, whose rules differ too); the test checks that enough of them are compared.
"""

from __future__ import annotations

import csv
import random
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

import pytest
from abcvoting import abcrules
from abcvoting.preferences import Profile
from stvpoll.abcs import PreferenceBallot
from stvpoll.scottish_stv import calculate_scottish_stv

from parvis_election.methods import ElectionInput, count


def plackett_luce(rng: random.Random, weights: list[float], length: int) -> tuple[int, ...]:
    """A ranking of ``length`` candidates drawn one by one in proportion to their weights."""
    pool = list(range(len(weights)))
    ranking = []
    for _ in range(length):
        pick = rng.choices(pool, weights=[weights[c] for c in pool])[0]
        ranking.append(pick)
        pool.remove(pick)
    return tuple(ranking)


def random_approval_election(seed: int) -> tuple[int, int, list[tuple[int, ...]]]:
    rng = random.Random(seed)
    candidates = rng.randint(3, 9)
    seats = rng.randint(1, candidates - 1)
    weights = [rng.paretovariate(1.5) for _ in range(candidates)]
    ballots = [
        plackett_luce(rng, weights, rng.randint(1, candidates)) for _ in range(rng.randint(5, 60))
    ]
    return candidates, seats, ballots


@pytest.mark.parametrize("seed", range(150))
def test_phragmen_matches_abcvoting(seed: int) -> None:
    candidates, seats, ballots = random_approval_election(seed)
    profile = Profile(num_cand=candidates)
    profile.add_voters([set(b) for b in ballots])
    committees = abcrules.compute(
        "seqphragmen",
        profile,
        committeesize=seats,
        resolute=False,
        algorithm="standard-fractions",
    )
    ours = count(
        ElectionInput("phragmen", seats, tuple(range(candidates)), ballots, tie_seed=str(seed))
    )
    assert set(ours.elected) in [set(c) for c in committees]


@pytest.mark.parametrize("seed", range(60))
def test_block_matches_abcvoting_approval_voting(seed: int) -> None:
    candidates, seats, ballots = random_approval_election(seed)
    ballots = [b[:seats] for b in ballots]  # a block ballot holds at most `seats` approvals
    profile = Profile(num_cand=candidates)
    profile.add_voters([set(b) for b in ballots])
    committees = abcrules.compute("av", profile, committeesize=seats, resolute=False)
    ours = count(ElectionInput("block", seats, tuple(range(candidates)), ballots))
    assert set(ours.elected) in [set(c) for c in committees]


def _truncate(value: Decimal) -> Decimal:
    # stvpoll multiplies by a 28-digit quotient: snapping to 20 decimals first recovers the
    # exact product (a transfer value is at least 1e-13 away from the next 5-decimal step
    # unless it lies on it), then the five decimals are truncated as rule 48(3) says.
    return value.quantize(Decimal("1e-20")).quantize(Decimal("1e-5"), rounding=ROUND_DOWN)


def random_stv_election(seed: int) -> tuple[int, int, list[tuple[int, ...]]]:
    rng = random.Random(seed)
    candidates = rng.randint(3, 10)
    seats = rng.randint(1, min(5, candidates - 1))
    weights = [rng.paretovariate(1.2) for _ in range(candidates)]
    ballots = [
        plackett_luce(rng, weights, min(candidates, 1 + int(rng.expovariate(0.4))))
        for _ in range(rng.randint(20, 400))
    ]
    return candidates, seats, ballots


def comparable(result, quota) -> bool:
    """No tie, and never two candidates holding an untransferred surplus at once."""
    if any(r.tie for r in result.rounds):
        return False
    return all(sum(1 for v in r.tallies.values() if v > quota) <= 1 for r in result.rounds)


def test_scottish_stv_matches_stvpoll(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PreferenceBallot.__init__, "__defaults__", (_truncate,))
    compared = 0
    for seed in range(400):
        candidates, seats, ballots = random_stv_election(seed)
        ours = count(ElectionInput("stv", seats, tuple(range(candidates)), ballots))
        if not comparable(ours, ours.quota):
            continue
        tally: dict[tuple[int, ...], int] = {}
        for b in ballots:
            tally[b] = tally.get(b, 0) + 1
        theirs = calculate_scottish_stv(tuple(range(candidates)), tally, seats, allow_random=False)
        assert theirs.complete, seed
        assert set(ours.elected) == set(theirs.elected_as_tuple()), seed
        assert ours.quota == theirs.quota, seed
        compared += 1
    assert compared >= 150, compared


PABULIB = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "pabulib"


def test_phragmen_matches_abcvoting_on_real_approval_ballots() -> None:
    """12,021 real approval ballots (Warszawa 2020, Mokotów; 118 projects; data: pabulib.org),
    read as an election of 12 seats among the projects."""
    source = PABULIB / "Poland_Warszawa_2020_Mokotow.pb"
    if not source.exists():
        pytest.skip("shared/data/pabulib is not beside the repository")
    rows = source.read_text(encoding="utf-8").split("\nVOTES\n", 1)[1].splitlines()
    ballots = [
        tuple(int(c) for c in r["vote"].split(",")) for r in csv.DictReader(rows, delimiter=";")
    ]
    candidates = sorted({c for b in ballots for c in b})
    index = {c: i for i, c in enumerate(candidates)}
    profile = Profile(num_cand=len(candidates))
    profile.add_voters([{index[c] for c in b} for b in ballots])
    committees = abcrules.compute(
        "seqphragmen", profile, committeesize=12, resolute=False, algorithm="gmpy2-fractions"
    )
    ours = count(ElectionInput("phragmen", 12, tuple(candidates), ballots))
    assert len(ballots) == 12_021
    assert {index[c] for c in ours.elected} in [set(c) for c in committees]
