"""``@fills_slots``: a ``parvis_slot`` implementation that declares the slots it fills is called for
those only (``rendering.slot_fragments``); one that declares nothing is asked for every slot."""

from __future__ import annotations

import types
from typing import Any

from parvis.api import Fragment, fills_slots, hookimpl

ASKED: dict[str, list[str]] = {"declared": [], "undeclared": []}


@hookimpl
@fills_slots("layout.footer")
def _declared(name: str) -> list[Fragment]:
    ASKED["declared"].append(name)
    return [Fragment("declared", "<p>declared-footer</p>")]


@hookimpl
def _undeclared(name: str) -> list[Fragment]:
    ASKED["undeclared"].append(name)
    return []


def _plugin(name: str, slot: Any) -> types.ModuleType:
    plugin = types.ModuleType(f"parvis_{name}.plugin")
    plugin.__file__ = __file__
    plugin.parvis_slot = slot  # type: ignore[attr-defined]
    return plugin


def test_a_declared_implementation_is_asked_for_its_slots_only(make_town) -> None:
    town = make_town(
        extra_plugins={
            "declared": _plugin("declared", _declared),
            "undeclared": _plugin("undeclared", _undeclared),
        }
    )
    for asked in ASKED.values():
        asked.clear()
    with town.client() as client:
        page = client.get("/accessibility")
    assert page.status_code == 200
    assert "<p>declared-footer</p>" in page.text
    assert ASKED["declared"] == ["layout.footer"]
    assert ASKED["undeclared"] == ["layout.head", "layout.header", "layout.footer"]
