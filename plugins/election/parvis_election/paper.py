"""Paper ballots: double entry of each polling station's ballots, and the sign-in list of people
who already voted online (so nobody votes twice)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from parvis.api import Module, User, Verification, census_identities, utcnow

from .i18n import _
from .models import Constituency, PaperEntry, Participation
from .services import ServiceError, constituencies, parse_id


def parse_ballots(text: str, numbers: dict[int, int], *, ranked: bool) -> list[tuple[int, ...]]:
    """One ballot per line, candidates by their number on the entry sheet ("3 1 5"); for approval
    methods the order within a line does not matter. Raises ``ServiceError`` naming the line."""
    ballots = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        parts = line.replace(",", " ").split()
        if not parts:
            continue
        ids = []
        for part in parts:
            number = parse_id(part)
            if number not in numbers:
                raise ServiceError(
                    _(
                        "Line %(line)s: “%(value)s” is not a candidate number.",
                        line=line_no,
                        value=part,
                    ),
                    "ballots",
                )
            ids.append(numbers[number])
        if len(set(ids)) != len(ids):
            raise ServiceError(
                _("Line %(line)s: a candidate appears twice.", line=line_no), "ballots"
            )
        ballots.append(tuple(ids) if ranked else tuple(sorted(ids)))
    return ballots


def canonical(ballots: Sequence[tuple[int, ...]]) -> str:
    """The batch as stored: lines sorted, so two entries of the same pile compare equal."""
    return "\n".join(sorted(" ".join(str(c) for c in b) for b in ballots))


def save_entry(
    session: Session,
    constituency: Constituency,
    station: str,
    user: User,
    signatures: int,
    ballots: Sequence[tuple[int, ...]],
) -> PaperEntry:
    """Record (or replace) this staff member's entry of the station's ballots."""
    entry = session.scalar(
        select(PaperEntry).where(
            PaperEntry.constituency_id == constituency.id,
            PaperEntry.station == station,
            PaperEntry.entered_by == user.id,
        )
    )
    if entry is None:
        entry = PaperEntry(constituency_id=constituency.id, station=station, entered_by=user.id)
        session.add(entry)
    entry.signatures = signatures
    entry.ballots = canonical(ballots)
    entry.created_at = utcnow()
    session.flush()
    return entry


@dataclass(frozen=True)
class Station:
    constituency_id: int
    station: str
    entries: int
    # "agreed" (two people entered the same), "pending" (one entry), "discrepancy".
    status: str
    signatures: int | None
    ballots: int | None
    agreed_text: str | None


def stations(session: Session, module: Module) -> list[Station]:
    ids = [c.id for c in constituencies(session, module)]
    entries = session.scalars(
        select(PaperEntry)
        .where(PaperEntry.constituency_id.in_(ids))
        .order_by(PaperEntry.constituency_id, PaperEntry.station, PaperEntry.id)
    )
    grouped: dict[tuple[int, str], list[PaperEntry]] = {}
    for entry in entries:
        grouped.setdefault((entry.constituency_id, entry.station), []).append(entry)
    result = []
    for (cid, name), group in grouped.items():
        agreed = _agreeing_pair(group)
        status = "agreed" if agreed else ("pending" if len(group) < 2 else "discrepancy")
        result.append(
            Station(
                cid,
                name,
                len(group),
                status,
                agreed.signatures if agreed else None,
                len(agreed.ballots.splitlines()) if agreed else None,
                agreed.ballots if agreed else None,
            )
        )
    return result


def _agreeing_pair(group: Sequence[PaperEntry]) -> PaperEntry | None:
    for i, first in enumerate(group):
        for second in group[i + 1 :]:
            if (
                first.entered_by != second.entered_by
                and first.signatures == second.signatures
                and first.ballots == second.ballots
            ):
                return first
    return None


def agreed_ballots(all_stations: Sequence[Station], constituency_id: int) -> list[tuple[int, ...]]:
    ballots: list[tuple[int, ...]] = []
    for station in all_stations:
        if station.constituency_id == constituency_id and station.agreed_text:
            ballots += [
                tuple(int(c) for c in line.split()) for line in station.agreed_text.splitlines()
            ]
    return ballots


def signin_list_csv(session: Session, module: Module, town_id: int) -> str:
    """People who voted online, per constituency, for the polling stations' sign-in lists.

    A polling station checks an identity document, so each person is named as the town's census
    list names them (family name, given names, birth date). Someone verified without a census
    entry (at the counter before any import, or after the list was purged) can only be named by
    the account holding their person key: the line says so, for the station to check by hand.
    """
    names = {c.id: c.name for c in constituencies(session, module)}
    rows = session.execute(
        select(Participation.constituency_id, Participation.person_key, User.display_name)
        .outerjoin(
            Verification,
            and_(
                Verification.town_id == town_id,
                Verification.person_key == Participation.person_key,
                Verification.ended_at.is_(None),
            ),
        )
        .outerjoin(User, User.id == Verification.user_id)
        .where(Participation.module_id == module.id)
    ).all()
    identities = census_identities(session, town_id, [key for _c, key, _n in rows])
    lines = []
    for cid, key, account in rows:
        who = identities.get(key)
        if who is not None:
            line = [who.family_name, who.given_names, who.birth_date.isoformat(), _("town's list")]
        else:
            source = (
                _("not on the town's list: account name “%(name)s” only", name=account)
                if account
                else _("not on the town's list, account deleted")
            )
            line = ["", "", "", source]
        lines.append([names.get(cid, ""), *line, key[:12]])
    lines.sort(key=lambda line: (line[0], line[1].casefold(), line[2].casefold(), line[-1]))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Constituency"),
            _("Family name"),
            _("Given names"),
            _("Birth date"),
            _("Identity from"),
            _("Person key (start)"),
        ]
    )
    writer.writerows([[_spreadsheet_safe(cell) for cell in line] for line in lines])
    return out.getvalue()


def _spreadsheet_safe(value: str) -> str:
    """A name a spreadsheet would run as a formula (=, +, -, @) is shown as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
