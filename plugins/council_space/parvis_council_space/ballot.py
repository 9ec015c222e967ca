"""The ballot a resident is filling in, before it is cast: read from the page, changed one
project at a time, totalled against the call's limit.

The choices not cast yet travel with every request (hidden fields of the ballot form, or the
``choices`` parameter of the page's address), so each action without JavaScript re-renders the
page with them kept, and the browser's Back button or a reload finds them again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import MultiDict

from parvis.api import format_currency, parse_int

from .config import CallConfig
from .i18n import _
from .models import Idea

# A ballot never names more projects than this (a call has far fewer): longer lists are cut.
MAX_CHOICES = 500


def parse_choices(text: str | None) -> dict[int, int]:
    """``"12,15"`` (approval, budget) or ``"12:3,15:2"`` (points) → {idea id: points}.
    Anything unreadable is skipped: this is the resident's unsaved work, shown again."""
    choices: dict[int, int] = {}
    for part in (text or "").split(",")[:MAX_CHOICES]:
        raw_id, _sep, raw_points = part.partition(":")
        idea_id = parse_int(raw_id)
        points = parse_int(raw_points, 4) if raw_points else 1
        if idea_id is not None and points is not None:
            choices[idea_id] = points
    return choices


def format_choices(choices: dict[int, int], rule: str) -> str:
    if rule == "cumulative":
        return ",".join(f"{i}:{p}" for i, p in choices.items())
    return ",".join(str(i) for i in choices)


def read_form(config: CallConfig, form: Any) -> dict[int, int]:
    """The choices a ballot form carries (``idea`` values, or ``points-<id>`` fields), unchecked:
    parse_ballot checks them before anything is cast."""
    if form is None:
        return {}
    if "choices" in form:
        return parse_choices(form.get("choices"))
    choices: dict[int, int] = {}
    if config.ballot_rule == "cumulative":
        for key in form:
            if key.startswith("points-"):
                idea_id = parse_int(key.removeprefix("points-"))
                points = parse_int(form.get(key), 4)
                if idea_id is not None and points:
                    choices[idea_id] = points
    else:
        for raw in form.getlist("idea")[:MAX_CHOICES]:
            idea_id = parse_int(raw)
            if idea_id is not None:
                choices[idea_id] = 1
    return choices


def raw_points(form: Any) -> dict[str, str]:
    """What a points ballot sent, as typed (shown again beside its error)."""
    return {
        k.removeprefix("points-"): (form.get(k) or "")[:20] for k in form if k.startswith("points-")
    }


def as_form(config: CallConfig, choices: dict[int, int]) -> MultiDict:
    """The choices in the shape ``ballot_box.parse_ballot`` reads."""
    if config.ballot_rule == "cumulative":
        return MultiDict([(f"points-{i}", str(p)) for i, p in choices.items()])
    return MultiDict([("idea", str(i)) for i in choices])


@dataclass
class Total:
    """The running total shown in the ballot's bar."""

    rule: str
    count: int
    cost: int
    points: int
    max_projects: int
    max_points: int
    budget: int

    @property
    def limit_reached(self) -> bool:
        if self.rule == "approval":
            return self.count >= self.max_projects
        if self.rule == "cumulative":
            return self.points >= self.max_points
        return self.cost >= self.budget

    @property
    def over(self) -> bool:
        if self.rule == "approval":
            return self.count > self.max_projects
        if self.rule == "cumulative":
            return self.points > self.max_points
        return self.cost > self.budget

    @property
    def left(self) -> int:
        """Budget (budget ballots), projects (approval) or points (points ballots) left."""
        if self.rule == "approval":
            return max(self.max_projects - self.count, 0)
        if self.rule == "cumulative":
            return max(self.max_points - self.points, 0)
        return max(self.budget - self.cost, 0)

    @property
    def used(self) -> int:
        return {"approval": self.count, "cumulative": self.points}.get(self.rule, self.cost)

    @property
    def limit(self) -> int:
        return {"approval": self.max_projects, "cumulative": self.max_points}.get(
            self.rule, self.budget
        )


def total(config: CallConfig, options: dict[int, Idea], choices: dict[int, int]) -> Total:
    known = {i: p for i, p in choices.items() if i in options}
    return Total(
        rule=config.ballot_rule,
        count=len(known),
        cost=sum(options[i].cost for i in known),
        points=sum(known.values()),
        max_projects=config.max_projects,
        max_points=config.max_points,
        budget=config.budget,
    )


def add(
    config: CallConfig, options: dict[int, Idea], choices: dict[int, int], idea_id: Any
) -> tuple[dict[int, int], str | None]:
    """Add a project, unless the call's limit refuses it: (choices, message for its card)."""
    number = parse_int(idea_id)
    if number is None or number not in options:
        return choices, _("This project is not in this vote.")
    if number in choices:
        return choices, None
    now = total(config, options, choices)
    if config.ballot_rule == "approval" and now.count >= config.max_projects:
        return choices, _(
            "You have already chosen %(max)s projects, the most this vote allows: remove one "
            "to add this one.",
            max=config.max_projects,
        )
    cost = options[number].cost
    if config.ballot_rule == "knapsack" and now.cost + cost > config.budget:
        return choices, _(
            "This project costs %(cost)s and %(left)s of the budget is left: remove a project "
            "to make room for it.",
            cost=format_currency(cost),
            left=format_currency(max(config.budget - now.cost, 0)),
        )
    return {**choices, number: 1}, None


def remove(choices: dict[int, int], idea_id: Any) -> dict[int, int]:
    number = parse_int(idea_id)
    return {i: p for i, p in choices.items() if i != number}


def chosen_rows(rows: Iterable[Any], choices: dict[int, int]) -> list[tuple[Any, int]]:
    """(row, points) of the chosen projects, in the order of ``rows``."""
    return [(row, choices[row.idea.id]) for row in rows if row.idea.id in choices]
