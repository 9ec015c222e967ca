"""E-mail through an outbox table: services queue mail in their transaction, a worker sends it.

Several workers may run at once: on PostgreSQL each claims rows with ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import sys
from email.message import EmailMessage
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from parvis.db import utcnow
from parvis.models import OutboxMail

if TYPE_CHECKING:
    from parvis.app import Parvis
    from parvis.config import Config

logger = logging.getLogger("parvis.mail")
MAX_ATTEMPTS = 5


def queue_mail(session: Session, to: str, subject: str, body: str, town_id: int | None) -> None:
    """Queue a plain-text e-mail; it leaves only if the surrounding transaction commits.

    Line breaks in the subject (it often quotes a title someone typed) are folded into spaces.
    """
    subject = " ".join(subject.split())[:300]
    session.add(OutboxMail(to_address=to, subject=subject, body=body, town_id=town_id))


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


def send_pending(parvis: Parvis, batch: int = 50) -> int:
    """Send up to ``batch`` queued e-mails; returns how many were sent.

    Each mail is claimed in a transaction of its own (``attempts`` + 1, committed), sent, then
    marked sent or failed in another. A worker killed while sending therefore leaves at most
    the one mail in flight claimed without an outcome: it may have left, so it is never sent
    again (no one gets a mail twice); the rest of the queue resumes at the next round. A mail
    that failed (``last_error``) is retried up to ``MAX_ATTEMPTS`` times.
    """
    sent = 0
    failed: list[int] = []  # retried at the next round, not in this one
    for _ in range(batch):
        with parvis.db.session() as session:
            query = (
                select(OutboxMail)
                .where(
                    OutboxMail.sent_at.is_(None),
                    OutboxMail.attempts < MAX_ATTEMPTS,
                    or_(OutboxMail.attempts == 0, OutboxMail.last_error.is_not(None)),
                    OutboxMail.id.not_in(failed),
                )
                .order_by(OutboxMail.id)
                .limit(1)
            )
            if parvis.db.dialect == "postgresql":
                query = query.with_for_update(skip_locked=True)
            mail = session.scalar(query)
            if mail is None:
                break
            mail.attempts += 1
            mail.last_error = None
        try:
            _deliver(parvis.config, mail)
        except Exception as exc:  # one bad mail must never block the queue behind it
            logger.warning("Could not send mail %s: %s", mail.id, exc)
            outcome = {"last_error": str(exc) or type(exc).__name__}
            failed.append(mail.id)
        else:
            outcome = {"sent_at": utcnow()}
            sent += 1
        with parvis.db.session() as session:
            session.execute(update(OutboxMail).where(OutboxMail.id == mail.id).values(outcome))
    return sent


async def run_worker_async(parvis: Parvis, interval: float = 1.0) -> None:
    while True:
        try:
            await asyncio.to_thread(send_pending, parvis)
        except Exception:  # keep the worker alive; the next round retries
            logger.exception("Outbox round failed")
        await asyncio.sleep(interval)
