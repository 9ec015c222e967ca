"""What every consultation page shares: the request context, links, who the respondent is."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request

from parvis.api import Decision, get_context
from parvis_consultation.forms import KIND_CHOICES
from parvis_consultation.i18n import _
from parvis_consultation.models import Survey
from parvis_consultation.responses import respondent_hash, response_of
from parvis_consultation.structure import closed_reason, is_open

PARIS = ZoneInfo("Europe/Paris")
TOKEN_KEY = "consultation_token"
DRAFT_KEY = "consultation_draft"


def survey_ctx(request: Request) -> Any:
    ctx = get_context(request)
    ctx.require("consultation.view", ctx.space, ctx.module)
    return ctx


def can(ctx: Any, action: str) -> bool:
    return ctx.can(action, ctx.space, ctx.module)


def here(ctx: Any, route: str = "index", **params: Any) -> str:
    return ctx.module_url(ctx.module, ctx.space, route, **params)


def respondent_token_hash(ctx: Any, create: bool = False) -> str | None:
    token = ctx.request.session.get(TOKEN_KEY)
    if not token and create:
        token = secrets.token_urlsafe(32)
        ctx.request.session[TOKEN_KEY] = token
    return respondent_hash(ctx, token) if token else None


def draft_owners(ctx: Any, create: bool = False) -> list[str]:
    owners = []
    if ctx.user is not None:
        owners.append(f"u:{ctx.user.id}")
    else:
        token_hash = respondent_token_hash(ctx)
        if token_hash:
            owners.append(f"a:{token_hash[:60]}")
    key = ctx.request.session.get(DRAFT_KEY)
    if not key and create and ctx.user is None:
        key = secrets.token_urlsafe(24)
        ctx.request.session[DRAFT_KEY] = key
    if key:
        owners.append(f"s:{key}")
    return owners


def respond_decision(ctx: Any, survey: Survey) -> Decision:
    if not is_open(ctx.module, survey):
        return Decision(False, closed_reason(ctx.module, survey))
    decision = ctx.decide("consultation.respond", ctx.space, ctx.module)
    if not decision.allowed and ctx.user is None and survey.allow_anonymous:
        return Decision(True, _("This survey accepts answers without an account."))
    return decision


def current_response(ctx: Any, survey: Survey) -> Any:
    if ctx.user is not None:
        return response_of(ctx.session, ctx.module.id, user_id=ctx.user.id, token_hash=None)
    if survey.allow_anonymous:
        token_hash = respondent_token_hash(ctx)
        if token_hash:
            return response_of(ctx.session, ctx.module.id, user_id=None, token_hash=token_hash)
    return None


def to_local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(PARIS).replace(tzinfo=None) if value else None


def to_utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=PARIS).astimezone(dt.UTC) if value else None


def kind_labels() -> dict[str, str]:
    return {k: str(v) for k, v in KIND_CHOICES}


def manage_ctx(request: Request) -> Any:
    ctx = get_context(request)
    ctx.require("consultation.manage", ctx.space, ctx.module)
    return ctx
