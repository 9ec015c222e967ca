"""Greedy by votes: fund projects by decreasing votes while they fit; also the completion
after equal shares and the comparison with it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .model import (
    Ballot,
    CountResult,
    Instance,
    Project,
    ProjectOutcome,
    Reason,
    Stage,
    make_result,
    prepare,
)


def greedy_pass(
    inst: Instance,
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


def greedy_outcomes(
    inst: Instance, winners: list[str], seen: dict[str, int]
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
    inst = prepare(budget, projects, ballots)
    winners, seen = greedy_pass(inst, inst.budget, inst.cost, skip, min_votes)
    return make_result("greedy", inst, winners, greedy_outcomes(inst, winners, seen))
