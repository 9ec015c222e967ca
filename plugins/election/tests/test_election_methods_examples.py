"""Hand-checked worked examples of every counting method, ties, parity and ballot checks."""

from __future__ import annotations

import hashlib
from fractions import Fraction as F

import pytest

from parvis_election.methods import METHODS, ElectionInput, check_ballot, count


def lottery(seed: str, candidates: list[int]) -> list[int]:
    """The published lottery, recomputed independently of the code under test."""
    return sorted(candidates, key=lambda c: hashlib.sha256(f"{seed}:{c}".encode()).hexdigest())


def test_methods_named() -> None:
    assert set(METHODS) == {"block", "phragmen", "stv"}


# --- block vote ----------------------------------------------------------------------------


def test_block_most_approvals_win() -> None:
    ballots = [(1, 2)] * 3 + [(2, 3)] * 2 + [(3,)] * 2 + [(4,)]
    result = count(ElectionInput("block", 2, (1, 2, 3, 4), ballots))
    # Approvals: 1 -> 3, 2 -> 5, 3 -> 4, 4 -> 1.
    assert result.votes == {1: 3, 2: 5, 3: 4, 4: 1}
    assert result.elected == (2, 3)
    assert result.ballots_counted == 8
    assert result.rounds[0].note == "most_approvals" and result.rounds[0].tie == ""
    assert result.quota is None


def test_block_tie_for_last_seat_goes_by_the_published_lottery() -> None:
    ballots = [(1, 2), (1, 3), (1, 4)]
    for seed in ("2026-council-north", "other seed"):
        result = count(ElectionInput("block", 2, (1, 2, 3, 4), ballots, tie_seed=seed))
        assert result.elected == (1, lottery(seed, [2, 3, 4])[0])
        assert result.rounds[0].tie == "lottery"
        # Reproducible: the same seed gives the same seats.
        assert count(ElectionInput("block", 2, (1, 2, 3, 4), ballots, tie_seed=seed)) == result


def test_block_refuses_a_ballot_over_the_limit() -> None:
    with pytest.raises(ValueError, match="ballot 2 is invalid: too_many"):
        count(ElectionInput("block", 2, (1, 2, 3), [(1,), (1, 2, 3)]))
    # max_choices lowers the limit below the number of seats.
    with pytest.raises(ValueError, match="too_many"):
        count(ElectionInput("block", 3, (1, 2, 3), [(1, 2)], max_choices=1))


# --- sequential Phragmén ------------------------------------------------------------------


def test_phragmen_worked_example() -> None:
    """docs/election_methods.md: 6 x {A, B}, 1 x {A}, 4 x {C}, 2 seats (A=1, B=2, C=3).

    Round 1: loads A = 1/7, B = 1/6, C = 1/4: A is elected and its 7 voters carry 1/7 each.
    Round 2: B = (1 + 6 x 1/7) / 6 = 13/42, C = 1/4 (< 13/42): C is elected.
    Block vote would give A and B to the 7-voter majority; Phragmén gives the 4 voters a seat.
    """
    ballots = [(1, 2)] * 6 + [(1,)] + [(3,)] * 4
    result = count(ElectionInput("phragmen", 2, (1, 2, 3), ballots))
    assert result.elected == (1, 3)
    assert result.votes == {1: 7, 2: 6, 3: 4}
    first, second = result.rounds
    assert first.tallies == {1: F(1, 7), 2: F(1, 6), 3: F(1, 4)}
    assert first.elected == (1,) and first.note == "min_load"
    assert second.tallies == {2: F(13, 42), 3: F(1, 4)}
    assert second.elected == (3,)
    assert count(ElectionInput("block", 2, (1, 2, 3), ballots)).elected == (1, 2)


def test_phragmen_equal_loads_go_to_more_approvals_then_lottery() -> None:
    # 1 and 2 both have load 1/2 in round 1 ... and 1/2 again: same approvals -> lottery.
    ballots = [(1,), (1,), (2,), (2,), (3,)]
    result = count(ElectionInput("phragmen", 1, (1, 2, 3), ballots, tie_seed="s"))
    assert result.elected == (lottery("s", [1, 2])[0],)
    assert result.rounds[0].tie == "lottery"


def test_phragmen_fills_seats_nobody_approved_by_lot() -> None:
    result = count(ElectionInput("phragmen", 3, (1, 2, 3, 4), [(1,)] * 3, tie_seed="x"))
    assert result.elected[0] == 1
    assert result.elected[1:] == tuple(lottery("x", [2, 3, 4])[:2])
    assert [r.note for r in result.rounds] == ["min_load", "no_support", "no_support"]


# --- Scottish STV -------------------------------------------------------------------------


def test_stv_surplus_transfer_and_exclusion() -> None:
    """The classic example: 20 ballots, 3 seats, Droop quota 20 // 4 + 1 = 6.

    Orange=1, Pear=2, Chocolate=3, Strawberry=4, Bonbon=5.
    Stage 1: C 12 (elected, surplus 6, transfer value 6/12 = 0.5).
    Stage 2: C's 12 papers: 8 to Strawberry (+4), 4 to Bonbon (+2): S 5, B 3.
    Stage 3: Pear (2) excluded, its papers to Orange: 6 = quota, elected.
    Stage 4: Bonbon (3) excluded; its papers have no further preference (3 non-transferable).
    Then one seat, one continuing candidate: Strawberry is elected (rule 52).
    """
    ballots = [(1,)] * 4 + [(2, 1)] * 2 + [(3, 4)] * 8 + [(3, 5)] * 4 + [(4,)] + [(5,)]
    result = count(ElectionInput("stv", 3, (1, 2, 3, 4, 5), ballots))
    assert result.quota == 6
    assert result.elected == (3, 1, 4)
    assert result.votes == {1: 4, 2: 2, 3: 12, 4: 1, 5: 1}
    stages = [(r.note, r.elected, r.eliminated, r.transferred_from) for r in result.rounds]
    assert stages == [
        ("first_preferences", (3,), (), None),
        ("surplus_transferred", (), (), 3),
        ("lowest_eliminated", (1,), (2,), 2),
        ("lowest_eliminated", (), (5,), 5),
        ("last_vacancies", (4,), (), None),
    ]
    assert result.rounds[1].tallies == {1: 4, 2: 2, 3: 6, 4: 5, 5: 3}
    assert result.rounds[3].non_transferable == 3


def test_stv_transfer_value_truncated_to_five_decimals() -> None:
    """A=1 has 11 of 16 papers, 2 seats: quota 16 // 3 + 1 = 6, surplus 5.

    Transfer value 5 / 11 = 0.454545... -> 0.45454 (remainder ignored, rule 48(3)).
    B gets 7 x 0.45454 = 3.18178 (total 5.18178), C gets 4 x 0.45454 = 1.81816 (4.81816);
    0.00006 is lost to truncation. C is excluded; its 3 own papers are non-transferable,
    its 4 papers from A go to B at 0.45454: B = 6.99994 >= 6, elected.
    """
    ballots = [(1, 2)] * 7 + [(1, 3, 2)] * 4 + [(3,)] * 3 + [(2,)] * 2
    result = count(ElectionInput("stv", 2, (1, 2, 3), ballots))
    assert result.quota == 6
    surplus = result.rounds[1]
    assert surplus.tallies == {1: 6, 2: F("5.18178"), 3: F("4.81816")}
    assert surplus.non_transferable == F("0.00006")
    exclusion = result.rounds[2]
    assert exclusion.eliminated == (3,)
    assert exclusion.tallies == {1: 6, 2: F("6.99994")}
    assert exclusion.non_transferable == F("3.00006")
    assert exclusion.elected == (2,)
    assert result.elected == (1, 2)


def test_stv_exclusion_tie_decided_by_the_most_recent_unequal_stage() -> None:
    """11 papers, 1 seat, quota 6. Stage 1: A 5, B 3, C 2, D 1. D excluded: C 3 = B 3.

    At stage 1 C had fewer (2 < 3), so C is excluded (rule 51), its papers elect A (7).
    Excluding B instead would have elected C: the tie rule decides the seat.
    """
    a, b, c, d = 1, 2, 3, 4
    ballots = [(a,)] * 5 + [(b, c)] * 3 + [(c, a)] * 2 + [(d, c)]
    result = count(ElectionInput("stv", 1, (a, b, c, d), ballots))
    assert result.rounds[2].eliminated == (c,)
    assert result.rounds[2].tie == "earlier_round"
    assert result.elected == (a,)


def test_stv_tie_at_every_stage_goes_by_the_lottery() -> None:
    ballots = [(1,), (1,), (2,), (2,)]
    for seed in ("a", "b", "c", "d"):
        result = count(ElectionInput("stv", 1, (1, 2), ballots, tie_seed=seed))
        order = lottery(seed, [1, 2])
        assert result.rounds[1].eliminated == (order[-1],)
        assert result.rounds[1].tie == "lottery"
        assert result.elected == (order[0],)


def test_stv_equal_surpluses_transfer_the_earlier_stronger_first() -> None:
    """Rule 49(2): B reaches A's total by a transfer; A had more at the earlier stage."""
    # 30 papers, 3 seats, quota 8. Stage 1: A 10, B 9, C 5, D 3, E 3: A and B elected.
    # A's surplus (2) is the largest: stage 2 moves A's papers on.
    ballots = [(1, 4)] * 10 + [(2, 5)] * 9 + [(3,)] * 5 + [(4,)] * 3 + [(5,)] * 3
    result = count(ElectionInput("stv", 3, (1, 2, 3, 4, 5), ballots))
    assert result.quota == 8
    assert result.rounds[0].elected == (1, 2)
    assert result.rounds[1].transferred_from == 1
    # A's 10 papers at 2/10 = 0.2 each: D gets 2.
    assert result.rounds[1].tallies[4] == 5
    assert result.rounds[2].transferred_from == 2


def test_stv_exhausted_ballots_and_short_rankings() -> None:
    ballots = [(1,)] * 3 + [(2,)] * 2 + [(3, 2)]
    result = count(ElectionInput("stv", 1, (1, 2, 3), ballots))
    # Quota 6 // 2 + 1 = 4. Stage 2: C (1) excluded, its paper to B: A 3, B 3. Stage 3: tie,
    # B had fewer at stage 1 (2 < 3): B excluded, its 3 papers have no further preference.
    assert result.quota == 4
    assert result.rounds[2].eliminated == (2,)
    assert result.rounds[2].non_transferable == 3
    assert result.elected == (1,)


# --- gender parity ------------------------------------------------------------------------


GENDERS = {1: "f", 2: "f", 3: "f", 4: "m", 5: "m", 6: "m", 7: "x"}


def test_parity_replaces_the_last_elected_of_the_over_represented_gender() -> None:
    ballots = [(1, 2, 3, 4)] * 5 + [(1, 2, 3)] * 2 + [(5, 6)] * 3 + [(5,)]
    # Approvals: 1, 2, 3 -> 7; 4 -> 5; 5 -> 4; 6 -> 3: elected 1, 2, 3, 4 (3 f, 1 m).
    plain = count(ElectionInput("block", 4, tuple(range(1, 8)), ballots, genders=GENDERS))
    assert set(plain.elected) == {1, 2, 3, 4}
    assert plain.parity_changes == ()
    last_f = [c for c in plain.elected if GENDERS[c] == "f"][-1]
    result = count(
        ElectionInput("block", 4, tuple(range(1, 8)), ballots, genders=GENDERS, parity=True)
    )
    assert result.parity_changes == ((last_f, 5),)
    assert sorted(result.elected) == sorted({1, 2, 3, 4, 5} - {last_f})
    swap = result.rounds[-1]
    assert (swap.note, swap.elected, swap.eliminated) == ("parity_swap", (5,), (last_f,))


def test_parity_allows_a_difference_of_one_and_ignores_x() -> None:
    candidates = tuple(range(1, 8))
    ballots = [(1, 2, 4)] * 3 + [(3,)]
    result = count(ElectionInput("block", 3, candidates, ballots, genders=GENDERS, parity=True))
    assert result.parity_changes == ()
    assert set(result.elected) == {1, 2, 4}  # 2 f, 1 m: within one
    ballots = [(1, 2, 7)] * 3 + [(3,)]
    result = count(ElectionInput("block", 3, candidates, ballots, genders=GENDERS, parity=True))
    # 2 f, 0 m (x counts for neither side): one woman gives way to a man, x keeps the seat.
    [(replaced, replacement)] = result.parity_changes
    assert replaced in {1, 2} and replacement in {4, 5, 6}
    assert 7 in result.elected


def test_parity_in_stv_takes_the_best_placed_man() -> None:
    ballots = [(1,)] * 6 + [(2,)] * 5 + [(4,)] * 2 + [(5,)]
    result = count(ElectionInput("stv", 2, (1, 2, 4, 5), ballots, genders=GENDERS, parity=True))
    # Quota 14 // 3 + 1 = 5: 1 then 2 (both f) elected at stage 1; 4 (m, 2 votes) is best placed.
    assert result.parity_changes == ((2, 4),)
    assert result.elected == (1, 4)


def test_parity_in_stv_ranks_the_excluded_last_excluded_first() -> None:
    # 3 seats, quota 21 // 4 + 1 = 6. Women 1, 2, 3 win; men 4 (excluded second) and 5
    # (excluded first): 4 is the best placed man.
    ballots = [(1,)] * 7 + [(2,)] * 6 + [(3,)] * 5 + [(4,)] * 2 + [(5,)]
    result = count(ElectionInput("stv", 3, (1, 2, 3, 4, 5), ballots, genders=GENDERS, parity=True))
    excluded = [c for r in result.rounds if r.note == "lowest_eliminated" for c in r.eliminated]
    assert excluded == [5, 4]
    assert result.parity_changes == ((3, 4),)
    assert result.elected == (1, 2, 4)


def test_parity_stops_when_the_other_gender_has_no_candidate_left() -> None:
    ballots = [(1, 2, 3)]
    genders = {1: "f", 2: "f", 3: "f"}
    result = count(ElectionInput("block", 3, (1, 2, 3), ballots, genders=genders, parity=True))
    assert result.parity_changes == ()
    assert set(result.elected) == {1, 2, 3}


# --- ballot validity ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "choices", "max_choices", "expected"),
    [
        ("block", (), None, "empty"),
        ("block", (1, 2, 3), None, "too_many"),
        ("block", (1, 2), None, None),
        ("block", (1, 2), 1, "too_many"),
        ("block", (1, 1), None, "duplicate"),
        ("block", (1, 99), None, "unknown_candidate"),
        ("phragmen", (1, 2, 3, 4), None, None),
        ("phragmen", (1, 2, 3), 2, "too_many"),
        ("stv", (4, 3, 2, 1), None, None),
        ("stv", (4, 3, 4), None, "duplicate"),
        ("stv", (), None, "empty"),
        ("stv", (0,), None, "unknown_candidate"),
    ],
)
def test_check_ballot(method, choices, max_choices, expected) -> None:
    error = check_ballot(method, choices, seats=2, max_choices=max_choices, candidates={1, 2, 3, 4})
    assert error == expected


def test_count_refuses_forged_ballots_and_bad_parameters() -> None:
    with pytest.raises(ValueError, match="unknown_candidate"):
        count(ElectionInput("stv", 1, (1, 2), [(1,), (3,)]))
    with pytest.raises(ValueError, match="duplicate"):
        count(ElectionInput("stv", 1, (1, 2), [(1, 1)]))
    with pytest.raises(ValueError, match="empty"):
        count(ElectionInput("phragmen", 1, (1, 2), [()]))
    with pytest.raises(ValueError, match="unknown counting method"):
        count(ElectionInput("borda", 1, (1, 2), [(1,)]))
    with pytest.raises(ValueError, match="seat"):
        count(ElectionInput("stv", 0, (1, 2), [(1,)]))


def test_more_seats_than_candidates_elects_everyone() -> None:
    for method in METHODS:
        result = count(ElectionInput(method, 5, (1, 2), [(2,)]))
        assert set(result.elected) == {1, 2}


def test_parity_in_phragmen_takes_the_next_in_the_sequential_order() -> None:
    # 2 seats: Ana (f) then Béa (f) win; continuing the procedure, David (m, 3 approvals) comes
    # before Éric (m, 1 approval): David replaces Béa, the last elected woman.
    ballots = [(1,)] * 6 + [(2,)] * 5 + [(4,)] * 3 + [(5,)]
    plain = count(ElectionInput("phragmen", 2, (1, 2, 4, 5), ballots, genders=GENDERS))
    assert plain.elected == (1, 2)
    result = count(
        ElectionInput("phragmen", 2, (1, 2, 4, 5), ballots, genders=GENDERS, parity=True)
    )
    assert result.parity_changes == ((2, 4),)
    assert result.elected == (1, 4)
    assert [r.note for r in result.rounds] == ["min_load", "min_load", "parity_swap"]
