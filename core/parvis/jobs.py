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
- A worker killed while a job runs leaves it ``running``, and it is never run again by itself:
  a mail that may have left is not sent twice. ``parvis jobs list`` shows such jobs.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
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
    job has the same key."""
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


def claim(parvis: Parvis, names: Collection[str]) -> QueuedJob | None:
    """Take the oldest due job among ``names`` for this worker, committed as ``running``."""
    if not names:
        return None
    now = utcnow()
    with parvis.db.session() as session:
        query = (
            select(Job)
            .where(Job.status == PENDING, Job.run_after <= now, Job.name.in_(list(names)))
            .order_by(Job.run_after, Job.id)
            .limit(1)
        )
        if parvis.db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True)
        job = session.scalar(query)
        if job is None:
            return None
        claimed = session.execute(
            update(Job)
            .where(Job.id == job.id, Job.status == PENDING)
            .values(status=RUNNING, attempts=Job.attempts + 1, started_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            return None
        return QueuedJob(job.id, job.name, dict(job.payload or {}), job.town_id, job.attempts + 1)


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
        session.execute(update(Job).where(Job.id == job.id).values(values))
        if values["status"] == FAILED and job.town_id is not None:
            audit.record(
                session,
                job.town_id,
                None,
                "job.failed",
                job.name,
                attempts=job.attempt,
                error=error[:200] if error else "",
            )


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


def listing(session: Session, status: str | None = None, limit: int = 100) -> list[Job]:
    """The latest jobs, newest first, optionally in one status (``parvis jobs list``)."""
    query = select(Job).order_by(Job.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Job.status == status)
    return list(session.scalars(query))
