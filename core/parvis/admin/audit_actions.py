"""Core's audit actions and the sentences the audit log shows for them."""

from __future__ import annotations

from parvis.contrib import AuditAction
from parvis.i18n import lazy_gettext as _l

CORE_AUDIT_ACTIONS = [
    AuditAction("space.save", _l("%(actor)s saved the space %(target)s")),
    AuditAction("module.add", _l("%(actor)s added the module %(target)s")),
    AuditAction("module.phase", _l("%(actor)s moved %(target)s from phase %(old)s to %(new)s")),
    AuditAction(
        "module.phase_auto",
        _l("The dates of %(target)s (%(title)s) moved it from phase %(old)s to %(new)s"),
    ),
    AuditAction("module.dates", _l("%(actor)s set the dates of the phases of %(target)s")),
    AuditAction("area.add", _l("%(actor)s added the neighbourhood %(target)s")),
    AuditAction("role.verify", _l("%(actor)s verified the residency of %(target)s")),
    AuditAction("role.unverify", _l("%(actor)s withdrew the verified residency of %(target)s")),
    AuditAction(
        "role.grant", _l("%(actor)s gave the role %(role)s to %(target)s (space %(space_id)s)")
    ),
    AuditAction(
        "role.revoke", _l("%(actor)s took the role %(role)s from %(target)s (space %(space_id)s)")
    ),
    AuditAction(
        "rule.set",
        _l(
            "%(actor)s set a rule on %(target)s for the role %(role)s (space %(space_id)s, "
            "allowed: %(allow)s)"
        ),
    ),
    AuditAction("rule.delete", _l("%(actor)s removed a rule on %(target)s for the role %(role)s")),
    AuditAction(
        "town.save",
        _l("%(actor)s saved the town settings (plugins: %(plugins)s; theme: %(theme)s)"),
    ),
    AuditAction(
        "town.legal",
        _l("%(actor)s saved the legal pages (privacy policy version %(version)s)"),
    ),
    AuditAction(
        "job.failed",
        _l("The background job %(target)s failed %(attempts)s times; last error: %(error)s"),
    ),
    AuditAction("job.retry", _l("%(actor)s asked to try the background job %(target)s again")),
    AuditAction(
        "job.retry_all", _l("%(actor)s asked to try %(count)s failed background jobs again")
    ),
    AuditAction("town.plugin_settings", _l("%(actor)s saved the plugins' settings")),
    AuditAction(
        "town.branding", _l("%(actor)s changed the town's branding (main colour: %(primary)s)")
    ),
]
