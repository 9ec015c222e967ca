"""The search of MES with the add1 completion: the cost of the outcome at each endowment.

``outcome_costs`` yields, endowment after endowment, the total cost of the MES winners; the
caller stops at the first that exceeds the budget. Each run is computed in certified floating
point (``equal_shares_float``), redone in exact arithmetic when a decision is too close to
call, so every cost is the exact rule's. On a large election and a machine with two cores or
more, the next endowments are computed ahead in worker processes, one per core: the runs are
independent, and the few computed past the stop are thrown away.
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from fractions import Fraction
from itertools import count

from .equal_shares_float import FloatElection
from .mes import equal_shares_run
from .model import Instance

# Below this many approvals a run takes a few milliseconds: starting workers costs more.
PARALLEL_APPROVALS = 50_000
_AHEAD = 4  # runs queued per worker


class _Runs:
    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.fast = FloatElection(inst.cost, inst.tie.__getitem__, inst.approvals or ())

    def cost(self, endowment: int) -> int:
        winners = self.fast.winners(endowment)
        if winners is None:
            winners = equal_shares_run(self.inst, Fraction(endowment)).winners
        return sum(self.inst.cost[pid] for pid in winners)


_worker_runs: _Runs | None = None


def _start_worker(inst: Instance) -> None:
    global _worker_runs
    _worker_runs = _Runs(inst)


def _worker_cost(endowment: int) -> int:
    assert _worker_runs is not None
    return _worker_runs.cost(endowment)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def outcome_costs(
    inst: Instance, start: int, workers: int | None = None
) -> Iterator[tuple[int, int]]:
    """(endowment, cost of its MES outcome) for start, start + 1, ... until closed.

    ``workers``: processes computing ahead; by default one per core on large elections, none
    on small ones (0 computes in this process).
    """
    if workers is None:
        approvals = sum(map(len, inst.approvals or ()))
        workers = _cores() if approvals >= PARALLEL_APPROVALS else 0
    if workers < 2:
        runs = _Runs(inst)
        for endowment in count(start):
            yield endowment, runs.cost(endowment)
        return
    # Spawned, not forked: the caller may hold threads and database connections.
    context = mp.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(inst,)
    ) as pool:
        queued: deque[tuple[int, Future[int]]] = deque()
        upcoming = count(start)
        try:
            while True:
                while len(queued) < workers * _AHEAD:
                    endowment = next(upcoming)
                    queued.append((endowment, pool.submit(_worker_cost, endowment)))
                endowment, future = queued.popleft()
                yield endowment, future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
