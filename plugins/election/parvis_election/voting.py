"""Reading a ballot from the form and casting it through the ballot box."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy.orm import Session

from parvis.api import Module

from .box import Receipt, ballot_box
from .config import ElectionConfig
from .i18n import _
from .methods import check_ballot
from .services import ConstituencyRow, parse_id


def max_choices(config: ElectionConfig, seats: int) -> int | None:
    """Block vote: at most N (default: the seats); approval and STV: no limit."""
    if config.method != "block":
        return None
    return config.max_choices or seats


def read_choices(config: ElectionConfig, form: Any) -> tuple[tuple[int, ...], dict[str, str]]:
    """The choices the form carries (approvals, or a ranking for STV) and what was typed, to
    show again. Ids are strictly parsed; the box never sees an unchecked id."""
    if config.method != "stv":
        raw = [str(v) for v in form.getlist("candidate")]
        ids = [-1 if (cid := parse_id(v)) is None else cid for v in raw]
        # Sorted: the order of ticking (or of a random display) is not part of the vote.
        return tuple(sorted(ids)), {v: "on" for v in raw}
    ranks: list[tuple[int, int]] = []
    typed = {}
    for key in form:
        if not key.startswith("rank-"):
            continue
        value = str(form.get(key) or "").strip()
        typed[key.removeprefix("rank-")] = value
        if not value:
            continue
        cid, rank = parse_id(key.removeprefix("rank-")), parse_id(value)
        ranks.append((rank if rank is not None else 0, cid if cid is not None else -1))
    ranks.sort()
    return tuple(cid for _rank, cid in ranks), typed


def ranking_error(typed: dict[str, str]) -> str | None:
    """STV: the ranks given must be 1, 2, 3 … each once."""
    given = [v for v in typed.values() if v]
    numbers = sorted(parse_id(v) or 0 for v in given)
    if numbers != list(range(1, len(numbers) + 1)):
        return _("Number your choices 1, 2, 3 … without gaps and without giving a number twice.")
    return None


def ballot_error(
    config: ElectionConfig,
    constituency: ConstituencyRow,
    choices: tuple[int, ...],
    typed: dict[str, str],
    candidates: Collection[int],
) -> str | None:
    if config.method == "stv":
        problem = ranking_error(typed)
        if problem:
            return problem
    code = check_ballot(
        config.method,
        choices,
        seats=constituency.seats,
        max_choices=max_choices(config, constituency.seats),
        candidates=candidates,
    )
    if code is None:
        return None
    limit = max_choices(config, constituency.seats) or 0
    messages = {
        "empty": _("Choose at least one candidate."),
        "too_many": _("Choose at most %(num)s candidates.", num=limit),
        "duplicate": _("Each candidate can be chosen only once."),
        "unknown_candidate": _("One of your choices is not a candidate in your constituency."),
    }
    return messages.get(code, _("This ballot is not valid."))


def cast(
    session: Session,
    module: Module,
    constituency: ConstituencyRow,
    person_key: str,
    choices: tuple[int, ...],
) -> Receipt:
    return ballot_box().cast(
        session,
        module_id=module.id,
        constituency_id=constituency.id,
        person_key=person_key,
        choices=choices,
    )
