"""What consultations record in the audit log, and the sentences the log shows."""

from __future__ import annotations

from parvis.api import AuditAction, Translator

_l = Translator("parvis_consultation").lazy_gettext

AUDIT_ACTIONS = [
    AuditAction("consultation.export", _l("%(actor)s exported the answers of %(target)s")),
    AuditAction("consultation.hide", _l("%(actor)s hid the answer %(target)s from the results")),
    AuditAction(
        "consultation.show", _l("%(actor)s showed the answer %(target)s in the results again")
    ),
    AuditAction("consultation.decision", _l("%(actor)s published the decision of %(target)s")),
]
