"""Permission resolution: most specific level wins, deny wins at a level, default deny, phases,
and a reason for every answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from parvis import i18n
from parvis.contrib import Action, ModuleType, Phase
from parvis.db import utcnow
from parvis.models import Module, Space, User
from parvis.permissions import Actor, Permissions, Rule, RuleSet

ACTIONS = {
    "demo.read": Action("demo.read", "Read", default_roles=("anonymous",)),
    "demo.post": Action("demo.post", "Post", default_roles=("resident",)),
    "demo.vote": Action("demo.vote", "Vote", default_roles=("resident",), phase_gated=True),
    "demo.admin": Action("demo.admin", "Admin"),
}
TYPES = {
    "demo": ModuleType(
        "demo",
        "Demo",
        phases=[Phase("open", "Open", frozenset({"demo.vote"})), Phase("closed", "Closed")],
    )
}
SPACE = Space(id=1, town_id=1, slug="s", title="S")
OTHER_SPACE = Space(id=2, town_id=1, slug="t", title="T")
MODULE = Module(id=10, space_id=1, type="demo", slug="m", title="M", phase="open")

visitor = Actor(None, frozenset({"anonymous"}))


def resident(*extra: str, space_roles=None) -> Actor:
    user = User(
        id=5, town_id=1, email="r@x", password_hash="", display_name="R", confirmed_at=utcnow()
    )
    return Actor(user, frozenset({"anonymous", "resident", *extra}), space_roles or {})


@pytest.fixture(autouse=True)
def english():
    i18n.activate(None, "en")


def decide(rules, actor, action, space=None, module=None):
    return Permissions(ACTIONS, TYPES).decide(RuleSet(rules), actor, action, space, module)


def test_defaults_allow_listed_roles_and_deny_everything_else():
    assert decide([], visitor, "demo.read")
    refused = decide([], visitor, "demo.post")
    assert not refused and "sign in" in refused.reason
    assert decide([], resident(), "demo.post").reason == "Allowed by default for role resident."
    assert not decide([], resident(), "demo.admin")
    assert not decide([], resident(), "demo.unknown")


def test_space_rule_beats_town_rule_and_deny_wins_at_the_same_level():
    rules = [
        Rule("resident", "demo.post", False, None, None),  # town: residents may not post
        Rule("resident", "demo.post", True, 1, None),  # ...except in space 1
    ]
    allowed = decide(rules, resident(), "demo.post", SPACE)
    assert allowed.reason == "Allowed at space level for role resident."
    assert not decide(rules, resident(), "demo.post", OTHER_SPACE)
    both = [*rules, Rule("verified", "demo.post", False, 1, None)]
    decision = decide(both, resident("verified"), "demo.post", SPACE)
    assert not decision and "verified" in decision.reason and "space" in decision.reason


def test_module_rule_is_the_most_specific():
    rules = [
        Rule("resident", "demo.vote", False, None, 10),
        Rule("resident", "demo.vote", True, 1, None),
    ]
    decision = decide(rules, resident(), "demo.vote", SPACE, MODULE)
    assert not decision and "module" in decision.reason


def test_phases_gate_actions_even_for_town_admins():
    closed = Module(id=11, space_id=1, type="demo", slug="c", title="C", phase="closed")
    assert decide([], resident(), "demo.vote", SPACE, MODULE)
    refused = decide([], resident("town_admin"), "demo.vote", SPACE, closed)
    assert not refused and "Closed" in refused.reason
    assert decide([], resident("town_admin"), "demo.admin")


def test_space_scoped_roles_apply_only_in_their_space():
    actor = resident(space_roles={1: frozenset({"councillor"})})
    rules = [Rule("councillor", "demo.admin", True, None, None)]
    assert decide(rules, actor, "demo.admin", SPACE)
    assert not decide(rules, actor, "demo.admin", OTHER_SPACE)


def test_unconfirmed_account_is_told_to_confirm():
    actor = Actor(
        User(id=6, town_id=1, email="u@x", password_hash="", display_name="U"),
        frozenset({"anonymous"}),
    )
    assert "Confirm your e-mail" in decide([], actor, "demo.post").reason


def test_a_reason_is_written_when_read_in_the_request_language():
    """An allowed answer's reason is translated when read (most are never read)."""
    decision = decide([], resident(), "demo.post")
    core_locales = Path(i18n.__file__).parent / "locale"
    i18n.activate(i18n.Catalogs([("parvis", core_locales)]), "fr")
    try:
        assert decision.reason == "Autorisé par défaut pour le rôle resident."
    finally:
        i18n.activate(None, "en")
