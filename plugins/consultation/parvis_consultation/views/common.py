"""What every consultation page shares: the request context, links, who the respondent is."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from starlette.requests import Request

from parvis.api import Context, Decision, get_context
from parvis_consultation import question_types
from parvis_consultation.i18n import _
from parvis_consultation.models import Response, Survey
from parvis_consultation.responses import TOKEN_KEY, respondent_hash, response_of
from parvis_consultation.structure import closed_reason, is_open

DRAFT_KEY = "consultation_draft"


def survey_ctx(request: Request) -> Context:
    ctx = get_context(request)
    ctx.require("consultation.view", ctx.space, ctx.module)
    return ctx


def can(ctx: Context, action: str) -> bool:
    return ctx.can(action, ctx.space, ctx.module)


def here(ctx: Context, route: str = "index", **params: Any) -> str:
    return ctx.module_url(ctx.module, ctx.space, route, **params)


def respondent_token_hash(ctx: Context, create: bool = False) -> str | None:
    token = ctx.request.session.get(TOKEN_KEY)
    if not token and create:
        token = secrets.token_urlsafe(32)
        ctx.request.session[TOKEN_KEY] = token
    return respondent_hash(ctx, token) if token else None


def draft_owners(ctx: Context, create: bool = False) -> list[str]:
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


def respond_decision(ctx: Context, survey: Survey) -> Decision:
    if not is_open(ctx.module, survey):
        return Decision(False, closed_reason(ctx.module, survey))
    decision = ctx.decide("consultation.respond", ctx.space, ctx.module)
    if not decision.allowed and ctx.user is None and survey.allow_anonymous:
        return Decision(True, _("This survey accepts answers without an account."))
    return decision


def current_response(ctx: Context, survey: Survey) -> Response | None:
    if ctx.user is not None:
        return response_of(ctx.session, ctx.module.id, user_id=ctx.user.id, token_hash=None)
    if survey.allow_anonymous:
        token_hash = respondent_token_hash(ctx)
        if token_hash:
            return response_of(ctx.session, ctx.module.id, user_id=None, token_hash=token_hash)
    return None


def to_local(ctx: Context, value: dt.datetime | None) -> dt.datetime | None:
    """A stored (UTC) date as the builder's form shows it: on the town's clock."""
    return value.astimezone(ctx.time_zone).replace(tzinfo=None) if value else None


def to_utc(ctx: Context, value: dt.datetime | None) -> dt.datetime | None:
    """A date typed in the builder (the town's clock) as stored."""
    return value.replace(tzinfo=ctx.time_zone).astimezone(dt.UTC) if value else None


def kind_labels() -> dict[str, str]:
    return {t.key: str(t.label) for t in question_types.all_types()}


def manage_ctx(request: Request) -> Context:
    ctx = get_context(request)
    ctx.require("consultation.manage", ctx.space, ctx.module)
    return ctx
