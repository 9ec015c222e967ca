"""E-mail through an outbox table: services queue mail in their transaction, a worker sends it.

Each mail is sent by a job ``core.mail`` of the job queue (``jobs.py``), queued with it: the
queue's claim means two workers never send the same mail, and a worker killed while sending
leaves that mail's job ``running``, never sent again (no one gets a mail twice). A failed
attempt is retried later, up to ``MAX_ATTEMPTS`` times.
"""

from __future__ import annotations

import logging
import re
import smtplib
import sys
from email.message import EmailMessage
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from parvis.contrib import JobType, QueuedJob
from parvis.db import utcnow
from parvis.i18n import lazy_gettext as _l
from parvis.jobs import run_pending
from parvis.models import Job, OutboxMail
from parvis.plugin_app import App, unwrap

if TYPE_CHECKING:
    from parvis.app import Parvis
    from parvis.config import Config

logger = logging.getLogger("parvis.mail")
MAX_ATTEMPTS = 5
JOB = "core.mail"


def queue_mail(session: Session, to: str, subject: str, body: str, town_id: int | None) -> None:
    """Queue a plain-text e-mail; it leaves only if the surrounding transaction commits.

    Line breaks in the subject (it often quotes a title someone typed) are folded into spaces.
    """
    subject = " ".join(subject.split())[:300]
    # The job goes in with the mail, in one flush: queueing a thousand mails costs no round
    # trip per mail.
    job = Job(name=JOB, town_id=town_id, run_after=utcnow())
    session.add(OutboxMail(to_address=to, subject=subject, body=body, town_id=town_id, job=job))


class MailError(Exception):
    """A mail that could not be sent, as the job queue records it."""


def _deliver(config: Config, mail: OutboxMail) -> None:
    message = EmailMessage()
    message["From"] = config.mail_from
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message.set_content(mail.body)
    if config.mail_backend == "smtp":
        with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=30) as smtp:
            smtp.send_message(message)
    elif config.mail_backend == "console":
        sys.stdout.write(f"\n----- e-mail -----\n{message.as_string()}\n------------------\n")
        sys.stdout.flush()


def send_job(app: App, job: QueuedJob) -> None:
    """The ``core.mail`` handler: send the job's mail (gone with a deleted account: nothing)."""
    parvis = unwrap(app)
    with parvis.db.session(write=False) as session:
        mail = session.scalar(select(OutboxMail).where(OutboxMail.job_id == job.id))
    if mail is None or mail.sent_at is not None:
        return
    outcome: dict[str, object] = {"attempts": job.attempt}
    try:
        _deliver(parvis.config, mail)
    except Exception as exc:
        error = outcome["last_error"] = str(exc) or type(exc).__name__
        # The queue keeps the error on the job and, once failed, in the town's audit log, which
        # outlives the person's account: without their address (the outbox row keeps it).
        raise MailError(re.sub(re.escape(mail.to_address), "…", error, flags=re.I)) from exc
    else:
        outcome.update(sent_at=utcnow(), last_error=None)
    finally:
        with parvis.db.session() as session:
            session.execute(update(OutboxMail).where(OutboxMail.id == mail.id).values(outcome))


# No lease: a mail whose worker died may have left, so it is never sent again by itself.
MAIL_JOB = JobType(
    JOB, send_job, max_attempts=MAX_ATTEMPTS, retry_after=30, label=_l("Sending an e-mail")
)


def send_pending(parvis: Parvis, batch: int = 50) -> int:
    """Send up to ``batch`` due e-mails now, as ``parvis worker`` does; how many were sent."""
    return run_pending(parvis, names=(JOB,), limit=batch)
