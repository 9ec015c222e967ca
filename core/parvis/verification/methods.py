"""The four methods core ships, and which of them (or of plugins') a town has enabled."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from parvis.contrib import VerificationMethod
from parvis.db import utcnow
from parvis.i18n import lazy_gettext as _l
from parvis.models import Town

if TYPE_CHECKING:
    from parvis.app import Parvis

CENSUS = "census"
LETTER = "letter"
PROOF = "proof"
COUNTER = "counter"
# Verifications that come from the census list end when a new list no longer has the person.
FROM_CENSUS = (CENSUS, LETTER)

CORE_METHODS = [
    VerificationMethod(
        CENSUS,
        _l("Town list"),
        _l(
            "If you are on the town's electoral or resident list, enter your names, your date "
            "of birth and your postcode exactly as on the list: your residence is verified at "
            "once."
        ),
        resident_route="verification:census",
        staff_route="verification:census_imports",
        order=10,
    ),
    VerificationMethod(
        LETTER,
        _l("Letter code"),
        _l(
            "The town hall sends a letter with a personal code to every person on its list. "
            "Enter the code with your date of birth. Each code works once."
        ),
        resident_route="verification:letter",
        staff_route="verification:letters",
        order=20,
    ),
    VerificationMethod(
        PROOF,
        _l("Proof of address"),
        _l(
            "Send a photo or a PDF of a recent proof of address (a bill, a rent receipt, a tax "
            "notice). Town staff check it, then delete it, and tell you their decision."
        ),
        resident_route="verification:proof",
        staff_route="verification:claims",
        order=30,
    ),
    VerificationMethod(
        COUNTER,
        _l("At the town hall"),
        _l(
            "Come to the town hall with an identity document and a proof of address. Staff find "
            "your account and verify it in front of you. You can fill in your details here "
            "first to save time."
        ),
        resident_route="verification:claim",
        staff_route="verification:counter",
        order=40,
    ),
]


def _settings(town: Town) -> dict[str, Any]:
    return dict((town.settings or {}).get("verification") or {})


def enabled_method_keys(town: Town) -> list[str]:
    return list(_settings(town).get("methods") or [])


def enabled_methods(parvis: Parvis, town: Town) -> list[VerificationMethod]:
    """The town's enabled methods whose plugin is on for the town, in display order."""
    wanted = set(enabled_method_keys(town))
    methods = [
        m
        for key, m in parvis.registry.verification_methods.items()
        if key in wanted and (m.plugin in parvis.core_plugins or town.plugin_enabled(m.plugin))
    ]
    return sorted(methods, key=lambda m: (m.order, m.key))


def method_enabled(parvis: Parvis, town: Town, key: str) -> bool:
    return any(m.key == key for m in enabled_methods(parvis, town))


def validity_months(town: Town) -> int | None:
    months = _settings(town).get("months")
    return int(months) if months else None


def save_settings(town: Town, methods: list[str], months: int | None) -> None:
    # A new dict: the JSON column only notices a replaced value.
    town.settings = {
        **(town.settings or {}),
        "verification": {"methods": sorted(methods), "months": months},
    }


def expiry(town: Town, now: dt.datetime | None = None) -> dt.datetime | None:
    """When a verification made now expires under the town's setting (None: never)."""
    months = validity_months(town)
    if not months:
        return None
    now = now or utcnow()
    # Thirty-day months: the date only needs to be predictable, not calendar-exact.
    return now + dt.timedelta(days=30 * months)
