"""What the audit log says about staff actions on verification and the town's list."""

from __future__ import annotations

from parvis.contrib import AuditAction
from parvis.i18n import lazy_gettext as _l

VERIFICATION_AUDIT_ACTIONS = [
    AuditAction(
        "verification.settings",
        _l("%(actor)s set the verification methods (%(methods)s; months: %(months)s)"),
    ),
    AuditAction(
        "verification.search",
        _l("%(actor)s searched the accounts for “%(query)s” at the counter (%(results)s found)"),
    ),
    AuditAction(
        "verification.verify", _l("%(actor)s verified the residence of %(target)s (%(method)s)")
    ),
    AuditAction(
        "verification.transfer",
        _l("%(actor)s moved a verification from user:%(from_user)s to %(target)s"),
    ),
    AuditAction("verification.revoke", _l("%(actor)s ended the verification of %(target)s")),
    AuditAction("verification.proof_view", _l("%(actor)s opened the proof of %(target)s")),
    AuditAction("verification.refuse", _l("%(actor)s refused the proof of %(target)s")),
    AuditAction(
        "verification.letter_used", _l("%(actor)s verified their residence with a letter code")
    ),
    AuditAction(
        "verification.census_upload",
        _l("%(actor)s uploaded the town list %(target)s (%(rows)s lines)"),
    ),
    AuditAction("verification.census_start", _l("%(actor)s started the import of %(target)s")),
    AuditAction(
        "verification.census_purge",
        _l("%(actor)s deleted the names and addresses of the town list (%(entries)s people)"),
    ),
    AuditAction(
        "verification.letters_generate",
        _l("%(actor)s made the letter codes %(target)s (%(codes)s codes)"),
    ),
    AuditAction(
        "verification.letters_download", _l("%(actor)s downloaded the letter codes %(target)s")
    ),
    AuditAction(
        "verification.letters_print",
        _l("%(actor)s opened the letters to print %(target)s (page %(page)s)"),
    ),
]
