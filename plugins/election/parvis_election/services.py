"""Elections: constituencies, who may apply and vote where, candidacies and their review."""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Integer, and_, bindparam, select
from sqlalchemy.orm import Session

from parvis.api import (
    Area,
    Module,
    Town,
    User,
    eligible,
    parse_int,
    town_time_zone,
    utcnow,
)

from .config import ElectionConfig
from .i18n import _
from .models import Candidacy, Constituency

MODULE_TYPE = "council_election"
PHASES = (
    "setup",
    "candidacies",
    "review",
    "campaign",
    "voting",
    "counting",
    "results",
    "archived",
)
# Phases in which the accepted candidates are public.
# Phases in which a candidate may withdraw: until the list is published.
WITHDRAWABLE = frozenset({"candidacies", "review"})
LIST_PUBLISHED = frozenset({"campaign", "voting", "counting", "results", "archived"})
RESULTS_PUBLISHED = frozenset({"results", "archived"})
T = TypeVar("T", Constituency, Candidacy)


class ServiceError(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def today(town: Town) -> dt.date:
    """Today on the town's clock (voting days and ages are the town's dates)."""
    return dt.datetime.now(town_time_zone(town)).date()


def parse_id(value: object) -> int | None:
    """A strictly decimal id from a form or URL ('²', '-1', 40 digits are not ids)."""
    return parse_int(value, digits=18)


@dataclass(frozen=True)
class ConstituencyRow:
    id: int
    area_id: int
    name: str
    seats: int


def constituencies(session: Session, module: Module) -> list[ConstituencyRow]:
    rows = session.execute(
        select(Constituency.id, Constituency.area_id, Area.name, Constituency.seats)
        .join(Area, Area.id == Constituency.area_id)
        .where(Constituency.module_id == module.id)
        .order_by(Constituency.position, Area.name)
    )
    return [ConstituencyRow(*row) for row in rows]


def _in_module(session: Session, model: type[T], module: Module, value: object) -> T | None:
    """A row of ``model`` by an id from a form or URL, only if it belongs to this election."""
    row_id = parse_id(value)
    if row_id is None:
        return None
    return session.scalar(select(model).where(model.id == row_id, model.module_id == module.id))


def get_constituency(session: Session, module: Module, value: object) -> Constituency | None:
    return _in_module(session, Constituency, module, value)


def add_constituency(
    session: Session, module: Module, town_id: int, area_id: int, seats: int
) -> Constituency:
    area = session.get(Area, area_id)
    if area is None or area.town_id != town_id:
        raise ServiceError(_("Choose a neighbourhood of the town."), "area")
    taken = session.scalar(
        select(Constituency.id).where(
            Constituency.module_id == module.id, Constituency.area_id == area_id
        )
    )
    if taken is not None:
        raise ServiceError(_("This neighbourhood is already a constituency."), "area")
    constituency = Constituency(module_id=module.id, area_id=area_id, seats=seats)
    session.add(constituency)
    session.flush()
    return constituency


# --- who may apply and vote, and where ---------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """A user's place in an election: their constituency and whether they are eligible there;
    ``candidates``: the ids of its accepted candidates (what a ballot may name)."""

    constituency: ConstituencyRow | None
    ok: bool
    reason: str
    person_key: str | None
    candidates: frozenset[int] = frozenset()


# ``ctx.memo``: a value kept until the town's content changes (constituencies and candidacies
# are content: accepting a candidate bumps it; ballots are not, so voting keeps these warm).
Memo = Callable[[Hashable, Callable[[], Any]], Any]


def _no_memo(_key: Hashable, build: Callable[[], Any]) -> Any:
    return build()


def area_ballot(
    session: Session, module_id: int, area_id: int
) -> tuple[ConstituencyRow | None, frozenset[int]]:
    """The constituency of a neighbourhood and the ids of its accepted candidates, in one
    query (a row per candidate; one row with no candidate id when it has none)."""
    rows = session.execute(
        _area_ballot_statement(), {"module_id": module_id, "area_id": area_id}
    ).all()
    if not rows:
        return None, frozenset()
    return ConstituencyRow(*rows[0][:4]), frozenset(r[4] for r in rows if r[4] is not None)


@functools.cache
def _area_ballot_statement() -> Any:
    module_id, area_id = bindparam("module_id", type_=Integer), bindparam("area_id", type_=Integer)
    accepted = and_(
        Candidacy.constituency_id == Constituency.id,
        Candidacy.module_id == module_id,
        Candidacy.status == "accepted",
    )
    return (
        select(Constituency.id, Constituency.area_id, Area.name, Constituency.seats, Candidacy.id)
        .join(Area, Area.id == Constituency.area_id)
        .outerjoin(Candidacy, accepted)
        .where(Constituency.module_id == module_id, Constituency.area_id == area_id)
    )


def standing(
    session: Session,
    town: Town,
    module: Module,
    config: ElectionConfig,
    user: User | None,
    *,
    memo: Memo = _no_memo,
    day: dt.date | None = None,
) -> Standing:
    """Eligibility through core's verification: verified in a constituency's neighbourhood and
    old enough on election day (one read of the verification: the answer carries its area).
    ``day``: today on the town's clock, if the caller has it."""
    result = eligible(session, user, min_age=config.min_age, on=config.age_day(day or today(town)))
    area_id = result.area_id
    mine, candidates = (
        memo(
            ("election.area", module.id, area_id),
            lambda: area_ballot(session, module.id, area_id),
        )
        if area_id is not None
        else (None, frozenset())
    )
    if mine is None:
        if not result.ok:
            return Standing(None, False, result.reason, None)
        return Standing(
            None, False, _("Your neighbourhood does not elect anyone in this election."), None
        )
    return Standing(mine, result.ok, result.reason, result.person_key, candidates)


# --- candidacies --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CandidacyInput:
    name: str
    statement: str
    gender: str | None
    photo_id: int | None


def my_candidacy(
    session: Session, module: Module, user: User | None, person_key: str | None
) -> Candidacy | None:
    if user is None:
        return None
    condition = Candidacy.user_id == user.id
    if person_key:
        condition = condition | (Candidacy.person_key == person_key)
    return session.scalar(
        select(Candidacy).where(Candidacy.module_id == module.id, condition).limit(1)
    )


def apply(
    session: Session,
    module: Module,
    config: ElectionConfig,
    user: User,
    where: Standing,
    data: CandidacyInput,
) -> Candidacy:
    """Create or update the person's candidacy (editing sends it back to review)."""
    if not where.ok or where.constituency is None or where.person_key is None:
        raise ServiceError(where.reason)
    if config.parity and data.gender not in ("f", "m", "x"):
        raise ServiceError(_("This election applies gender parity: say your gender."), "gender")
    candidacy = my_candidacy(session, module, user, where.person_key)
    if candidacy is None:
        candidacy = Candidacy(module_id=module.id, person_key=where.person_key)
        session.add(candidacy)
    candidacy.user_id = user.id
    candidacy.constituency_id = where.constituency.id
    candidacy.name = data.name
    candidacy.statement = data.statement
    candidacy.gender = data.gender
    if data.photo_id is not None:
        candidacy.photo_id = data.photo_id
    candidacy.status = "submitted"
    candidacy.reason = ""
    candidacy.reviewed_at = None
    session.flush()
    return candidacy


def get_candidacy(session: Session, module: Module, value: object) -> Candidacy | None:
    return _in_module(session, Candidacy, module, value)


def can_withdraw(module: Module, candidacy: Candidacy | None) -> bool:
    return (
        candidacy is not None and candidacy.status != "withdrawn" and module.phase in WITHDRAWABLE
    )


def withdraw(module: Module, candidacy: Candidacy) -> None:
    """The candidate steps down; refused once the list is published (ballots name them)."""
    if not can_withdraw(module, candidacy):
        raise ServiceError(_("A candidacy can be withdrawn only until the list is published."))
    candidacy.status = "withdrawn"
    candidacy.reason = ""
    candidacy.reviewed_at = None


def review(session: Session, candidacy: Candidacy, accept: bool, reason: str) -> None:
    if not accept and not reason.strip():
        raise ServiceError(_("Give the candidate the reason for the refusal."), "reason")
    candidacy.status = "accepted" if accept else "refused"
    candidacy.reason = reason.strip()
    candidacy.reviewed_at = utcnow()


def candidacies(session: Session, module: Module, *, accepted_only: bool) -> list[Candidacy]:
    query = select(Candidacy).where(Candidacy.module_id == module.id)
    if accepted_only:
        query = query.where(Candidacy.status == "accepted")
    return list(session.scalars(query.order_by(Candidacy.name, Candidacy.id)))


def candidacies_of(session: Session, module: Module, constituency_id: int) -> list[Candidacy]:
    """The accepted candidates of one constituency, alphabetical (the entry sheet's numbers)."""
    return list(
        session.scalars(
            select(Candidacy)
            .where(
                Candidacy.module_id == module.id,
                Candidacy.constituency_id == constituency_id,
                Candidacy.status == "accepted",
            )
            .order_by(Candidacy.name, Candidacy.id)
        )
    )


def by_constituency(cands: Sequence[Candidacy]) -> dict[int, list[Candidacy]]:
    grouped: dict[int, list[Candidacy]] = {}
    for candidacy in cands:
        grouped.setdefault(candidacy.constituency_id, []).append(candidacy)
    return grouped


def ballot_order(cands: Sequence[Candidacy], config: ElectionConfig) -> list[Candidacy]:
    """Alphabetical, or shuffled afresh for each voter (so no name profits from coming first)."""
    ordered = sorted(cands, key=lambda c: (c.name.casefold(), c.id))
    if config.ballot_order == "random":
        random.SystemRandom().shuffle(ordered)
    return ordered
