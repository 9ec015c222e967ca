"""A mail the SMTP server refuses for good: the failure reaches the town's audit log (kept after
the person's account is erased) without the recipient's address."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from parvis.api import queue_mail, run_jobs
from parvis.models import AuditEntry, Job
from parvis.testing.helpers import SMTPCapture


class RefusingSMTP(SMTPCapture):
    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, _o: Any):
        return "550 5.1.1 mailbox unavailable"


def test_a_refused_mail_leaves_no_address_in_the_audit_log(make_town):
    server = RefusingSMTP()
    server.start()
    try:
        town = make_town(mail_backend="smtp", smtp_port=server.port)
        with town.session() as session:
            queue_mail(session, "jeanne.dupont@example.org", "Hello", "Body", town.town_id)
        with town.session() as session:
            session.execute(update(Job).values(attempts=4))  # the last attempt
        assert run_jobs(town.app.state.parvis) == 0
    finally:
        server.stop()
    with town.session() as session:
        job = session.scalar(select(Job))
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "job.failed"))
    assert job.status == "failed" and entry is not None
    assert "550" in entry.details["error"]
    assert "jeanne.dupont" not in str(entry.details)
