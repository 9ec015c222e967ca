"""What every volunteering view needs: loading rows of the request's town (404 otherwise),
the manager check, and the town's lists as form choices."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request

from parvis.api import Area, Context, get_context, parse_int, town_areas

from .. import associations, missions, terms
from ..i18n import _
from ..models import Application, Association, Mission

STAFF = "volunteering.staff"


def context(request: Request) -> Context:
    return get_context(request)


def association_or_404(ctx: Context, association_id: int) -> Association:
    association = associations.get(ctx.session, ctx.town.id, association_id)
    if association is None:
        raise HTTPException(404)
    return association


def require_manager(ctx: Context, association: Association) -> None:
    """Managers of this association only (town staff read through their own pages)."""
    ctx.require("volunteering.apply")  # visitors go to the log-in page first
    if not associations.is_manager(ctx.session, association.id, ctx.user):
        raise HTTPException(403, _("Only the managers of this association can do this."))


def mission_or_404(ctx: Context, mission_id: int) -> tuple[Mission, Association]:
    mission = missions.get(ctx.session, ctx.town.id, mission_id)
    if mission is None:
        raise HTTPException(404)
    association = ctx.session.get(Association, mission.association_id)
    assert association is not None
    return mission, association


def visible_to(ctx: Context, mission: Mission, association: Association) -> bool:
    """A mission's page is public once its association is validated; managers always see it."""
    if association.status == "validated":
        return True
    return associations.is_manager(ctx.session, association.id, ctx.user) or ctx.can(STAFF)


def application_or_404(
    ctx: Context, application_id: int
) -> tuple[Application, Mission, Association]:
    application = ctx.session.scalar(
        select(Application).where(
            Application.id == application_id, Application.town_id == ctx.town.id
        )
    )
    if application is None:
        raise HTTPException(404)
    mission, association = mission_or_404(ctx, application.mission_id)
    return application, mission, association


def areas(ctx: Context) -> list[Area]:
    return town_areas(ctx.session, ctx.town)


def area_choices(ctx: Context, empty: str | None = None) -> list[tuple[str, str]]:
    found = [(str(a.id), a.name) for a in areas(ctx)]
    return [("", empty), *found] if empty is not None else found


def term_choices(ctx: Context, kind: str) -> list[tuple[str, str]]:
    return [(t.key, t.label) for t in terms.choices(ctx.session, ctx.town.id, kind)]


def digits(value: str | None) -> int | None:
    """A strict positive id from a query string or form (``²``, ``0`` or 40 digits are None)."""
    return parse_int(value) or None


def iso_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None


def base_url(ctx: Context) -> str:
    return ctx.base_url.rstrip("/")
