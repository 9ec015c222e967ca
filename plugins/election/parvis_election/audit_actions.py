"""What elections record in the audit log, and the sentences the log shows."""

from __future__ import annotations

from parvis.api import AuditAction

from .i18n import _l

AUDIT_ACTIONS = [
    AuditAction(
        "election.settings",
        _l(
            "%(actor)s set the parameters of the election %(target)s: %(method)s, minimum "
            "age %(min_age)s, election day %(election_day)s, parity %(parity)s"
        ),
    ),
    AuditAction(
        "election.constituency_add",
        _l("%(actor)s added the constituency %(name)s with %(seats)s seats"),
    ),
    AuditAction("election.constituency_remove", _l("%(actor)s removed the constituency %(name)s")),
    AuditAction("election.apply", _l("%(actor)s applied as a candidate (%(target)s)")),
    AuditAction("election.withdraw", _l("%(actor)s withdrew the candidacy of %(name)s")),
    AuditAction(
        "election.review",
        _l("%(actor)s decided on the candidacy of %(name)s: %(status)s (%(reason)s)"),
    ),
    AuditAction(
        "election.paper_entry",
        _l(
            "%(actor)s entered the paper ballots of %(station)s: %(ballots)s ballots, "
            "%(signatures)s signatures"
        ),
    ),
    AuditAction(
        "election.signin_list",
        _l("%(actor)s downloaded the sign-in list of online voters (%(target)s)"),
    ),
    AuditAction(
        "election.count",
        _l("%(actor)s counted the election %(target)s (%(constituencies)s constituencies)"),
    ),
]
