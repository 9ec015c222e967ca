"""Count jobs: queueing a count of a closed vote, claiming and running it (in a worker
thread, a child process or the caller's transaction), storing and publishing its results."""

from __future__ import annotations

import logging
import threading
import time
from fractions import Fraction
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from parvis.api import Module, Town, User, utcnow

from . import counting, guards
from .ballot_box import load_election
from .common import VOTABLE, ServiceError
from .config import CallConfig
from .i18n import _
from .models import CountJob, Idea, Result

logger = logging.getLogger("parvis.council_space")


def request_count(session: Session, town: Town, module: Module, user: User | None) -> CountJob:
    """Queue a count of a closed vote (``guards.GuardError`` while ballots may still come)."""
    guards.check_countable(module)
    config = CallConfig.of(module)
    running = session.scalar(
        select(CountJob).where(
            CountJob.module_id == module.id, CountJob.status.in_(("pending", "running"))
        )
    )
    if running is not None:
        raise ServiceError(_("A count of this call is already under way."))
    job = CountJob(
        module_id=module.id,
        town_id=town.id,
        rule=config.effective_counting_rule,
        completion=config.completion and config.effective_counting_rule != "greedy",
        budget=config.budget,
        requested_by=user.id if user else None,
    )
    session.add(job)
    session.flush()
    return job


def _fraction(value: Fraction | None) -> str | None:
    return None if value is None else str(value)


def claim_job(db: Any) -> int | None:
    """Take the oldest pending job for this worker; several workers may run at once."""
    with db.session() as session:
        query = select(CountJob).where(CountJob.status == "pending").order_by(CountJob.id).limit(1)
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        job = session.scalar(query)
        if job is None:
            return None
        claimed = session.execute(
            update(CountJob)
            .where(CountJob.id == job.id, CountJob.status == "pending")
            .values(status="running", started_at=utcnow())
        )
        return job.id if claimed.rowcount == 1 else None


# From the web process, counts with at least this many ballots run in a child process so that
# their CPU work does not compete with requests for the GIL.
PROCESS_THRESHOLD = 2000


def run_job(db: Any, job_id: int, *, child_process: bool = False) -> None:
    """Count one claimed job, saving progress now and then so the results page can show it."""
    with db.session(write=False) as session:
        job = session.get(CountJob, job_id)
        module = session.get(Module, job.module_id) if job else None
        if job is None or module is None:
            return
        config = CallConfig.of(module)
        config.budget = job.budget
        election = load_election(session, module, config)
        rule, completion = job.rule, job.completion
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < 0.5 and done != total:
            return
        last[0] = now
        with db.session() as s:
            s.execute(update(CountJob).where(CountJob.id == job_id).values(done=done, total=total))

    try:
        if child_process and len(election.ballots) >= PROCESS_THRESHOLD:
            from . import subprocess_count

            result = subprocess_count.count(rule, election, completion, progress)
        else:
            result = counting.count(
                rule,
                election.budget,
                election.projects,
                election.ballots,
                completion=completion,
                progress=progress if rule == "mes_add1" else None,
            )
    except Exception as exc:
        logger.exception("Count %s failed", job_id)
        with db.session() as s:
            s.execute(
                update(CountJob)
                .where(CountJob.id == job_id)
                .values(status="failed", error=str(exc)[:2000], finished_at=utcnow())
            )
        return
    with db.session() as s:
        store_results(s, job_id, result, len(election.ballots))


def store_results(
    session: Session, job_id: int, result: counting.CountResult, ballots: int
) -> None:
    session.execute(delete(Result).where(Result.job_id == job_id))
    session.add_all(
        Result(
            job_id=job_id,
            idea_id=int(o.project_id),
            selected=o.selected,
            reason=str(o.reason),
            stage=str(o.stage),
            votes=o.votes,
            cost=o.cost,
            selection_order=o.selection_order,
            remaining_budget=o.remaining_budget,
            payment_per_supporter=_fraction(o.payment_per_supporter),
            supporters_money=_fraction(o.supporters_money),
        )
        for o in result.outcomes
    )
    session.execute(
        update(CountJob)
        .where(CountJob.id == job_id)
        .values(
            status="done",
            finished_at=utcnow(),
            ballots=ballots,
            total_cost=result.total_cost,
            endowment=_fraction(result.endowment_per_voter),
            done=max(1, result.mes_runs),
            total=max(1, result.mes_runs),
        )
    )


def count_now(session: Session, town: Town, module: Module) -> CountJob:
    """Count in the caller's transaction (demo data, small calls in tests)."""
    job = request_count(session, town, module, None)
    config = CallConfig.of(module)
    election = load_election(session, module, config)
    result = counting.count(
        job.rule, election.budget, election.projects, election.ballots, completion=job.completion
    )
    store_results(session, job.id, result, len(election.ballots))
    session.refresh(job)
    return job


def count_pending(db: Any, limit: int | None = None, *, child_process: bool = False) -> int:
    """Run pending counts until none is left (or ``limit``); returns how many were run."""
    done = 0
    while limit is None or done < limit:
        job_id = claim_job(db)
        if job_id is None:
            break
        run_job(db, job_id, child_process=child_process)
        done += 1
    return done


_worker_lock = threading.Lock()
_workers: dict[int, threading.Thread] = {}


def start_background_worker(db: Any) -> None:
    """Count pending jobs in a daemon thread of this process (at most one per database)."""
    with _worker_lock:
        running = _workers.get(id(db))
        if running is not None and running.is_alive():
            return
        thread = threading.Thread(
            target=_background, args=(db,), name="council-space-count", daemon=True
        )
        _workers[id(db)] = thread
        thread.start()


def _background(db: Any) -> None:
    try:
        # A job requested while this thread finishes is picked up by the next request's thread.
        count_pending(db, child_process=True)
    except Exception:
        logger.exception("Background count failed")


def latest_job(session: Session, module: Module, *, published: bool) -> CountJob | None:
    query = select(CountJob).where(CountJob.module_id == module.id)
    if published:
        query = query.where(CountJob.published_at.is_not(None)).order_by(
            CountJob.published_at.desc(), CountJob.id.desc()
        )
    else:
        query = query.order_by(CountJob.id.desc())
    return session.scalar(query.limit(1))


def publish_job(session: Session, module: Module, job: CountJob) -> None:
    """Publish a finished count of this closed vote; from then on no ballot is accepted."""
    if job.status != "done":
        raise ServiceError(_("Only a finished count can be published."))
    guards.check_publishable(session, module, job)
    job.published_at = utcnow()
    selected = select(Result.idea_id).where(Result.job_id == job.id, Result.selected.is_(True))
    session.execute(
        update(Idea)
        .where(Idea.module_id == job.module_id, Idea.status.in_(VOTABLE))
        .values(status="not_selected")
    )
    session.execute(
        update(Idea)
        .where(Idea.module_id == job.module_id, Idea.id.in_(selected))
        .values(status="selected", followup_status=func.coalesce(Idea.followup_status, "planned"))
    )
    session.expire_all()
