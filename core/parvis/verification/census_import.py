"""Running a census import: rows streamed in batches with progress, an error per bad line,
then the people who left or moved lose their census-based verification (with an e-mail)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from parvis.db import utcnow
from parvis.models import Area, Verification
from parvis.verification import census_file as cf
from parvis.verification import census_messages as msg
from parvis.verification.census_notify import notify_ended
from parvis.verification.eligibility import town_today
from parvis.verification.methods import FROM_CENSUS
from parvis.verification.models import CensusEntry, CensusImport
from parvis.verification.records import LEFT_CENSUS, MOVED, live_condition, normalise, person_key

if TYPE_CHECKING:
    from parvis.app import Parvis

log = logging.getLogger(__name__)

BATCH = 1000
MAX_STORED_ERRORS = 500
# Above this share of bad lines the file is probably mapped wrong: nobody is marked as left.
MAX_ERROR_SHARE = 0.1


@dataclass
class _Run:
    imp_id: int
    town_id: int
    secret: str
    mapping: dict[str, Any]
    areas: dict[str, int]
    postcodes: dict[str, int]
    seen: dict[str, int] = field(default_factory=dict)
    moved: list[str] = field(default_factory=list)
    errors: list[list[Any]] = field(default_factory=list)
    error_count: int = 0
    imported: int = 0
    processed: int = 0

    def error(self, at: int, code: str, /, **params: Any) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_STORED_ERRORS:
            self.errors.append([at, code, params])

    def note(self, code: str) -> None:
        """A remark about the whole import (line 0), not counted as a refused line."""
        self.errors.insert(0, [0, code, {}])


def claim_import(session: Session, import_id: int) -> bool:
    """Mark a queued import as running; False if another worker already took it."""
    taken = session.execute(
        update(CensusImport)
        .where(CensusImport.id == import_id, CensusImport.status == "queued")
        .values(status="running")
    )
    return bool(taken.rowcount)


def run_import(parvis: Parvis, import_id: int) -> None:
    """Import a queued census file; each batch commits, so progress shows while it runs."""
    with parvis.db.session() as session:
        if not claim_import(session, import_id):
            return
        imp = session.get(CensusImport, import_id)
        data, encoding, delimiter = imp.data or b"", imp.encoding, imp.delimiter
        run = _Run(
            import_id,
            imp.town_id,
            parvis.config.secret_key,
            dict(imp.mapping),
            _area_lookup(session, imp.town_id),
            {k: int(v) for k, v in (imp.mapping.get("postcodes") or {}).items()},
        )
    try:
        for batch in _batches(cf.iter_rows(data, encoding, delimiter)):
            with parvis.db.session() as session:
                _import_batch(session, run, batch)
                _save_progress(session, run, status="running")
        with parvis.db.session() as session:
            left = _finish(parvis, session, run)
            _save_progress(session, run, status="done", left=left, done=True)
    except Exception:
        log.exception("census import %s failed", import_id)
        with parvis.db.session() as session:
            run.note(msg.CRASHED)
            _save_progress(session, run, status="failed", done=True)


def abandon_import(parvis: Parvis, import_id: int) -> None:
    """Its worker died mid-import (the job's lease expired): failed, not "running" for good; the
    batches already committed stay, the file is dropped, and staff import it again."""
    with parvis.db.session() as session:
        imp = session.get(CensusImport, import_id)
        if imp is None or imp.status not in ("queued", "running"):
            return
        imp.status, imp.finished_at, imp.data = "failed", utcnow(), None
        imp.errors = [[0, msg.CRASHED, {}], *(imp.errors or [])]


def _batches(rows: Iterable[tuple[int, list[str]]]) -> Iterable[list[tuple[int, list[str]]]]:
    batch: list[tuple[int, list[str]]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _area_lookup(session: Session, town_id: int) -> dict[str, int]:
    lookup: dict[str, int] = {}
    for area in session.scalars(select(Area).where(Area.town_id == town_id)):
        lookup[normalise(area.name)] = area.id
        lookup[normalise(area.slug)] = area.id
    return lookup


def _cell(cells: list[str], mapping: dict[str, Any], name: str) -> str:
    index = mapping.get(name)
    if index is None or not isinstance(index, int) or index >= len(cells):
        return ""
    return cells[index].strip()


def _parse(run: _Run, line: int, cells: list[str]) -> dict[str, Any] | None:
    """A row as entry values, or None after recording why it is refused."""
    get = lambda name: _cell(cells, run.mapping, name)  # noqa: E731
    family, given, raw_birth = get("family_name"), get("given_names"), get("birth_date")
    if not family or not given:
        run.error(line, msg.MISSING_NAME)
        return None
    if len(family) > 200 or len(given) > 200:
        run.error(line, msg.LONG_NAME)
        return None
    birth = cf.parse_birth_date(raw_birth, town_today())
    if birth is None:
        run.error(line, msg.BAD_DATE, value=raw_birth[:40])
        return None
    postcode = cf.clean_postcode(get("postcode"))
    area_id = _area_of(run, get("area"), postcode)
    if area_id is None and (run.mapping.get("area") is not None or run.postcodes):
        shown = get("area") or postcode or get("postcode")
        run.error(line, msg.UNKNOWN_AREA, value=shown[:60])
        return None
    key = person_key(
        run.secret, run.town_id, family_name=family, given_names=given, birth_date=birth
    )
    if key in run.seen:
        run.error(line, msg.DUPLICATE, line=run.seen[key])
        return None
    run.seen[key] = line
    return {
        "town_id": run.town_id,
        "person_key": key,
        "family_name": family,
        "given_names": given,
        "birth_date": birth,
        "address": get("address")[:300],
        "postcode": postcode,
        "area_id": area_id,
        "import_id": run.imp_id,
        "updated_at": utcnow(),
        "purged_at": None,
    }


def _area_of(run: _Run, raw_area: str, postcode: str) -> int | None:
    if run.mapping.get("area") is not None:
        return run.areas.get(normalise(raw_area))
    if run.postcodes:
        return run.postcodes.get(postcode)
    return None


def _import_batch(session: Session, run: _Run, batch: list[tuple[int, list[str]]]) -> None:
    rows = []
    for line, cells in batch:
        run.processed += 1
        values = _parse(run, line, cells)
        if values is not None:
            rows.append(values)
    if not rows:
        return
    existing = {
        key: (entry_id, area_id)
        for key, entry_id, area_id in session.execute(
            select(CensusEntry.person_key, CensusEntry.id, CensusEntry.area_id).where(
                CensusEntry.town_id == run.town_id,
                CensusEntry.person_key.in_([r["person_key"] for r in rows]),
            )
        )
    }
    new = [r for r in rows if r["person_key"] not in existing]
    updates = []
    for r in rows:
        if r["person_key"] in existing:
            entry_id, old_area = existing[r["person_key"]]
            if old_area != r["area_id"]:
                run.moved.append(r["person_key"])
            updates.append({**r, "id": entry_id})
    if new:
        session.execute(insert(CensusEntry), new)
    if updates:
        session.execute(update(CensusEntry), updates)
    run.imported += len(rows)


def _finish(parvis: Parvis, session: Session, run: _Run) -> int:
    """Entries missing from this import have left: end their census-based verifications, and
    those of people whose neighbourhood changed; e-mail each account. Returns how many left."""
    if run.imported == 0 or run.error_count > MAX_ERROR_SHARE * max(run.processed, 1):
        run.note(msg.TOO_MANY_ERRORS)
        return 0
    left_keys = list(
        session.scalars(
            select(CensusEntry.person_key).where(
                CensusEntry.town_id == run.town_id,
                (CensusEntry.import_id != run.imp_id) | CensusEntry.import_id.is_(None),
            )
        )
    )
    ended = _end_census_verifications(session, run.town_id, left_keys, LEFT_CENSUS)
    ended += _end_census_verifications(session, run.town_id, run.moved, MOVED)
    if left_keys:
        session.execute(
            CensusEntry.__table__.delete().where(
                CensusEntry.town_id == run.town_id,
                (CensusEntry.import_id != run.imp_id) | CensusEntry.import_id.is_(None),
            )
        )
    notify_ended(parvis, session, run.town_id, ended)
    return len(left_keys)


def _end_census_verifications(
    session: Session, town_id: int, keys: list[str], reason: str
) -> list[tuple[int, str]]:
    """End live census-based verifications of ``keys``; (user id, reason) of each."""
    ended: list[tuple[int, str]] = []
    now = utcnow()
    for start in range(0, len(keys), BATCH):
        chunk = keys[start : start + BATCH]
        rows = session.scalars(
            select(Verification).where(
                Verification.town_id == town_id,
                Verification.person_key.in_(chunk),
                Verification.method.in_(FROM_CENSUS),
                live_condition(now),
            )
        ).all()
        for verification in rows:
            verification.ended_at = now
            verification.end_reason = reason
            if verification.user_id is not None:
                ended.append((verification.user_id, reason))
    session.flush()
    return ended


def _save_progress(
    session: Session, run: _Run, *, status: str, left: int = 0, done: bool = False
) -> None:
    values: dict[str, Any] = {
        "status": status,
        "processed_rows": run.processed,
        "imported_rows": run.imported,
        "error_count": run.error_count,
        "errors": list(run.errors),
    }
    if done:
        # The file is not kept once imported: the entries hold what is needed.
        values.update(finished_at=utcnow(), left_count=left, data=None)
    session.execute(update(CensusImport).where(CensusImport.id == run.imp_id).values(**values))
