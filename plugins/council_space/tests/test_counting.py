"""Hand-checked elections for the counting rules; each test shows the computation."""

import re
from fractions import Fraction

import pytest

from parvis_council_space.counting import (
    Project,
    Reason,
    Stage,
    count,
    equal_shares,
    equal_shares_add1,
    greedy,
)


def make_projects(costs: dict[str, int]) -> list[Project]:
    return [Project(pid, cost) for pid, cost in costs.items()]


# --- greedy -------------------------------------------------------------------------------


def test_greedy_tie_on_votes_goes_to_lowest_cost_and_skipped_project_lets_cheaper_one_in():
    # Votes: P1 5, P2 4, P3 4, P4 4, P5 1.  P2, P3, P4 tie on 4 votes: the cheaper P3 and P4
    # (30) come before P2 (70), and P3 before P4 by id.  Budget 110:
    #   P1 40 -> 70 left; P3 30 -> 40 left; P4 30 -> 10 left;
    #   P2 70 > 10: does not fit, skipped; P5 10 -> 0 left.
    # (Ordering the tie by id would have taken P2 instead of P3 and P4.)
    projects = make_projects({"P1": 40, "P2": 70, "P3": 30, "P4": 30, "P5": 10})
    ballots = [{"P1", "P2", "P3", "P4"}] * 4 + [{"P1", "P5"}]

    result = greedy(110, projects, ballots)

    assert result.winners == ("P1", "P3", "P4", "P5")
    assert result.total_cost == 110
    p2 = result.outcome("P2")
    assert (p2.selected, p2.reason, p2.remaining_budget, p2.votes) == (
        False,
        Reason.DOES_NOT_FIT,
        10,
        4,
    )
    p5 = result.outcome("P5")
    assert (p5.selected, p5.reason, p5.remaining_budget, p5.selection_order) == (
        True,
        Reason.SELECTED,
        10,
        4,
    )
    assert result.outcome("P1").stage == Stage.GREEDY


def test_greedy_ties_on_votes_and_cost_go_to_the_lowest_id_numeric_when_all_ids_are_digits():
    # "2" and "10" both cost 30 and have one vote; only one fits in 30.  All ids are digit
    # strings, so they compare as integers: 2 < 10 ("10" < "2" as strings).
    ballots = [{"10"}, {"2"}]
    assert greedy(30, make_projects({"10": 30, "2": 30}), ballots).winners == ("2",)
    # With a non-digit id in the election, ids compare as strings: "a10" < "a2".
    ballots = [{"a10"}, {"a2"}]
    assert greedy(30, make_projects({"a2": 30, "a10": 30, "b": 99}), ballots).winners == ("a10",)


def test_greedy_no_skip_stops_at_the_first_project_that_does_not_fit():
    # Votes: A 3, B 2, C 1; budget 10.  A 6 -> 4 left; B 5 > 4 does not fit: greedy skips it
    # and funds C (3), greedy-no-skip stops there.
    projects = make_projects({"A": 6, "B": 5, "C": 3})
    ballots = [{"A", "B", "C"}, {"A", "B"}, {"A"}]
    assert greedy(10, projects, ballots).winners == ("A", "C")
    result = greedy(10, projects, ballots, skip=False)
    assert result.winners == ("A",)
    c = result.outcome("C")
    assert (c.selected, c.reason, c.remaining_budget) == (False, Reason.DOES_NOT_FIT, 4)


def test_greedy_threshold_leaves_out_projects_with_fewer_points():
    # Points: X 5, Y 2, Z 3; threshold 3: Y (2 points) is left out although it fits.
    projects = make_projects({"X": 4, "Y": 1, "Z": 4})
    ballots = [{"X": 3, "Y": 2}, {"X": 2, "Z": 3}]
    result = greedy(10, projects, ballots, min_votes=3)
    assert result.winners == ("X", "Z")
    y = result.outcome("Y")
    assert (y.selected, y.reason, y.votes) == (False, Reason.BELOW_THRESHOLD, 2)
    assert greedy(10, projects, ballots).winners == ("X", "Z", "Y")


def test_greedy_never_funds_a_project_without_votes():
    # "Z" costs nothing and fits, but nobody voted for it.
    result = greedy(10, make_projects({"A": 4, "Z": 0}), [{"A"}])
    assert result.winners == ("A",)
    z = result.outcome("Z")
    assert (z.selected, z.reason, z.votes) == (False, Reason.NO_VOTES, 0)


def test_greedy_with_cumulative_ballots_orders_by_points():
    # Points: X 3, Y 1+2 = 3, Z 2+3 = 5.  Budget 10:
    #   Z 4 -> 6 left; X and Y tie on 3 points: the cheaper Y (5) first -> 1 left;
    #   X 6 > 1: does not fit.
    projects = make_projects({"X": 6, "Y": 5, "Z": 4})
    ballots = [{"X": 3, "Y": 1}, {"Y": 2, "Z": 2}, {"Z": 3}]

    result = count("greedy", 10, projects, ballots)

    assert result.winners == ("Z", "Y")
    assert result.outcome("Y").votes == 3
    x = result.outcome("X")
    assert (x.reason, x.remaining_budget) == (Reason.DOES_NOT_FIT, 1)


def test_cumulative_ballots_are_rejected_by_equal_shares():
    projects = make_projects({"X": 6})
    for rule in ("mes", "mes_add1"):
        with pytest.raises(ValueError, match="cumulative ballots can only be counted with"):
            count(rule, 10, projects, [{"X": 3}])


# --- method of equal shares --------------------------------------------------------------

# Voters 1-3 approve A1, A2, A3 (30 each), voter 4 approves B (25); budget 100.
CLASSIC_PROJECTS = make_projects({"A1": 30, "A2": 30, "A3": 30, "B": 25})
CLASSIC_BALLOTS = [{"A1", "A2", "A3"}] * 3 + [{"B"}]


def test_equal_shares_gives_the_minority_its_share_where_greedy_does_not():
    # Greedy: A1, A2, A3 (3 votes each) -> 90 spent; B 25 > 10 left: does not fit.
    # MES: each voter gets 100 / 4 = 25.
    #   Round 1: A1, A2, A3: 3 supporters pay 10 each, rho = 10/30 = 1/3;
    #            B: voter 4 pays 25, rho = 25/25 = 1.  A1 wins the tie (same rho, cost and
    #            votes; lowest id).  Voters 1-3 have 15 left.
    #   Round 2: A2 and A3: 10 each, rho = 1/3 < 1: A2.  Voters 1-3 have 5 left.
    #   Round 3: A3 needs 30 but its supporters have 15: not affordable.  B: rho = 1.
    #   Then nothing is affordable.  MES = {A1, A2, B}, cost 85.
    assert greedy(100, CLASSIC_PROJECTS, CLASSIC_BALLOTS).winners == ("A1", "A2", "A3")

    result = equal_shares(100, CLASSIC_PROJECTS, CLASSIC_BALLOTS)

    assert result.winners == ("A1", "A2", "B")
    assert result.total_cost == 85
    assert result.endowment_per_voter == 25
    a1 = result.outcome("A1")
    assert (a1.reason, a1.stage, a1.payment_per_supporter, a1.supporters_money) == (
        Reason.SELECTED,
        Stage.EQUAL_SHARES,
        10,
        75,
    )
    b = result.outcome("B")
    assert (b.selected, b.payment_per_supporter, b.selection_order) == (True, 25, 3)
    # A3 was affordable at the start (75 >= 30) but its supporters spent their money on A1
    # and A2 and kept only 3 * 5 = 15.
    a3 = result.outcome("A3")
    assert (a3.selected, a3.reason, a3.supporters_money) == (False, Reason.OUTBID, 15)


def test_greedy_completion_after_equal_shares():
    # MES = {A1, A2, B} (85), see above.  Completion: 15 left, A3 (30) does not fit.
    result = equal_shares(100, CLASSIC_PROJECTS, CLASSIC_BALLOTS, completion=True)
    assert result.winners == ("A1", "A2", "B")
    a3 = result.outcome("A3")
    assert (a3.reason, a3.stage, a3.remaining_budget, a3.supporters_money) == (
        Reason.DOES_NOT_FIT,
        Stage.COMPLETION,
        15,
        15,
    )

    # A3 now costs 20 and the budget is 105: 105/4 per voter.
    #   Round 1: A1, A2, A3 all have rho 1/3 (an equal split); A3 is the cheapest: voters 1-3
    #            pay 20/3 and keep 105/4 - 20/3 = 235/12.
    #   Round 2: A1 (10 each, rho 1/3) before B (rho 1); voters 1-3 keep 115/12.
    #   Round 3: A2: 3 * 115/12 = 115/4 < 30, out.  B: voter 4 pays 25.
    #   MES = {A3, A1, B} = 75.  Completion: 30 left, A2 (30) fits.
    projects = make_projects({"A1": 30, "A2": 30, "A3": 20, "B": 25})
    result = equal_shares(105, projects, CLASSIC_BALLOTS, completion=True)
    assert result.winners == ("A3", "A1", "B", "A2")
    a2 = result.outcome("A2")
    assert (a2.selected, a2.stage, a2.remaining_budget, a2.selection_order) == (
        True,
        Stage.COMPLETION,
        30,
        4,
    )


def test_comparison_switches_to_greedy_when_more_voters_prefer_it():
    # MES {A1, A2, B} vs greedy {A1, A2, A3}: voters 1-3 approve 2 vs 3 winners (prefer
    # greedy), voter 4 approves 1 vs 0 (prefers MES).  3 > 1: switch to greedy.
    result = equal_shares(100, CLASSIC_PROJECTS, CLASSIC_BALLOTS, compare_with_greedy=True)

    assert result.winners == ("A1", "A2", "A3")
    assert result.comparison is not None
    assert result.comparison.voters_preferring_equal_shares == 1
    assert result.comparison.voters_preferring_greedy == 3
    assert result.comparison.switched_to_greedy
    b = result.outcome("B")
    assert (b.reason, b.stage, b.remaining_budget) == (Reason.DOES_NOT_FIT, Stage.GREEDY, 10)


def test_comparison_keeps_equal_shares_when_greedy_is_not_preferred_by_more_voters():
    # Budget 60, six voters.  A (60): voters 1-3; B (20): 3-4; C (20): 5-6; D (20): 1-2.
    # Greedy: A (3 votes) takes the whole budget.  MES, 10 per voter: A needs 60, its
    # supporters have 30: never affordable.  B, C, D: 10 per supporter, rho 1/2, tied on
    # cost and votes: by id B, C, D, each emptying its two supporters.  MES = {B, C, D}.
    # Voters 4, 5, 6 approve 1 MES winner and 0 greedy winner; voters 1-3 approve one of
    # each.  3 prefer MES, 0 prefer greedy: no switch.
    projects = make_projects({"A": 60, "B": 20, "C": 20, "D": 20})
    ballots = [{"A", "D"}, {"A", "D"}, {"A", "B"}, {"B"}, {"C"}, {"C"}]

    result = count("mes", 60, projects, ballots, compare_with_greedy=True)

    assert result.winners == ("B", "C", "D")
    assert result.comparison is not None
    assert result.comparison.voters_preferring_equal_shares == 3
    assert result.comparison.voters_preferring_greedy == 0
    assert not result.comparison.switched_to_greedy
    a = result.outcome("A")
    assert (a.reason, a.supporters_money) == (Reason.NOT_AFFORDABLE_BY_SUPPORTERS, 0)


def test_equal_shares_tie_on_rho_and_cost_goes_to_most_votes():
    # Eight voters, budget 24: 3 each.  W (12): voters 5-8; X (6): voters 1, 4;
    # Y (6): voters 3, 4, 5.
    #   Round 1: W: 3 each, rho 3/12 = 1/4; X: 3 each, rho 1/2; Y: 2 each, rho 1/3.  W.
    #            Voters 5-8 have nothing left.
    #   Round 2: X: 3 each, rho 1/2.  Y: voter 5 has 0, so voters 3 and 4 pay 3 each,
    #            rho 1/2.  Same rho and cost: Y has more votes (3 > 2) and wins (by id, X
    #            would have won).  Voters 3 and 4 are emptied.
    #   Round 3: X: voters 1 and 4 have 3 + 0 < 6.  Done.
    projects = make_projects({"W": 12, "X": 6, "Y": 6})
    ballots = [{"X"}, set(), {"Y"}, {"X", "Y"}, {"W", "Y"}, {"W"}, {"W"}, {"W"}]

    result = equal_shares(24, projects, ballots)

    assert result.winners == ("W", "Y")
    x = result.outcome("X")
    assert (x.reason, x.supporters_money) == (Reason.OUTBID, 3)


def test_equal_shares_tie_on_rho_goes_to_lowest_cost():
    # Budget 22, four voters: 11/2 each.  A (9): voters 1, 3, 4; B (3): 1, 2; C (10): 2-4.
    #   Round 1: A: 3 each, rho 3/9 = 1/3; B: 3/2 each, rho 1/2; C: 10/3 each, rho 1/3.
    #            A and C tie on rho: A is cheaper.  Voters 1, 3, 4 keep 5/2.
    #   Round 2: B: 3/2 each, rho 1/2.  C: voters 3 and 4 pay their last 5/2 and voter 2
    #            would pay 5, rho 5/10 = 1/2.  Tie again: B is cheaper.  Voters 1 and 2
    #            pay 3/2 and keep 1 and 4.
    #   Round 3: C: 4 + 5/2 + 5/2 = 9 < 10.  Done.
    projects = make_projects({"A": 9, "B": 3, "C": 10})
    ballots = [{"A", "B"}, {"B", "C"}, {"A", "C"}, {"A", "C"}]

    result = equal_shares(22, projects, ballots)

    assert result.winners == ("A", "B")
    assert result.outcome("B").payment_per_supporter == Fraction(3, 2)
    c = result.outcome("C")
    assert (c.reason, c.supporters_money) == (Reason.OUTBID, 9)


def test_zero_cost_projects_are_selected_first_when_approved():
    # Z costs nothing and one voter approves it: it comes first, paid 0.  N costs nothing
    # but has no supporter: not selected.  Then A: 2 supporters * 5 = 10 >= 10.
    projects = make_projects({"A": 10, "N": 0, "Z": 0})
    result = equal_shares(10, projects, [{"A", "Z"}, {"A"}])
    assert result.winners == ("Z", "A")
    assert result.outcome("Z").payment_per_supporter == 0
    assert result.outcome("N").reason == Reason.NO_VOTES


# --- add1 completion ---------------------------------------------------------------------

# Budget 10, four voters: 1 approves A and B, 2 and 3 approve B, 4 approves A.
ADD1_PROJECTS = make_projects({"A": 4, "B": 8})
ADD1_BALLOTS = [{"A", "B"}, {"B"}, {"B"}, {"A"}]


def test_add1_goes_past_the_first_exhaustive_outcome_and_starts_from_the_rounded_down_share():
    # Start at floor(10 / 4) = 2 per voter (not 10/4 = 2.5).
    #   2: A: 2 supporters pay 2 each, rho 2/4 = 1/2; B: 3 * 2 = 6 < 8, not affordable.
    #      {A}, cost 4.  Exhaustive already (B does not fit in the 6 left) but not final.
    #   3: A: rho 1/2; B: 3 supporters pay 8/3 each, rho (8/3)/8 = 1/3: B first.  Voter 1
    #      keeps 1/3, so A: 1/3 + 3 < 4.  {B}, cost 8 <= 10: kept.
    #   4: B first (rho 1/3), voter 1 keeps 4/3; A: voter 1 pays 4/3, voter 4 pays 8/3
    #      (rho 2/3).  {B, A} costs 12 > 10: stop, keep {B}.
    # Starting from 2.5 instead would give {A} at 2.5 and {B, A} at 3.5, hence {A}.
    calls: list[tuple[int, int]] = []

    result = equal_shares_add1(10, ADD1_PROJECTS, ADD1_BALLOTS, progress=lambda *a: calls.append(a))

    assert result.winners == ("B",)
    assert result.endowment_per_voter == 3
    assert result.mes_runs == 3
    b = result.outcome("B")
    assert (b.payment_per_supporter, b.supporters_money) == (Fraction(8, 3), 9)
    a = result.outcome("A")
    assert (a.reason, a.supporters_money) == (Reason.OUTBID, Fraction(10, 3))
    # Plain MES uses exactly 10/4 per voter: {A}.
    assert equal_shares(10, ADD1_PROJECTS, ADD1_BALLOTS).winners == ("A",)
    # Progress: after run 1 nothing grew yet, so the estimate is the bound (endowments 2..12,
    # 11 runs); after run 2 the cost grew by 4 and needs 3 more to pass 10: one more run.
    assert calls == [(1, 11), (2, 3), (3, 3)]


def test_add1_with_completion_and_through_count():
    # Same election: add1 keeps {B} (8); completion: A (4) does not fit in the 2 left.
    result = count("mes_add1", 10, ADD1_PROJECTS, ADD1_BALLOTS, completion=True)
    assert result.rule == "mes_add1"
    assert result.winners == ("B",)
    a = result.outcome("A")
    assert (a.reason, a.stage, a.remaining_budget) == (Reason.DOES_NOT_FIT, Stage.COMPLETION, 2)


def test_add1_funds_every_supported_project_when_they_all_fit():
    # A + B = 10 <= 12: every outcome fits, and from 10 per voter on MES takes both.
    # A single run at that endowment gives the final outcome.  C has no supporter.
    projects = make_projects({"A": 4, "B": 6, "C": 1})
    calls: list[tuple[int, int]] = []
    result = equal_shares_add1(
        12, projects, [{"A"}, {"B"}, {"B"}], progress=lambda *a: calls.append(a)
    )
    assert set(result.winners) == {"A", "B"}
    assert (result.endowment_per_voter, result.mes_runs) == (10, 1)
    assert calls == [(1, 1)]
    assert result.outcome("C").reason == Reason.NO_VOTES


def test_no_ballots_selects_nothing():
    projects = make_projects({"A": 4})
    for rule in ("greedy", "mes", "mes_add1"):
        result = count(rule, 10, projects, [])
        assert result.winners == ()
        assert result.outcome("A").reason == Reason.NO_VOTES


# --- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("budget", "projects", "ballots", "message"),
    [
        (10, [Project("A", 4)], [{"A", "Q"}], "ballot 0: unknown project id 'Q'"),
        (10, [Project("A", 4)], [{"A": 1}, {"Q": 1}], "ballot 1: unknown project id 'Q'"),
        (10, [Project("A", -4)], [{"A"}], "cost of project 'A' must not be negative"),
        (10, [Project("A", 4.0)], [{"A"}], "cost of project 'A' must be a whole number"),
        (-1, [Project("A", 4)], [{"A"}], "budget must not be negative"),
        (10, [Project("A", 4)], [{"A": -2}], "ballot 0: points for 'A' must not be negative"),
        (10, [Project("A", 4), Project("A", 5)], [], "duplicate project id 'A'"),
        (10, [Project("", 4)], [], "project id must be a non-empty string"),
        (10, [Project("A", 4)], [{"A"}, {"A": 1}], "ballot 1: every ballot must be a set"),
        (10, [Project("A", 4)], [["A"]], "ballot 0: every ballot must be a set"),
    ],
)
def test_invalid_input_is_rejected(budget, projects, ballots, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        count("greedy", budget, projects, ballots)


def test_invalid_rule_or_options_are_rejected():
    projects = make_projects({"A": 4})
    with pytest.raises(ValueError, match="unknown counting rule 'phragmen'"):
        count("phragmen", 10, projects, [{"A"}])
    with pytest.raises(ValueError, match="only apply to equal shares"):
        count("greedy", 10, projects, [{"A"}], completion=True)
