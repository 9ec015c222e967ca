"""A small job queue in the database, shared by core and plugins (mail, counts, ...).

A job is a row of ``jobs``: the name of a declared ``JobType`` (``parvis_job_types``), a JSON
payload and an optional town. ``enqueue`` adds it in the caller's unit of work, so a job exists
only if the change that asked for it commits. Workers (``parvis worker``, ``parvis jobs run``,
or a task of the web process in development: ``run_worker_async``) take due jobs one at a time:

- The claim is a committed transaction of its own that moves the row from ``pending`` to
  ``running`` and counts the attempt before the handler runs. On PostgreSQL the row is picked
  ``FOR UPDATE SKIP LOCKED``, so concurrent workers skip each other's rows instead of queueing;
  on SQLite a writing unit of work holds the write lock from ``BEGIN`` (``db.py``), so claims
  are serialised. Both move the row only ``WHERE status = 'pending'``.
- The outcome is another transaction: ``done``; or back to ``pending`` with ``run_after`` pushed
  back; or ``failed`` after ``max_attempts`` failures, recorded in the town's audit log.
- A worker killed while a job runs leaves it ``running``. A type with a ``lease`` (a count) is
  claimable again once ``started_at + lease`` has passed, as one more attempt (failed if it was the
  last); the compare-and-set then also matches the attempt count, and a late outcome of the
  dead-looking worker is dropped. A type without a lease (mail) is never run again by itself: a
  mail that may have left is not sent twice. ``/admin/jobs`` and ``parvis jobs list`` show them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Collection
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from parvis import audit
from parvis.contrib import JobType, QueuedJob
from parvis.db import utcnow
from parvis.models import Job
from parvis.plugin_app import App

if TYPE_CHECKING:
    from parvis.app import Parvis

logger = logging.getLogger("parvis.jobs")
PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
STATUSES = (PENDING, RUNNING, DONE, FAILED)
# Finished jobs are deleted after this long (failed ones stay until staff look at them).
KEEP_DONE = dt.timedelta(days=30)
# The app's sessions carry the declared job names under this key (``app.py``), for ``enqueue``.
DECLARED_KEY = "parvis_job_types"


def enqueue(
    session: Session,
    name: str,
    payload: dict[str, Any] | None = None,
    *,
    town_id: int | None = None,
    dedupe_key: str | None = None,
    run_after: dt.datetime | None = None,
) -> bool:
    """Queue job ``name`` in the caller's unit of work; it runs once that commits, not before
    ``run_after``. With a ``dedupe_key``, nothing is queued (False) while a pending or running
    job has the same key. A name no plugin declared is refused (``ValueError``): no worker would
    ever run it."""
    declared = session.info.get(DECLARED_KEY)
    if declared is not None and name not in declared:
        raise ValueError(
            f"Unknown job type {name!r}: declare it with parvis_job_types "
            f"(declared: {', '.join(sorted(declared)) or 'none'})"
        )
    job = Job(
        name=name,
        payload=dict(payload or {}),
        town_id=town_id,
        dedupe_key=dedupe_key,
        run_after=run_after or utcnow(),
    )
    if dedupe_key is None:
        session.add(job)
        return True
    if session.scalar(select(Job.id).where(_live_key(dedupe_key))) is not None:
        return False
    try:
        # A simultaneous enqueue of the same key (PostgreSQL) fails on the partial unique
        # index here, in a savepoint, rather than failing the caller's commit.
        with session.begin_nested():
            session.add(job)
    except IntegrityError:
        return False
    return True


def _live_key(dedupe_key: str) -> Any:
    return (Job.dedupe_key == dedupe_key) & Job.status.in_((PENDING, RUNNING))


def _claimable(now: dt.datetime, types: dict[str, JobType]) -> Any:
    """Due pending jobs of ``types``, and running ones whose lease has expired."""
    due = (Job.status == PENDING) & (Job.run_after <= now) & Job.name.in_(list(types))
    expired = [
        (Job.name == name) & (Job.started_at < now - dt.timedelta(seconds=t.lease))
        for name, t in types.items()
        if t.lease is not None
    ]
    return or_(due, and_(Job.status == RUNNING, or_(*expired))) if expired else due


def claim(parvis: Parvis, names: Collection[str]) -> QueuedJob | None:
    """Take the oldest due job among ``names`` for this worker, committed as ``running``.
    A running job whose lease expired and that had its last attempt is marked failed."""
    types = {n: t for n, t in parvis.registry.job_types.items() if n in names}
    while types:
        now = utcnow()
        with parvis.db.session() as session:
            query = select(Job).where(_claimable(now, types)).order_by(Job.run_after, Job.id)
            if parvis.db.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            job = session.scalar(query.limit(1))
            if job is None:
                return None
            queued = QueuedJob(
                job.id, job.name, dict(job.payload or {}), job.town_id, job.attempts + 1
            )
            # The row as read, attempt included: a reclaimed job is moved by one worker only.
            same = (Job.id == job.id) & (Job.status == job.status) & (Job.attempts == job.attempts)
            given_up = job.status == RUNNING and job.attempts >= types[job.name].max_attempts
            values: dict[str, Any] = (
                {"status": FAILED, "finished_at": now, "last_error": LEASE_ERROR}
                if given_up
                else {"status": RUNNING, "attempts": job.attempts + 1, "started_at": now}
            )
            moved = session.execute(
                update(Job).where(same).values(values).execution_options(synchronize_session=False)
            )
            if moved.rowcount != 1:
                return None
            if not given_up:
                return queued
            _audit_failure(session, replace(queued, attempt=job.attempts), LEASE_ERROR)
        _after_failure(parvis, types[job.name], replace(queued, attempt=job.attempts), LEASE_ERROR)
    return None


# The error of a job whose worker stopped answering (died, or outlived its lease).
LEASE_ERROR = "The worker stopped before the job finished (lease expired)."


def run_one(parvis: Parvis, job_type: JobType, job: QueuedJob) -> bool:
    """Run a claimed job and record its outcome; whether it succeeded."""
    try:
        job_type.handler(App(parvis), job)
    except Exception as exc:  # one failing job must never stop the queue behind it
        logger.warning("Job %s (%s) failed, attempt %s: %s", job.id, job.name, job.attempt, exc)
        _finish(parvis, job_type, job, (str(exc) or type(exc).__name__)[:2000])
        return False
    _finish(parvis, job_type, job, None)
    return True


def _finish(parvis: Parvis, job_type: JobType, job: QueuedJob, error: str | None) -> None:
    now = utcnow()
    values: dict[str, Any]
    if error is None:
        values = {"status": DONE, "finished_at": now, "last_error": None}
    elif job.attempt < job_type.max_attempts:
        delay = job_type.retry_after * 2 ** (job.attempt - 1)
        values = {
            "status": PENDING,
            "run_after": now + dt.timedelta(seconds=delay),
            "last_error": error,
        }
    else:
        values = {"status": FAILED, "finished_at": now, "last_error": error}
    with parvis.db.session() as session:
        # Only while the row is still this attempt's: after its lease expired another worker
        # may have taken it, and that worker's outcome counts.
        mine = (Job.id == job.id) & (Job.status == RUNNING) & (Job.attempts == job.attempt)
        if session.execute(update(Job).where(mine).values(values)).rowcount != 1:
            logger.warning("Job %s (%s): outcome dropped, its lease was taken", job.id, job.name)
            return
        if values["status"] == FAILED:
            _audit_failure(session, job, error or "")
    if values["status"] == FAILED:
        _after_failure(parvis, job_type, job, error or "")


def _audit_failure(session: Session, job: QueuedJob, error: str) -> None:
    if job.town_id is not None:
        audit.record(
            session,
            job.town_id,
            None,
            "job.failed",
            job.name,
            attempts=job.attempt,
            error=error[:200],
        )


def _after_failure(parvis: Parvis, job_type: JobType, job: QueuedJob, error: str) -> None:
    if job_type.on_failed is None:
        return
    try:
        job_type.on_failed(App(parvis), job, error)
    except Exception:  # the job is failed and audited whatever its plugin does next
        logger.exception("on_failed of job %s (%s) failed", job.id, job.name)


def run_pending(
    parvis: Parvis, *, names: Collection[str] | None = None, limit: int | None = None
) -> int:
    """Run due jobs (of ``names``, else of every declared type) until none is due or ``limit``
    ran; returns how many succeeded. A failed attempt is retried later, not in this call
    (unless its ``retry_after`` is 0)."""
    types = parvis.registry.job_types
    wanted = list(types) if names is None else [n for n in names if n in types]
    ran = succeeded = 0
    while limit is None or ran < limit:
        job = claim(parvis, wanted)
        if job is None:
            break
        ran += 1
        succeeded += run_one(parvis, types[job.name], job)
    return succeeded


async def run_worker_async(parvis: Parvis, interval: float = 1.0) -> None:
    """The web process's worker in development (``inline_worker``): rounds in a thread."""
    while True:
        try:
            ran = await asyncio.to_thread(run_pending, parvis, limit=50)
        except Exception:  # keep the worker alive; the next round retries
            logger.exception("Job round failed")
            ran = 0
        if not ran:
            await asyncio.sleep(interval)


def purge_done(session: Session, now: dt.datetime | None = None) -> int:
    """Delete jobs done more than ``KEEP_DONE`` ago; how many."""
    cutoff = (now or utcnow()) - KEEP_DONE
    return session.execute(delete(Job).where(Job.status == DONE, Job.finished_at < cutoff)).rowcount


def requeue(session: Session, job: Job) -> bool:
    """Queue a failed job again, from its first attempt (staff's "try again"); False while a
    pending or running job holds its dedupe key."""
    if job.status != FAILED:
        return False
    if job.dedupe_key is not None and session.scalar(
        select(Job.id).where(_live_key(job.dedupe_key))
    ):
        return False
    job.status, job.attempts, job.run_after, job.finished_at = PENDING, 0, utcnow(), None
    return True


def listing(session: Session, status: str | None = None, limit: int = 100) -> list[Job]:
    """The latest jobs, newest first, optionally in one status (``parvis jobs list``)."""
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Job.status == status)
    return list(session.scalars(query))
