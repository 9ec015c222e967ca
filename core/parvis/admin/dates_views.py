"""Administration: the dates of a module's phases (each phase may have a first and a last day;
the module moves on by itself when they pass, see ``parvis.schedule``)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from wtforms import DateField
from wtforms.validators import Optional

from parvis import schedule
from parvis.admin.guards import require_admin_area, town_space
from parvis.context import Context, get_context
from parvis.contrib import Phase
from parvis.forms import Form
from parvis.i18n import format_date
from parvis.i18n import gettext as _
from parvis.i18n import lazy_gettext as _l
from parvis.models import Module, PhaseDates, Space
from parvis.phases import last_day
from parvis.rendering import form_status, redirect, render
from parvis.web import view

# (first day, last day) of each phase, as staff type them.
Days = dict[str, tuple[dt.date | None, dt.date | None]]


def dates_form(phases: Sequence[Phase]) -> type[Form]:
    """A form with a first and a last day per phase (``start_<key>``, ``end_<key>``)."""
    fields = {}
    for phase in phases:
        fields[f"start_{phase.key}"] = DateField(_l("First day"), [Optional()])
        fields[f"end_{phase.key}"] = DateField(_l("Last day"), [Optional()])
    return type("PhaseDatesForm", (Form,), fields)


def to_instants(days: Days, zone: ZoneInfo) -> schedule.Schedule:
    """Days on the town's clock to instants: a phase starts at 00:00 on its first day and ends at
    00:00 the day after its last day."""

    def midnight(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)

    return {
        key: (
            midnight(first) if first else None,
            midnight(last + dt.timedelta(days=1)) if last else None,
        )
        for key, (first, last) in days.items()
        if first or last
    }


def to_days(dates: schedule.Schedule, zone: ZoneInfo) -> Days:
    return {
        key: (
            start.astimezone(zone).date() if start else None,
            last_day(end).astimezone(zone).date() if end else None,
        )
        for key, (start, end) in dates.items()
    }


@dataclass(frozen=True)
class _Point:
    field: str
    day: dt.date
    at: dt.datetime
    is_end: bool
    phase: str


def order_errors(phases: Sequence[Phase], days: Days, zone: ZoneInfo) -> dict[str, str]:
    """The dates must follow the phases' order: each after the one before it. A phase may start
    the day after the previous one's last day. Returns ``{field name: message}``."""
    instants = to_instants(days, zone)
    points = []
    for phase in phases:
        first, last = days.get(phase.key, (None, None))
        start, end = instants.get(phase.key, (None, None))
        if first and start:
            points.append(_Point(f"start_{phase.key}", first, start, False, str(phase.label)))
        if last and end:
            points.append(_Point(f"end_{phase.key}", last, end, True, str(phase.label)))
    errors: dict[str, str] = {}
    for before, point in itertools.pairwise(points):
        contiguous = before.is_end and not point.is_end and point.at == before.at
        if point.at > before.at or contiguous:
            continue
        if point.is_end and not before.is_end and before.phase == point.phase:
            errors[point.field] = _("The last day cannot come before the first day.")
        elif before.is_end:
            errors[point.field] = _(
                "Choose a day after %(date)s, the last day of “%(phase)s”.",
                date=format_date(before.day),
                phase=before.phase,
            )
        else:
            errors[point.field] = _(
                "Choose a day after %(date)s, the first day of “%(phase)s”.",
                date=format_date(before.day),
                phase=before.phase,
            )
    return errors


def _module_for(ctx: Context, module_id: int) -> tuple[Module, Space]:
    module = ctx.session.scalar(
        select(Module).join(Space).where(Module.id == module_id, Space.town_id == ctx.town.id)
    )
    if module is None:
        raise HTTPException(404)
    return module, town_space(ctx, module.space_id)


def save_dates(ctx: Context, module: Module, dates: schedule.Schedule) -> None:
    rows = {
        r.phase: r
        for r in ctx.session.scalars(select(PhaseDates).where(PhaseDates.module_id == module.id))
    }
    for key, row in rows.items():
        if key not in dates:
            ctx.session.delete(row)
    for key, (start, end) in dates.items():
        row = rows.get(key) or PhaseDates(module_id=module.id, phase=key)
        row.starts_at, row.ends_at = start, end
        ctx.session.add(row)
    ctx.session.flush()


@view
def module_dates(request: Request) -> Response:
    ctx = get_context(request)
    require_admin_area(ctx)
    module, space = _module_for(ctx, request.path_params["module_id"])
    mtype = ctx.parvis.registry.module_types.get(module.type)
    if mtype is None:
        raise HTTPException(404)
    zone = ctx.time_zone
    form_class = dates_form(mtype.phases)
    current = schedule.load_schedules(ctx.session, [module.id]).get(module.id, {})
    if request.method == "POST":
        form = form_class.from_request(ctx.form)
        valid = form.validate()

        def typed(name: str) -> dt.date | None:
            return None if form[name].errors else form[name].data

        # The order is checked on every well-typed day, so all mistakes show at once.
        days: Days = {p.key: (typed(f"start_{p.key}"), typed(f"end_{p.key}")) for p in mtype.phases}
        errors = order_errors(mtype.phases, days, zone)
        for name, message in errors.items():
            form.add_error(name, message)
        if valid and not errors:
            save_dates(ctx, module, to_instants(days, zone))
            ctx.audit("module.dates", f"module:{module.id}", title=module.title)
            old = module.phase
            schedule.advance(ctx.parvis, ctx.session, [module])
            ctx.flash(_("The dates of “%(title)s” are saved.", title=module.title))
            if module.phase != old:
                phase = mtype.phase(module.phase)
                ctx.flash(
                    _(
                        "Its dates have moved it to the “%(phase)s” phase.",
                        phase=str(phase.label) if phase else module.phase,
                    ),
                    "info",
                )
            return redirect(ctx.url("admin:space", space_id=space.id))
    else:
        data = {}
        for key, (first, last) in to_days(current, zone).items():
            data[f"start_{key}"], data[f"end_{key}"] = first, last
        form = form_class(data=data)
    info = schedule.phase_info(mtype.phases, module.phase, current)
    return render(
        request,
        "admin/module_dates.html",
        {
            "form": form,
            "edited_module": module,
            "edited_space": space,
            "phases": mtype.phases,
            "timeline": info.timeline,
            "time_zone": str(zone),
        },
        status_code=form_status(request),
    )
