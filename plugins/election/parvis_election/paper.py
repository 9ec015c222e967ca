"""Paper ballots: double entry of each polling station's ballots, and the sign-in list of people
who already voted online (so nobody votes twice)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from parvis.api import (
    Area,
    Module,
    User,
    Verification,
    census_names,
    python_order,
    utcnow,
)

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


@dataclass(frozen=True)
class SigninTexts:
    """The sign-in list's words in the reader's language, translated in the view: the list is
    written later, in the threads that send it, which have no visitor's language."""

    header: tuple[str, ...]
    on_list: str
    account_only: str  # with %(name)s, the account's display name
    deleted: str


def signin_texts() -> SigninTexts:
    return SigninTexts(
        header=(
            _("Constituency"),
            _("Family name"),
            _("Given names"),
            _("Birth date"),
            _("Identity from"),
            _("Person key (start)"),
        ),
        on_list=_("town's list"),
        account_only=_("not on the town's list: account name “%(name)s” only"),
        deleted=_("not on the town's list, account deleted"),
    )


def signin_list_csv(
    session: Session, module_id: int, town_id: int, texts: SigninTexts, rows_per_chunk: int = 500
) -> Iterator[str]:
    """People who voted online, per constituency, for the polling stations' sign-in lists: the
    CSV text in chunks of ``rows_per_chunk`` lines, read as one stream in the order of the
    list, so memory stays flat however many people voted (``export_response``).

    A polling station checks an identity document, so each person is named as the town's census
    list names them (family name, given names, birth date). Someone verified without a census
    entry (at the counter before any import, or after the list was purged) can only be named by
    the account holding their person key: the line says so, for the station to check by hand.
    Ordered as the in-memory sort ordered it (``python_order``): by constituency, family and
    given names case-folded, then person key.
    """
    census = census_names(town_id)
    constituency = func.coalesce(Area.name, "")
    family = func.coalesce(census.c.family_name, "")
    given = func.coalesce(census.c.given_names, "")
    stream = session.execute(
        select(
            constituency,
            Participation.person_key,
            User.display_name,
            census.c.family_name,
            census.c.given_names,
            census.c.birth_date,
        )
        .outerjoin(Constituency, Constituency.id == Participation.constituency_id)
        .outerjoin(Area, Area.id == Constituency.area_id)
        .outerjoin(census, census.c.person_key == Participation.person_key)
        .outerjoin(
            Verification,
            and_(
                Verification.town_id == town_id,
                Verification.person_key == Participation.person_key,
                Verification.ended_at.is_(None),
            ),
        )
        .outerjoin(User, User.id == Verification.user_id)
        .where(Participation.module_id == module_id)
        .order_by(
            python_order(session, constituency),
            python_order(session, family, str.casefold),
            python_order(session, given, str.casefold),
            python_order(session, Participation.person_key),
            python_order(session, func.coalesce(User.display_name, "")),
        )
        .execution_options(yield_per=1000)
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(texts.header)
    for n, (name, key, account, family_name, given_names, born) in enumerate(stream, start=1):
        if born is not None:  # on the census list (a birth date is never empty there)
            line = [family_name, given_names, born.isoformat(), texts.on_list]
        else:
            source = texts.account_only % {"name": account} if account else texts.deleted
            line = ["", "", "", source]
        writer.writerow([_spreadsheet_safe(cell) for cell in [name, *line, key[:12]]])
        if n % rows_per_chunk == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _spreadsheet_safe(value: str) -> str:
    """A name a spreadsheet would run as a formula (=, +, -, @) is shown as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
