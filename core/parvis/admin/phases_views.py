"""Administration of a module's phases beyond the plain move: confirming a move back (it reopens
what residents thought was over)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from parvis import schedule
from parvis.context import Context
from parvis.db import utcnow
from parvis.i18n import gettext as _
from parvis.models import Module, Space
from parvis.rendering import render


def moves_back(mtype: Any, old: str, new: str) -> bool:
    keys = [p.key for p in (mtype.phases if mtype else [])]
    return old in keys and new in keys and keys.index(new) < keys.index(old)


def confirm_phase_back(
    request: Request, ctx: Context, module: Module, space: Space, mtype: Any, new: str
) -> Response:
    """The confirmation page: the move, then what residents will see and can do again."""
    old_label = str(mtype.phase(module.phase).label)
    target = mtype.phase(new)
    reopened = sorted(
        str(ctx.parvis.registry.actions[a].label)
        for a in target.actions
        if a in ctx.parvis.registry.actions
    )
    consequences = [
        _(
            "Everyone sees “%(title)s” in the “%(phase)s” phase again.",
            title=module.title,
            phase=str(target.label),
        )
    ]
    if reopened:
        consequences.append(
            _("Residents can again: %(actions)s.", actions="; ".join(a.lower() for a in reopened))
        )
    dates = schedule.load_schedules(ctx.session, [module.id]).get(module.id, {})
    if schedule.due_phase(mtype.phases, new, dates, utcnow()) != new:
        consequences.append(
            _(
                "Its dates that have passed are removed, so that it stays in this phase: "
                "set new ones afterwards."
            )
        )
    return render(
        request,
        "core/confirm.html",
        {
            "heading": _("Move “%(title)s” back to an earlier phase?", title=module.title),
            "summary": [
                (_("Current phase"), old_label),
                (_("New phase"), str(target.label)),
            ],
            "consequences": consequences,
            "action": ctx.url("admin:module_phase", module_id=module.id),
            "fields": {"phase": new},
            "confirm_label": _("Move the phase back"),
            "back": ctx.url("admin:space", space_id=space.id),
            "danger": True,
        },
    )
