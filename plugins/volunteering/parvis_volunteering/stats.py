"""Town statistics per association, cause and neighbourhood: missions, places offered,
applications, accepted volunteers, fill rate and the mean time to a first answer. Two grouped
queries per dimension, whatever the number of rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from parvis.api import Area, python_order

from . import terms
from .i18n import _
from .models import ACCEPTED, Application, Association, Mission, Slot

DIMENSIONS = ("association", "cause", "area")


@dataclass
class Row:
    label: str
    missions: int = 0
    places: int = 0
    applications: int = 0
    accepted: int = 0
    answer_hours: float | None = None

    @property
    def fill_rate(self) -> float:
        return self.accepted / self.places if self.places else 0.0


def _seconds(session: Session, later: Any, earlier: Any) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400


def value_labels(session: Session, town_id: int, dimension: str) -> dict[Any, str]:
    """Each value's label; translated in the current language (call it in the request's thread:
    a stream's threads have none)."""
    if dimension == "association":
        return dict(
            session.execute(
                select(Association.id, Association.name).where(Association.town_id == town_id)
            ).all()
        )
    if dimension == "cause":
        return terms.labels(session, town_id, terms.CAUSE)
    found: dict[Any, str] = dict(
        session.execute(select(Area.id, Area.name).where(Area.town_id == town_id)).all()
    )
    found[None] = _("Remote or not given")
    return found


def _places() -> Any:
    return (
        select(Slot.mission_id, func.sum(Slot.places).label("places"))
        .group_by(Slot.mission_id)
        .subquery()
    )


def _hours(seconds: Any) -> float | None:
    return round(max(float(seconds), 0) / 3600, 1) if seconds is not None else None


def table(
    session: Session, town_id: int, dimension: str, labels: dict[Any, str] | None = None
) -> list[Row]:
    """The rows of one dimension, most applications first; ``labels``: ``value_labels``'s, read
    beforehand."""
    key = {"association": Mission.association_id, "cause": Mission.cause, "area": Mission.area_id}[
        dimension
    ]
    places = _places()
    labels = value_labels(session, town_id, dimension) if labels is None else labels
    # Every association is listed, even one without missions yet.
    rows: dict[Any, Row] = (
        {k: Row(v) for k, v in labels.items()} if dimension == "association" else {}
    )
    for value, missions, offered in session.execute(
        select(key, func.count(Mission.id), func.coalesce(func.sum(places.c.places), 0))
        .outerjoin(places, places.c.mission_id == Mission.id)
        .where(Mission.town_id == town_id)
        .group_by(key)
    ):
        row = rows.setdefault(value, Row(labels.get(value, str(value))))
        row.missions, row.places = int(missions), int(offered or 0)
    answered = Application.answered_at.is_not(None)
    for value, count, accepted, seconds in session.execute(
        select(
            key,
            func.count(Application.id),
            func.sum(case((Application.status == ACCEPTED, 1), else_=0)),
            func.avg(
                case((answered, _seconds(session, Application.answered_at, Application.created_at)))
            ),
        )
        .join(Mission, Mission.id == Application.mission_id)
        .where(Mission.town_id == town_id)
        .group_by(key)
    ):
        row = rows.setdefault(value, Row(labels.get(value, str(value))))
        row.applications, row.accepted = int(count), int(accepted or 0)
        row.answer_hours = _hours(seconds)
    return sorted(rows.values(), key=lambda r: (-r.applications, r.label.lower()))


def association_rows(session: Session, town_id: int) -> Iterator[Row]:
    """``table``'s rows for associations, in its order, read as one stream: memory does not grow
    with the number of associations (``csv_chunks``)."""
    places = _places()
    missions = (
        select(
            Mission.association_id.label("key"),
            func.count(Mission.id).label("missions"),
            func.coalesce(func.sum(places.c.places), 0).label("places"),
        )
        .outerjoin(places, places.c.mission_id == Mission.id)
        .where(Mission.town_id == town_id)
        .group_by(Mission.association_id)
        .subquery()
    )
    answered = Application.answered_at.is_not(None)
    applications = (
        select(
            Mission.association_id.label("key"),
            func.count(Application.id).label("applications"),
            func.sum(case((Application.status == ACCEPTED, 1), else_=0)).label("accepted"),
            func.avg(
                case((answered, _seconds(session, Application.answered_at, Application.created_at)))
            ).label("seconds"),
        )
        .join(Mission, Mission.id == Application.mission_id)
        .where(Mission.town_id == town_id)
        .group_by(Mission.association_id)
        .subquery()
    )
    count = func.coalesce(applications.c.applications, 0)
    for name, in_missions, offered, applied, accepted, seconds in session.execute(
        select(
            Association.name,
            func.coalesce(missions.c.missions, 0),
            func.coalesce(missions.c.places, 0),
            count,
            func.coalesce(applications.c.accepted, 0),
            applications.c.seconds,
        )
        .outerjoin(missions, missions.c.key == Association.id)
        .outerjoin(applications, applications.c.key == Association.id)
        .where(Association.town_id == town_id)
        .order_by(count.desc(), python_order(session, Association.name, str.lower), Association.id)
        .execution_options(yield_per=1000)
    ):
        yield Row(
            name, int(in_missions), int(offered), int(applied), int(accepted), _hours(seconds)
        )


CSV_HEADER = (
    "dimension",
    "label",
    "missions",
    "places",
    "applications",
    "accepted",
    "fill_rate",
    "hours_to_first_answer",
)


def _cell(value: object) -> object:
    # A label starting with = + - @ would run as a formula in a spreadsheet.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_chunks(
    session: Session, town_id: int, labels: dict[str, dict[Any, str]], rows_per_chunk: int = 500
) -> Iterator[str]:
    """The statistics CSV in chunks of ``rows_per_chunk`` lines: associations as one stream,
    causes and neighbourhoods (as many rows as the town has terms and areas at most) by
    ``table``; ``labels``: the causes' and areas' labels, read in the view (``value_labels``)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    written = 0
    for dimension in DIMENSIONS:
        if dimension == "association":
            rows: Iterable[Row] = association_rows(session, town_id)
        else:
            rows = table(session, town_id, dimension, labels[dimension])
        for row in rows:
            writer.writerow(
                [
                    dimension,
                    _cell(row.label),
                    row.missions,
                    row.places,
                    row.applications,
                    row.accepted,
                    f"{row.fill_rate:.3f}",
                    "" if row.answer_hours is None else row.answer_hours,
                ]
            )
            written += 1
            if written % rows_per_chunk == 0:
                yield out.getvalue()
                out.seek(0)
                out.truncate()
    yield out.getvalue()


def totals(rows: list[Row]) -> Row:
    total = Row(_("All"))
    for row in rows:
        total.missions += row.missions
        total.places += row.places
        total.applications += row.applications
        total.accepted += row.accepted
    return total
