"""Administration: the town's background jobs that need a person — failed ones (which may be tried
again) and stuck ones (running for longer than they should, or waiting long after they were due:
no worker is running). Town staff only, and only this town's jobs: jobs of no town (deployment
work) are for the operator's ``parvis jobs list``."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from parvis import jobs
from parvis.admin.guards import town_admin
from parvis.context import Context
from parvis.db import utcnow
from parvis.i18n import gettext as _
from parvis.i18n import ngettext
from parvis.models import Job
from parvis.rendering import redirect, render
from parvis.web import view

# A job without a lease running this long, or a pending one this long past due, is stuck.
STUCK_AFTER = dt.timedelta(hours=1)
SHOWN = 100
ERROR_CHARS = 200
# Errors may quote an e-mail address (a refused recipient): the page shows its domain only.
_ADDRESS = re.compile(r"[^\s<>\"'(),;:]+@")


@dataclass(frozen=True)
class JobLine:
    id: int
    kind: str
    status: str
    since: dt.datetime
    attempts: int
    error: str
    retryable: bool


def short_error(error: str | None) -> str:
    if not error:
        return ""
    text = _ADDRESS.sub("…@", " ".join(error.split()))
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"


def _stuck(ctx: Context, now: dt.datetime) -> object:
    leases = {
        name: dt.timedelta(seconds=t.lease)
        for name, t in ctx.parvis.registry.job_types.items()
        if t.lease is not None
    }
    running = [
        and_(Job.name == name, Job.started_at < now - lease) for name, lease in leases.items()
    ]
    running.append(and_(Job.name.not_in(list(leases)), Job.started_at < now - STUCK_AFTER))
    return or_(
        and_(Job.status == jobs.RUNNING, or_(*running)),
        and_(Job.status == jobs.PENDING, Job.run_after < now - STUCK_AFTER),
    )


def _needing_a_person(ctx: Context, now: dt.datetime) -> object:
    return and_(Job.town_id == ctx.town.id, or_(Job.status == jobs.FAILED, _stuck(ctx, now)))


def job_lines(ctx: Context, now: dt.datetime) -> list[JobLine]:
    """This town's failed and stuck jobs, the ``SHOWN`` newest first."""
    rows = ctx.session.scalars(
        select(Job).where(_needing_a_person(ctx, now)).order_by(Job.id.desc()).limit(SHOWN)
    )
    types = ctx.parvis.registry.job_types
    lines = []
    for job in rows:
        job_type = types.get(job.name)
        label = job_type.label if job_type else None
        since = {jobs.FAILED: job.finished_at, jobs.RUNNING: job.started_at}.get(
            job.status, job.run_after
        )
        since = since or job.created_at
        lines.append(
            JobLine(
                job.id,
                str(label) if label else job.name,
                job.status,
                since,
                job.attempts,
                short_error(job.last_error),
                job_type is not None and job_type.retryable,
            )
        )
    return lines


@view
def job_list(request: Request) -> Response:
    ctx = town_admin(request)
    now = utcnow()
    lines = job_lines(ctx, now)
    total = len(lines)
    if total == SHOWN:  # the page shows the newest: say how many more there are
        total = ctx.session.scalar(select(func.count(Job.id)).where(_needing_a_person(ctx, now)))
    retryable = [n for n, t in ctx.parvis.registry.job_types.items() if t.retryable]
    failed = ctx.session.scalar(
        select(func.count(Job.id)).where(
            Job.town_id == ctx.town.id, Job.status == jobs.FAILED, Job.name.in_(retryable)
        )
    )
    return render(
        request,
        "admin/jobs.html",
        {"lines": lines, "total": total, "shown": SHOWN, "failed": failed},
    )


@view
def job_retry(request: Request) -> Response:
    ctx = town_admin(request)
    job = ctx.session.scalar(
        select(Job).where(Job.id == request.path_params["job_id"], Job.town_id == ctx.town.id)
    )
    if job is None:
        raise HTTPException(404)
    job_type = ctx.parvis.registry.job_types.get(job.name)
    if job.status != jobs.FAILED:
        ctx.flash(_("Only a failed job can be tried again."), "error")
    elif job_type is None or not job_type.retryable:
        ctx.flash(
            _("This job cannot be run again: start the task again from its own page."), "error"
        )
    elif not jobs.requeue(ctx.session, job):
        ctx.flash(_("The same job is already waiting or running."), "error")
    else:
        ctx.audit("job.retry", job.name, job_id=job.id)
        ctx.flash(_("The job will be tried again in a moment."))
    return redirect(ctx.url("admin:jobs"))


@view
def job_retry_all(request: Request) -> Response:
    """Every failed job of the town that can run again, queued again at once (after an outage
    of the mail server, say, staff would otherwise click once per e-mail)."""
    ctx = town_admin(request)
    retryable = [n for n, t in ctx.parvis.registry.job_types.items() if t.retryable]
    failed = ctx.session.scalars(
        select(Job)
        .where(Job.town_id == ctx.town.id, Job.status == jobs.FAILED, Job.name.in_(retryable))
        .order_by(Job.id)
    )
    queued = sum(1 for job in failed if jobs.requeue(ctx.session, job))
    if queued:
        ctx.audit("job.retry_all", "jobs", count=queued)
        ctx.flash(
            ngettext(
                "%(count)s job will be tried again in a moment.",
                "%(count)s jobs will be tried again in a moment.",
                queued,
                count=queued,
            )
        )
    else:
        ctx.flash(_("No failed job can be tried again."), "error")
    return redirect(ctx.url("admin:jobs"))
