"""The style guide: every component of ui/components.html rendered from the real templates, in
the town's theme or any installed one, for staff and theme authors (docs/design_system.md)."""

from __future__ import annotations

import datetime as dt

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis.context import get_context
from parvis.contrib import Phase
from parvis.i18n import gettext as _
from parvis.i18n import lazy_gettext as _l
from parvis.phases import phase_deadline, phase_timeline
from parvis.rendering import render
from parvis.web import view

from .guards import require_admin_area

# Sample phases for the timeline (a participatory budget's).
_SAMPLE_PHASES = [
    Phase("submission", _l("Submission of ideas")),
    Phase("review", _l("Review")),
    Phase("vote", _l("Vote")),
    Phase("results", _l("Results")),
]


@view
def styleguide(request: Request) -> Response:
    ctx = get_context(request)
    require_admin_area(ctx)
    themes = ["default", *ctx.parvis.available_themes()]
    themes = list(dict.fromkeys(themes))
    theme = request.query_params.get("theme") or ctx.town.theme
    if theme not in themes:
        raise HTTPException(404)
    now = dt.datetime.now(dt.UTC)
    day = dt.timedelta(days=1)
    schedule = {
        "submission": (now - 60 * day, now - 30 * day),
        "review": (now - 30 * day, now - 12 * day),
        "vote": (now - 12 * day, now + 12 * day),
        "results": (now + 14 * day, None),
    }
    return render(
        request,
        "admin/styleguide.html",
        {
            "themes": themes,
            "shown_theme": theme,
            "deadline": phase_deadline(_("Vote"), now + 12 * day, now),
            "deadline_soon": phase_deadline(_("Vote"), now + day, now),
            "timeline": phase_timeline(_SAMPLE_PHASES, "vote", schedule),
            "kinds": [
                "general",
                "council",
                "consultation",
                "poll",
                "idea_call",
                "volunteering",
                "election",
            ],
        },
        theme=theme,
    )


routes = [Route("/admin/styleguide", styleguide, name="admin:styleguide")]
