"""Counting an election with ``methods.count``, keeping the results, publishing the ballots."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parvis.api import Module, Town, utcnow

from . import ballot_file, electorate
from .box import ballot_box
from .config import ElectionConfig
from .i18n import _
from .methods import ElectionInput, ElectionResult, count
from .models import Candidacy, Result
from .paper import Station, agreed_ballots, stations
from .services import ConstituencyRow, ServiceError, candidacies, constituencies
from .voting import max_choices


def election_input(
    config: ElectionConfig,
    constituency: ConstituencyRow,
    cands: list[Candidacy],
    ballots: list[tuple[int, ...]],
) -> ElectionInput:
    return ElectionInput(
        method=config.method,
        seats=constituency.seats,
        candidates=tuple(c.id for c in cands),
        ballots=tuple(ballots),
        max_choices=max_choices(config, constituency.seats),
        genders={c.id: c.gender for c in cands if c.gender} if config.parity else None,
        parity=config.parity,
        tie_seed=config.tie_seed,
    )


def _fraction(value: Fraction | None) -> str | None:
    return None if value is None else str(value)


def _as_data(result: ElectionResult) -> dict[str, Any]:
    return {
        "elected": list(result.elected),
        "votes": {str(k): v for k, v in result.votes.items()},
        "rounds": [
            {
                "number": r.number,
                "tallies": {str(k): str(v) for k, v in r.tallies.items()},
                "elected": list(r.elected),
                "eliminated": list(r.eliminated),
                "note": r.note,
                "tie": r.tie,
            }
            for r in result.rounds
        ],
        "parity_changes": [list(p) for p in result.parity_changes],
        "ballots_counted": result.ballots_counted,
        "quota": _fraction(result.quota),
    }


def unresolved_stations(all_stations: list[Station]) -> list[Station]:
    return [s for s in all_stations if s.status != "agreed"]


def count_election(session: Session, module: Module, config: ElectionConfig, town: Town) -> int:
    """Count every constituency and keep the results; refused while a polling station's paper
    ballots are not agreed by two people. Returns the number of constituencies counted."""
    all_stations = stations(session, module)
    if unresolved_stations(all_stations):
        raise ServiceError(
            _("Some polling stations have no agreed double entry yet: resolve them first.")
        )
    rows = constituencies(session, module)
    by_c: dict[int, list[Candidacy]] = {}
    for cand in candidacies(session, module, accepted_only=True):
        by_c.setdefault(cand.constituency_id, []).append(cand)
    box = ballot_box()
    tallies = box.tallies(session, [c.id for c in rows])
    # Counting comes after voting closed: freeze the electorate now if the phase change did not.
    electorate.freeze(session, module, config, town)
    electorates = electorate.frozen(session, module)
    for row in rows:
        cands = by_c.get(row.id, [])
        box.seal(session, row.id)
        online = box.ballots(session, row.id)
        paper = agreed_ballots(all_stations, row.id)
        result = count(election_input(config, row, cands, online + paper))
        data = _as_data(result)
        data.update(
            method=config.method,
            seats=row.seats,
            candidates=[{"id": c.id, "name": c.name, "gender": c.gender} for c in cands],
            participations=tallies[row.id][0],
            online_ballots=tallies[row.id][1],
            paper_ballots=len(paper),
            paper_signatures=sum(
                s.signatures or 0 for s in all_stations if s.constituency_id == row.id
            ),
            electorate=electorates[row.id][0],
            electorate_at=electorates[row.id][1].isoformat(),
        )
        stored = session.scalar(select(Result).where(Result.constituency_id == row.id))
        if stored is None:
            stored = Result(constituency_id=row.id)
            session.add(stored)
        stored.data = data
        stored.counted_at = utcnow()
    session.flush()
    return len(rows)


def stored_results(session: Session, module: Module) -> dict[int, Result]:
    ids = [c.id for c in constituencies(session, module)]
    return {
        r.constituency_id: r
        for r in session.scalars(select(Result).where(Result.constituency_id.in_(ids)))
    }


def ballot_export(
    session: Session,
    module: Module,
    config: ElectionConfig,
    row: ConstituencyRow,
    fmt: str,
    sign: Callable[[str, str], str],
) -> Callable[[Session], Iterator[str]]:
    """The constituency's ballots (online and agreed paper) with the parameters and the
    published result, in the format ``parvis election recount`` reads, as the chunks of a
    streamed download (``export_response``): the online ballots are read one at a time from the
    download's own unit of work, in the ballot box's order (a random key per ballot, which says
    nothing of the order they were cast in), and each agreed paper ballot is merged in at the
    place of a key of the same kind, an HMAC with the deployment's secret (``sign``: ``ctx.sign``):
    the same file at every download, paper ballots not told apart from online ones, memory
    flat."""
    stored = session.scalar(select(Result).where(Result.constituency_id == row.id))
    cands = [
        c for c in candidacies(session, module, accepted_only=True) if c.constituency_id == row.id
    ]
    paper = sorted(
        (sign("election.paper_ballot", f"{module.id}:{row.id}:{n}")[:32], ballot)
        for n, ballot in enumerate(agreed_ballots(stations(session, module), row.id))
    )
    inp = election_input(config, row, cands, [])
    meta = {
        "title": module.title,
        "constituency": row.name,
        "candidates": {str(c.id): c.name for c in cands},
        "elected": list(stored.data.get("elected", [])) if stored else [],
    }
    write = ballot_file.json_chunks if fmt == "json" else ballot_file.csv_chunks
    constituency_id = row.id

    def chunks(download: Session) -> Iterator[str]:
        online = ballot_box().stream(download, constituency_id)
        merged = heapq.merge(online, paper, key=lambda keyed: keyed[0])
        yield from write(inp, meta, (ballot for _key, ballot in merged))

    return chunks
