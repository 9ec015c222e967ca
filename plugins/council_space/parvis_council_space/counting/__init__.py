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

from collections.abc import Sequence

from .add1 import equal_shares_add1
from .greedy_rule import greedy
from .mes import equal_shares
from .model import (
    RULES,
    ApprovalBallot,
    Ballot,
    CountResult,
    CumulativeBallot,
    Election,
    GreedyComparison,
    ProgressCallback,
    Project,
    ProjectOutcome,
    Reason,
    Stage,
)

__all__ = [
    "RULES",
    "ApprovalBallot",
    "Ballot",
    "CountResult",
    "CumulativeBallot",
    "Election",
    "GreedyComparison",
    "ProgressCallback",
    "Project",
    "ProjectOutcome",
    "Reason",
    "Stage",
    "count",
    "equal_shares",
    "equal_shares_add1",
    "greedy",
]


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
