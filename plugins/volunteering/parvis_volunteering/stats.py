"""Town statistics per association, cause and neighbourhood: missions, places offered,
applications, accepted volunteers, fill rate and the mean time to a first answer. Two grouped
queries per dimension, whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from parvis.api import Area

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


def _labels(session: Session, town_id: int, dimension: str) -> dict[Any, str]:
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


def table(session: Session, town_id: int, dimension: str) -> list[Row]:
    key = {"association": Mission.association_id, "cause": Mission.cause, "area": Mission.area_id}[
        dimension
    ]
    places = (
        select(Slot.mission_id, func.sum(Slot.places).label("places"))
        .group_by(Slot.mission_id)
        .subquery()
    )
    labels = _labels(session, town_id, dimension)
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
        row.answer_hours = round(max(float(seconds), 0) / 3600, 1) if seconds is not None else None
    return sorted(rows.values(), key=lambda r: (-r.applications, r.label.lower()))


def totals(rows: list[Row]) -> Row:
    total = Row(_("All"))
    for row in rows:
        total.missions += row.missions
        total.places += row.places
        total.applications += row.applications
        total.accepted += row.accepted
    return total
