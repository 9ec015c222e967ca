"""Count jobs: queueing a count of a closed vote, running it (a ``council_space.count`` job of
core's queue, the big ones in a child process; or in the caller's transaction), storing and
publishing its results."""

from __future__ import annotations

import logging
import time
from fractions import Fraction
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from parvis.api import App, JobType, Module, QueuedJob, Town, User, enqueue_job, utcnow

from . import counting, guards
from .ballot_box import load_election
from .common import VOTABLE, ServiceError
from .config import CallConfig
from .i18n import _, _l
from .models import WORKER_STOPPED, CountJob, Idea, Result

logger = logging.getLogger("parvis.council_space")
JOB = "council_space.count"


def request_count(session: Session, town: Town, module: Module, user: User | None) -> CountJob:
    """Queue a count of a closed vote (``guards.GuardError`` while ballots may still come); a
    worker of core's job queue runs it once the caller's transaction commits."""
    job = _new_count(session, town, module, user)
    enqueue_job(session, JOB, {"count_job": job.id}, town_id=town.id, dedupe_key=f"{JOB}:{job.id}")
    return job


def _new_count(session: Session, town: Town, module: Module, user: User | None) -> CountJob:
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


def run_count(app: App, queued: QueuedJob) -> None:
    """The ``council_space.count`` handler: run the requested count, once (again when staff
    retry its failed job from ``/admin/jobs``)."""
    job_id = int(queued.payload["count_job"])
    with app.session() as session:
        started = session.execute(
            update(CountJob)
            .where(CountJob.id == job_id, CountJob.status.in_(("pending", "failed")))
            .values(status="running", started_at=utcnow())
        )
    if started.rowcount == 1:  # else deleted with its call, or already counted
        _count(app.db, job_id)


def count_failed(app: App, queued: QueuedJob, error: str) -> None:
    """A count whose worker died (its lease expired) is failed, not "under way" for good."""
    with app.session() as session:
        session.execute(
            update(CountJob)
            .where(
                CountJob.id == int(queued.payload["count_job"]),
                CountJob.status.in_(("pending", "running")),
            )
            .values(status="failed", error=WORKER_STOPPED, finished_at=utcnow())
        )


# A failed count is shown on the results page (staff may ask again): never retried by itself.
# A count still running after its lease (an hour) is taken as dead: its worker stopped.
COUNT_JOB = JobType(
    JOB,
    run_count,
    max_attempts=1,
    lease=3600,
    on_failed=count_failed,
    label=_l("Council vote count"),
)


# Counts with at least this many ballots run in a child process: the worker may be the web
# process (development), whose requests must not wait for the GIL behind a count.
PROCESS_THRESHOLD = 2000


def _count(db: Any, job_id: int) -> None:
    """Count one started job, saving progress now and then so the results page can show it;
    a failure is recorded on the job, then raised for the queue (and its audit entry)."""
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
        if len(election.ballots) >= PROCESS_THRESHOLD:
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
        raise
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
    job = _new_count(session, town, module, None)
    config = CallConfig.of(module)
    election = load_election(session, module, config)
    result = counting.count(
        job.rule, election.budget, election.projects, election.ballots, completion=job.completion
    )
    store_results(session, job.id, result, len(election.ballots))
    session.refresh(job)
    return job


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
