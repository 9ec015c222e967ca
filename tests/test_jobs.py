"""The shared job queue: claims, retries with backoff, failure visible to staff, dedupe keys,
the worker command; two workers never run a job twice (PostgreSQL: ``FOR UPDATE SKIP LOCKED``).

Each plugin here is a module object registered with ``make_town(extra_plugins=...)``, written
against ``parvis.api`` as a third-party plugin would be; its handler reports to the test through
the job's own rows, never through module state.
"""

from __future__ import annotations

import datetime as dt
import threading
import types
from collections import Counter
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from parvis.api import JobType, QueuedJob, enqueue_job, hookimpl, queue_mail, run_jobs, utcnow
from parvis.cli import main
from parvis.models import AuditEntry, Job
from parvis.plugins import PluginError


def _plugin(*job_types: JobType) -> dict[str, types.ModuleType]:
    module = types.ModuleType("parvis_jobsdemo.plugin")
    module.__file__ = __file__

    @hookimpl
    def parvis_job_types() -> list[JobType]:
        return list(job_types)

    module.parvis_job_types = parvis_job_types  # type: ignore[attr-defined]
    return {"jobsdemo": module}


def _fail(app: Any, job: QueuedJob) -> None:
    raise RuntimeError(f"broken on attempt {job.attempt}")


def _note_run(app: Any, job: QueuedJob) -> None:
    """Leave a trace of this run in the job's own row: one more entry per run."""
    with app.session() as session:
        row = session.get(Job, job.id)
        row.payload = {**row.payload, "runs": [*row.payload.get("runs", []), job.attempt]}


def _job(town: Any, job_id: int | None = None) -> Job:
    with town.session() as session:
        query = select(Job).where(Job.name.startswith("jobsdemo."))
        job = session.scalar(query.where(Job.id == job_id) if job_id else query)
        session.expunge(job)
        return job


def run_side_by_side(app: Any, workers: int = 4) -> list[int]:
    """Each thread a worker with its own connections, started at once; what each ran."""
    done: list[int] = []
    start = threading.Barrier(workers)

    def worker() -> None:
        start.wait()
        done.append(run_jobs(app))

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return done


def test_a_failing_job_is_retried_later_then_marked_failed_in_the_audit_log(make_town):
    flaky = JobType("jobsdemo.flaky", _fail, max_attempts=3, retry_after=60)
    town = make_town(extra_plugins=_plugin(flaky))
    app = town.app.state.parvis
    with town.session() as session:
        assert enqueue_job(session, "jobsdemo.flaky", {"n": 1}, town_id=town.town_id)
    for attempt in (1, 2):
        before = utcnow()
        assert run_jobs(app) == 0
        job = _job(town)
        assert (job.status, job.attempts) == ("pending", attempt)
        assert job.last_error == f"broken on attempt {attempt}"
        # Backoff: 60 s, then 120 s; not due before then, so this round does not retry it.
        delay = (job.run_after - before).total_seconds()
        assert 60 * 2 ** (attempt - 1) <= delay < 60 * 2 ** (attempt - 1) + 5
        assert run_jobs(app) == 0 and _job(town).attempts == attempt
        with town.session() as session:
            session.execute(update(Job).values(run_after=utcnow() - dt.timedelta(seconds=1)))
    assert run_jobs(app) == 0
    job = _job(town)
    assert (job.status, job.attempts, job.last_error) == ("failed", 3, "broken on attempt 3")
    with town.session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "job.failed"))
    assert entry.town_id == town.town_id and entry.target == "jobsdemo.flaky"
    assert entry.details == {"attempts": 3, "error": "broken on attempt 3"}
    # Nothing more runs it: failed is final.
    with town.session() as session:
        session.execute(update(Job).values(run_after=utcnow() - dt.timedelta(days=1)))
    assert run_jobs(app) == 0 and _job(town).attempts == 3


def test_a_job_runs_once_it_is_due_and_a_dedupe_key_queues_it_once(make_town):
    town = make_town(extra_plugins=_plugin(JobType("jobsdemo.note", _note_run)))
    app = town.app.state.parvis
    later = utcnow() + dt.timedelta(hours=1)
    with town.session() as session:
        assert enqueue_job(session, "jobsdemo.note", dedupe_key="k", run_after=later)
        assert not enqueue_job(session, "jobsdemo.note", dedupe_key="k")
    with town.session() as session:
        assert not enqueue_job(session, "jobsdemo.note", dedupe_key="k")
    assert run_jobs(app) == 0 and _job(town).status == "pending"
    with town.session() as session:
        session.execute(update(Job).values(run_after=utcnow()))
    assert run_jobs(app) == 1
    job = _job(town)
    assert (job.status, job.payload["runs"]) == ("done", [1])
    with town.session() as session:  # the key is free again once its job is done
        assert enqueue_job(session, "jobsdemo.note", dedupe_key="k")
    assert run_jobs(app, names=["core.mail"]) == 0  # only the types asked for
    assert run_jobs(app, names=["jobsdemo.note"]) == 1


def test_job_types_are_named_after_their_plugin(make_town):
    with pytest.raises(PluginError, match=r"must be named 'jobsdemo\.<verb>'"):
        make_town(extra_plugins=_plugin(JobType("other.note", _note_run)))


def test_two_workers_never_run_the_same_job_twice(make_town):
    """Four threads, each a worker with its own connections, drain 120 jobs at once."""
    town = make_town(extra_plugins=_plugin(JobType("jobsdemo.note", _note_run)))
    app = town.app.state.parvis
    with town.session() as session:
        for n in range(120):
            enqueue_job(session, "jobsdemo.note", {"n": n})
    done = run_side_by_side(app)
    assert sum(done) == 120
    with town.session() as session:
        jobs = list(session.scalars(select(Job)))
    assert {j.status for j in jobs} == {"done"}
    assert all(j.payload["runs"] == [1] for j in jobs), "a job ran twice"
    if app.db.dialect == "postgresql":
        assert sum(1 for n in done if n) >= 2, "the workers did not run side by side"


def test_two_mail_workers_never_send_a_mail_twice(town, smtp_server):
    town.parvis.config.mail_backend = "smtp"
    town.parvis.config.smtp_port = smtp_server.port
    with town.session() as session:
        for n in range(40):
            queue_mail(session, f"r{n}@jobs.test", f"Message {n}", "Body", town.town_id)
    threads = [threading.Thread(target=run_jobs, args=(town.parvis,)) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    smtp_server.wait_for("r39@jobs.test")
    received = Counter(to for m in smtp_server.messages for to in m.to)
    assert len(received) == 40 and max(received.values()) == 1


@pytest.fixture
def config_file(tmp_path, parvis_config):
    path = tmp_path / "parvis.toml"
    path.write_text(
        f'database_url = "{parvis_config.database_url}"\nsecret_key = "cli-test"\n'
        f'mail_backend = "null"\ninstance_dir = "{tmp_path / "instance"}"\n',
        encoding="utf-8",
    )
    return str(path)


def test_jobs_commands_run_what_is_due_and_list_failures(town, config_file):
    with town.session() as session:
        queue_mail(session, "a@jobs.test", "Hello", "Body", town.town_id)
        session.add(Job(name="core.mail", status="failed", attempts=5, last_error="refused"))
    runner = CliRunner()
    result = runner.invoke(main, ["--config", config_file, "jobs", "run"])
    assert result.exit_code == 0, result.output
    assert "1 job(s) done." in result.output
    result = runner.invoke(main, ["--config", config_file, "jobs", "list", "--status", "failed"])
    assert result.exit_code == 0, result.output
    assert "failed" in result.output and "refused" in result.output
    assert "pending" not in result.output
    result = runner.invoke(main, ["--config", config_file, "jobs", "run", "--name", "nope"])
    assert result.exit_code != 0 and "Unknown job type nope" in result.output
