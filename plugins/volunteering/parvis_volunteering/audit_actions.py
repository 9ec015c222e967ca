"""What volunteering records in the audit log, and the sentences the log shows."""

from __future__ import annotations

from typing import Any

from parvis.api import AuditAction

from .i18n import _l


def _said(verb: str, sentence: Any) -> AuditAction:
    return AuditAction(f"volunteering.{verb}", sentence)


AUDIT_ACTIONS = [
    _said("register", _l("%(actor)s registered the association %(target)s")),
    _said("association_edit", _l("%(actor)s edited the association %(target)s")),
    _said("validate", _l("%(actor)s validated the association %(target)s")),
    _said("refuse", _l("%(actor)s refused the association %(target)s")),
    _said("suspend", _l("%(actor)s suspended the association %(target)s")),
    _said("reinstate", _l("%(actor)s reinstated the association %(target)s")),
    _said("invite_manager", _l("%(actor)s invited a manager to %(target)s")),
    _said("manager_join", _l("%(actor)s became a manager of %(target)s")),
    _said("manager_leave", _l("%(actor)s stopped managing %(target)s")),
    _said("transfer", _l("%(actor)s handed over %(target)s")),
    _said("mission_new", _l("%(actor)s published the mission %(target)s")),
    _said("mission_edit", _l("%(actor)s edited the mission %(target)s")),
    _said(
        "mission_close",
        _l("%(actor)s closed the mission %(target)s (%(told)s volunteers told)"),
    ),
    _said("apply", _l("%(actor)s applied: %(target)s")),
    _said("accepted", _l("%(actor)s accepted the application %(target)s")),
    _said("waitlisted", _l("%(actor)s put the application %(target)s on the waiting list")),
    _said("refused", _l("%(actor)s refused the application %(target)s")),
    _said("withdrawn", _l("%(actor)s withdrew the application %(target)s")),
    _said("invite_volunteer", _l("%(actor)s invited a volunteer to the mission %(target)s")),
    _said("attendance", _l("%(actor)s said who came to %(target)s (%(changed)s volunteers)")),
    _said("term_add", _l("%(actor)s added the term %(target)s")),
    _said("term_toggle", _l("%(actor)s retired or restored the term %(target)s")),
]
