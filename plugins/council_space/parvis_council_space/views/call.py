"""What every page of an idea call shares: its context, addresses and common template values."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from parvis.api import Context, get_context

from .. import ideas
from ..config import BALLOT_RULES, COUNTING_RULES, CallConfig
from ..forms import FOLLOWUP_LABELS, STATUS_LABELS
from ..models import Idea


def call_context(request: Request) -> Context:
    ctx = get_context(request)
    assert ctx.space is not None and ctx.module is not None
    return ctx


def call_url(ctx: Context, route: str, **params: Any) -> str:
    return ctx.module_url(ctx.module, ctx.space, route, **params)


def idea_or_404(ctx: Context, idea_id: Any) -> Idea:
    idea = ideas.get_idea(ctx.session, ctx.module, idea_id)
    if idea is None:
        raise HTTPException(404)
    return idea


def page_context(ctx: Context) -> dict[str, Any]:
    config = CallConfig.of(ctx.module)
    mtype = ctx.module_type
    phase = mtype.phase(ctx.module.phase) if mtype else None
    return {
        "config": config,
        "phase": phase,
        "phases": list(mtype.phases) if mtype else [],
        "ballot_rules": BALLOT_RULES,
        "counting_rules": COUNTING_RULES,
        "status_labels": STATUS_LABELS,
        "followup_labels": FOLLOWUP_LABELS,
        "can_manage": ctx.can("council_space.manage", ctx.space, ctx.module),
        "can_review": ctx.can("council_space.review", ctx.space, ctx.module),
        "can_moderate": can_moderate(ctx),
    }


def can_moderate(ctx: Context) -> bool:
    """Town moderators (core's ``content.moderate``) and the council's own staff."""
    return ctx.can("content.moderate", ctx.space, ctx.module) or ctx.can(
        "council_space.manage", ctx.space, ctx.module
    )
