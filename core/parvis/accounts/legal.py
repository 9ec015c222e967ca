"""The town's privacy policy and legal notice, and residents' consent to the current privacy
policy (recorded with its version; asked again when the town publishes a new version).

The texts live in ``Town.settings["_legal"]`` (``privacy``, ``notice``, Markdown; ``version``,
bumped by the administration when the privacy policy changes in substance).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from parvis.accounts.login import next_url
from parvis.context import get_context
from parvis.i18n import gettext as _
from parvis.models import Consent, Town, User
from parvis.rendering import redirect, render
from parvis.web import view

KEY = "_legal"


def legal_texts(town: Town) -> dict[str, Any]:
    values = (town.settings or {}).get(KEY) or {}
    return {
        "privacy": str(values.get("privacy") or ""),
        "notice": str(values.get("notice") or ""),
        "version": int(values.get("version") or 0),
    }


def terms_version(town: Town) -> int:
    """The version residents must accept (0: the town published no privacy policy yet)."""
    texts = legal_texts(town)
    return texts["version"] if texts["privacy"] else 0


def accepted_version(session: Session, user: User) -> int:
    return session.scalar(select(func.max(Consent.version)).where(Consent.user_id == user.id)) or 0


def record_consent(session: Session, user: User, version: int) -> None:
    if version > 0:
        session.add(Consent(user_id=user.id, version=version))


@view
def privacy(request: Request) -> Response:
    ctx = get_context(request)
    texts = legal_texts(ctx.town)
    return render(
        request,
        "accounts/legal.html",
        {
            "heading": _("Privacy policy"),
            "text": texts["privacy"],
            "missing": _("The town has not published its privacy policy yet."),
            "version": terms_version(ctx.town),
        },
    )


@view
def legal_notice(request: Request) -> Response:
    ctx = get_context(request)
    return render(
        request,
        "accounts/legal.html",
        {
            "heading": _("Legal notice"),
            "text": legal_texts(ctx.town)["notice"],
            "missing": _("The town has not published its legal notice yet."),
            "version": None,
        },
    )


@view
def accept_terms(request: Request) -> Response:
    """A logged-in resident accepts the current privacy policy (the banner's button)."""
    ctx = get_context(request)
    if ctx.user is None:
        return redirect(ctx.url("accounts:login"))
    version = terms_version(ctx.town)
    if version and accepted_version(ctx.session, ctx.user) < version:
        record_consent(ctx.session, ctx.user, version)
        ctx.flash(_("Thank you: your acceptance of the privacy policy is recorded."))
    return redirect(next_url(request))
