"""An election's parameters, kept in its module's ``settings`` (edited on the set-up page)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from zoneinfo import ZoneInfo

from parvis.api import Module

from .i18n import _l

METHOD_LABELS = {
    "block": _l("Block vote: choose up to N candidates, the most approved are elected"),
    "phragmen": _l("Approval with proportional seats (sequential Phragmén)"),
    "stv": _l("Single transferable vote (rank the candidates)"),
}
ORDER_LABELS = {
    "random": _l("Random, a new order for each voter"),
    "alphabetical": _l("Alphabetical"),
}
STATUS_LABELS = {
    "submitted": _l("Submitted, awaiting review"),
    "accepted": _l("Accepted"),
    "refused": _l("Refused"),
    "withdrawn": _l("Withdrawn"),
}
# The badge tone of each status (core's status_badge).
STATUS_TONES = {
    "submitted": "warning",
    "accepted": "success",
    "refused": "closed",
    "withdrawn": "neutral",
}
GENDER_LABELS = {"f": _l("Woman"), "m": _l("Man"), "x": _l("Other or non-binary")}


@dataclass
class ElectionConfig:
    method: str = "block"
    # Block vote only: at most this many choices (None: as many as the seats).
    max_choices: int | None = None
    min_age: int = 16
    # ISO dates (town time): the day age is reckoned on, the last day to apply, the voting days.
    election_day: str = ""
    candidacy_deadline: str = ""
    voting_start: str = ""
    voting_end: str = ""
    ballot_order: str = "random"
    parity: bool = False
    # Published string seeding the reproducible tie-break (e.g. a public lottery draw).
    tie_seed: str = ""
    description: str = ""

    @classmethod
    def of(cls, module: Module) -> ElectionConfig:
        stored = (module.settings or {}).get("election", {})
        known = {k: v for k, v in stored.items() if k in cls.__dataclass_fields__}
        config = cls(**known)
        if not config.tie_seed:
            config.tie_seed = f"parvis-election-{module.id}"
        return config

    def save(self, module: Module) -> None:
        module.settings = {**(module.settings or {}), "election": asdict(self)}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def date(self, name: str) -> dt.date | None:
        value = getattr(self, name)
        return dt.date.fromisoformat(value) if value else None

    def voting_open_on(self, today: dt.date) -> bool:
        """Within the voting days, when the election sets them (the phase is checked apart)."""
        start, end = self.date("voting_start"), self.date("voting_end")
        return (start is None or start <= today) and (end is None or today <= end)

    def age_day(self, today: dt.date) -> dt.date:
        """The day the minimum age must be reached on: election day, else today."""
        return self.date("election_day") or today

    def schedule(
        self, zone: ZoneInfo
    ) -> Mapping[str, tuple[dt.datetime | None, dt.datetime | None]]:
        """The dated phases for core's timeline and deadline: whole days in the town's time
        (a last day lasts until midnight)."""

        def start(name: str) -> dt.datetime | None:
            day = self.date(name)
            return dt.datetime.combine(day, dt.time(), zone) if day else None

        def end(name: str) -> dt.datetime | None:
            day = self.date(name)
            return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone) if day else None

        return {
            "candidacies": (None, end("candidacy_deadline")),
            "voting": (start("voting_start"), end("voting_end")),
        }
