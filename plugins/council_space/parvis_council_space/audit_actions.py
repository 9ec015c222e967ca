"""What the council space records in the audit log, and the sentences the log shows."""

from __future__ import annotations

from parvis.api import AuditAction
from parvis_council_space.i18n import _l

AUDIT_ACTIONS = [
    AuditAction(
        "council_space.import",
        _l("%(actor)s imported %(projects)s projects and %(ballots)s ballots into %(target)s"),
    ),
    AuditAction(
        "council_space.comment_hide",
        _l("%(actor)s hid the comment %(target)s (%(reports)s reports; reason: %(reason)s)"),
    ),
    AuditAction(
        "council_space.comment_restore", _l("%(actor)s showed the comment %(target)s again")
    ),
    AuditAction(
        "council_space.review",
        _l("%(actor)s reviewed %(target)s: status %(status)s, final cost %(final_cost)s"),
    ),
    AuditAction("council_space.note", _l("%(actor)s wrote a private note on %(target)s")),
    AuditAction("council_space.merge", _l("%(actor)s merged %(target)s into idea %(into)s")),
    AuditAction("council_space.count", _l("%(actor)s started the count of %(target)s")),
    AuditAction("council_space.publish", _l("%(actor)s published the results %(target)s")),
    AuditAction("council_space.settings", _l("%(actor)s changed the settings of %(target)s")),
    AuditAction("council_space.member", _l("%(actor)s added a council member to %(target)s")),
    AuditAction(
        "council_space.member_delete", _l("%(actor)s removed the council member %(target)s")
    ),
    AuditAction("council_space.news_add", _l("%(actor)s published the news item %(target)s")),
    AuditAction(
        "council_space.news_edit", _l("%(actor)s edited the news item %(target)s (%(title)s)")
    ),
    AuditAction(
        "council_space.news_delete", _l("%(actor)s deleted the news item %(target)s (%(title)s)")
    ),
    AuditAction("council_space.meeting_add", _l("%(actor)s published the meeting %(target)s")),
    AuditAction(
        "council_space.meeting_edit", _l("%(actor)s edited the meeting %(target)s (%(title)s)")
    ),
    AuditAction(
        "council_space.meeting_delete",
        _l("%(actor)s deleted the meeting %(target)s (%(title)s)"),
    ),
]
