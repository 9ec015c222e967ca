"""The two things this plugin needs from core that ``parvis.api`` does not export yet.

Kept in one place so they are easy to replace once the API offers them (requested in the
plugin's report): the CLI's app loader, and switching the locale outside a request (digests
are written in each follower's language).
"""

from __future__ import annotations

from typing import Any


def cli_parvis(ctx: Any) -> Any:
    """The ``Parvis`` instance of a ``parvis`` CLI invocation (needs: ``parvis.api.cli_app``)."""
    from parvis.cli import _parvis

    return _parvis(ctx)


def activate_locale(catalogs: Any, locale: str) -> None:
    """Switch translations for the current thread (needs: ``parvis.api.activate_locale``)."""
    from parvis.i18n import activate

    activate(catalogs, locale)
