"""Per-call settings, kept in the module's ``settings`` (set on the call's settings page)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from parvis.api import Module

from .i18n import _l

BALLOT_RULES = {
    "approval": _l("Approval: choose up to a number of projects"),
    "knapsack": _l("Budget: choose projects whose total cost fits the budget"),
    "cumulative": _l("Points: share a number of points between projects"),
}
COUNTING_RULES = {
    "greedy": _l("Most votes first (greedy)"),
    "mes": _l("Method of equal shares"),
    "mes_add1": _l("Method of equal shares, completed by raising each voter's share (add1)"),
}


@dataclass
class CallConfig:
    budget: int = 100_000
    ballot_rule: str = "approval"
    counting_rule: str = "greedy"
    max_projects: int = 5
    max_points: int = 10
    # MES rules: spend what equal shares leaves by adding projects by votes (greedy).
    completion: bool = False
    # Only residents whose neighbourhood is the council's may vote.
    area_only: bool = False
    # Criteria used to review and count, published from the submission phase on (Markdown).
    criteria: str = ""

    @classmethod
    def of(cls, module: Module) -> CallConfig:
        stored = (module.settings or {}).get("call", {})
        known = {k: v for k, v in stored.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def save(self, module: Module) -> None:
        module.settings = {**(module.settings or {}), "call": asdict(self)}

    @property
    def effective_counting_rule(self) -> str:
        # Cumulative ballots carry points, which only the greedy rule can count.
        return "greedy" if self.ballot_rule == "cumulative" else self.counting_rule

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
