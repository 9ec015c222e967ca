"""Leases of the job queue: a job whose worker died is taken again once its type's lease has
expired (never while it holds), failed after its last attempt; a type without a lease (mail) stays
``running``; a late outcome of the dead-looking worker is dropped; concurrent workers reclaim a job
once (PostgreSQL: ``FOR UPDATE SKIP LOCKED``). And ``enqueue_job`` refuses undeclared names."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from parvis import jobs
from parvis.api import JobType, QueuedJob, enqueue_job, queue_mail, run_jobs
from parvis.models import AuditEntry, Job
from parvis.testing import leave_jobs_running
from tests.test_jobs import _fail, _job, _note_run, _plugin, run_side_by_side


def _failed_note(app: Any, job: QueuedJob, error: str) -> None:
    with app.session() as session:
        row = session.get(Job, job.id)
        row.payload = {**row.payload, "on_failed": [job.attempt, error]}


NOTE = JobType("jobsdemo.note", _note_run, max_attempts=3, lease=60, on_failed=_failed_note)


def test_a_running_job_is_taken_again_only_once_its_lease_expired(make_town):
    town = make_town(extra_plugins=_plugin(NOTE))
    with town.session() as session:
        enqueue_job(session, "jobsdemo.note", town_id=town.town_id)
    leave_jobs_running(town, "jobsdemo.note", seconds_ago=50)
    assert run_jobs(town.parvis) == 0
    assert (_job(town).status, _job(town).attempts) == ("running", 1)
    leave_jobs_running(town, "jobsdemo.note", seconds_ago=61)
    assert run_jobs(town.parvis) == 1
    job = _job(town)
    assert (job.status, job.attempts, job.payload["runs"]) == ("done", 2, [2])


def test_a_job_whose_last_attempt_died_is_failed_audited_and_told(make_town):
    town = make_town(extra_plugins=_plugin(NOTE))
    with town.session() as session:
        enqueue_job(session, "jobsdemo.note", town_id=town.town_id)
    leave_jobs_running(town, "jobsdemo.note", seconds_ago=61, attempts=3)
    assert run_jobs(town.parvis) == 0
    job = _job(town)
    assert (job.status, job.attempts, job.last_error) == ("failed", 3, jobs.LEASE_ERROR)
    assert "runs" not in job.payload and job.payload["on_failed"] == [3, jobs.LEASE_ERROR]
    with town.session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "job.failed"))
    assert entry.target == "jobsdemo.note" and entry.details["attempts"] == 3


def test_a_mail_whose_worker_died_is_never_sent_again(town):
    with town.session() as session:
        queue_mail(session, "a@lease.test", "Hello", "Body", town.town_id)
    leave_jobs_running(town, "core.mail", seconds_ago=86400 * 30)
    assert run_jobs(town.parvis) == 0
    with town.session() as session:
        assert session.scalar(select(Job.status).where(Job.name == "core.mail")) == "running"


def test_the_late_outcome_of_a_worker_whose_lease_was_taken_is_dropped(make_town):
    town = make_town(extra_plugins=_plugin(NOTE))
    with town.session() as session:
        enqueue_job(session, "jobsdemo.note", town_id=town.town_id)
    slow = jobs.claim(town.parvis, ["jobsdemo.note"])
    assert slow is not None and slow.attempt == 1
    leave_jobs_running(town, "jobsdemo.note", seconds_ago=61)
    assert run_jobs(town.parvis) == 1
    # The slow worker fails at last, at its last attempt: the job stays done, nothing audited.
    broken = JobType("jobsdemo.note", _fail, max_attempts=1)
    assert not jobs.run_one(town.parvis, broken, slow)
    job = _job(town)
    assert (job.status, job.attempts, job.last_error) == ("done", 2, None)
    with town.session() as session:
        assert session.scalar(select(AuditEntry).where(AuditEntry.action == "job.failed")) is None


def test_concurrent_workers_take_an_expired_job_once(make_town):
    town = make_town(extra_plugins=_plugin(NOTE))
    with town.session() as session:
        for n in range(60):
            enqueue_job(session, "jobsdemo.note", {"n": n})
    leave_jobs_running(town, "jobsdemo.note", seconds_ago=61)
    done = run_side_by_side(town.parvis)
    assert sum(done) == 60
    with town.session() as session:
        rows = list(session.scalars(select(Job).where(Job.name == "jobsdemo.note")))
    assert all((j.status, j.attempts, j.payload["runs"]) == ("done", 2, [2]) for j in rows)
    if town.parvis.db.dialect == "postgresql":
        assert sum(1 for n in done if n) >= 2, "the workers did not run side by side"


def test_an_undeclared_job_name_is_refused(town):
    with town.session() as session:
        with pytest.raises(ValueError, match=r"'core\.typo'.*declared: .*core\.mail"):
            enqueue_job(session, "core.typo", town_id=town.town_id)
        assert session.scalar(select(Job.id)) is None
