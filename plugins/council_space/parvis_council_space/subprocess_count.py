"""Counting in a child process, so a long count does not hold the web process's GIL.

Only ``counting`` is imported in the child (spawned, not forked: no copied database
connections); progress comes back through two shared integers the parent polls.
"""

from __future__ import annotations

import multiprocessing as mp
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from . import counting

_shared: tuple[Any, Any] | None = None


def _init(done: Any, total: Any) -> None:
    global _shared
    _shared = (done, total)


def _report(done: int, total: int) -> None:
    assert _shared is not None
    _shared[0].value = done
    _shared[1].value = total


def _count(rule: str, election: counting.Election, completion: bool) -> counting.CountResult:
    return counting.count(
        rule,
        election.budget,
        election.projects,
        election.ballots,
        completion=completion,
        progress=_report if rule == "mes_add1" else None,
    )


def count(
    rule: str,
    election: counting.Election,
    completion: bool,
    progress: Callable[[int, int], None],
    poll: float = 0.5,
) -> counting.CountResult:
    ctx = mp.get_context("spawn")
    done, total = ctx.Value("q", 0), ctx.Value("q", 0)
    with ProcessPoolExecutor(1, mp_context=ctx, initializer=_init, initargs=(done, total)) as pool:
        future = pool.submit(_count, rule, election, completion)
        while True:
            try:
                return future.result(timeout=poll)
            except TimeoutError:
                if total.value:
                    progress(done.value, total.value)
