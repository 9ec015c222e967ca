"""Who may do what: roles, rules at town/space/module level, phases, and a reason for each answer.

Resolution, for an action and an actor's roles in a place:
1. an unknown action is denied;
2. a phase-gated action is denied unless the module's current phase opens it;
3. a town admin is allowed (after phases, so closed means closed for everyone);
4. rules are read from the most specific level (module, then space, then town); at the first
   level with a rule for one of the actor's roles, a deny wins over an allow;
5. with no rule, the action's default roles decide; anything else is denied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    and_,
    false,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session

from parvis.contrib import Action, ModuleType, Role
from parvis.i18n import gettext as _
from parvis.models import Module, PermissionRule, RoleGrant, Space, Town, User, Verification
from parvis.verification.records import live_condition

ANONYMOUS = "anonymous"
RESIDENT = "resident"
VERIFIED = "verified"
MODERATOR = "moderator"
SPACE_ADMIN = "space_admin"
TOWN_ADMIN = "town_admin"


class Decision:
    """An answer and its reason for people (shown with a refusal, and on the rules page).

    The reason of an answer core gives is written, translated, only when read (``later``): a
    request asks several questions and shows at most the reason of a refusal."""

    __slots__ = ("_reason", "_write", "allowed")

    def __init__(self, allowed: bool, reason: str) -> None:
        self.allowed = allowed
        self._reason: str | None = reason
        self._write: Callable[[], str] | None = None

    @classmethod
    def later(cls, allowed: bool, write: Callable[[], str]) -> Decision:
        """A decision whose reason ``write()`` gives when first read (in the same request)."""
        decision = cls(allowed, "")
        decision._reason, decision._write = None, write
        return decision

    @property
    def reason(self) -> str:
        if self._reason is None:
            assert self._write is not None
            self._reason, self._write = self._write(), None
        return self._reason

    def __bool__(self) -> bool:
        return self.allowed

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Decision):
            return NotImplemented
        return (self.allowed, self.reason) == (other.allowed, other.reason)

    def __hash__(self) -> int:
        return hash((self.allowed, self.reason))

    def __repr__(self) -> str:
        return f"Decision(allowed={self.allowed!r}, reason={self.reason!r})"


@dataclass
class Actor:
    """The person behind a request, with the roles they hold in the current town."""

    user: User | None
    town_roles: frozenset[str]
    space_roles: dict[int, frozenset[str]] = field(default_factory=dict)

    @property
    def id(self) -> int | None:
        return self.user.id if self.user else None

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    def roles_in(self, space_id: int | None) -> frozenset[str]:
        if space_id is None:
            return self.town_roles
        return self.town_roles | self.space_roles.get(space_id, frozenset())

    @property
    def is_town_admin(self) -> bool:
        return TOWN_ADMIN in self.town_roles


def grants_query(user_id: int, town_id: int) -> Any:
    """The user's grants in the town, and ``verified`` while a verification is live: rows of
    (user_id, role, space_id), to join to the user's own query."""
    verified = select(
        literal(user_id, Integer).label("user_id"),
        literal(VERIFIED, String).label("role"),
        null().cast(Integer).label("space_id"),
    ).where(Verification.user_id == user_id, Verification.town_id == town_id, live_condition())
    return union_all(
        select(RoleGrant.user_id, RoleGrant.role, RoleGrant.space_id).where(
            RoleGrant.user_id == user_id, RoleGrant.town_id == town_id
        ),
        verified,
    )


def load_actor(
    session: Session,
    town: Town,
    user: User | None,
    grants: Iterable[tuple[str, int | None]] | None = None,
) -> Actor:
    """The actor's roles: ``grants`` as (role, space id) when the user's query read them,
    else one query for the grants and live verification; implicit roles follow from the
    account's state."""
    if user is None:
        return Actor(None, frozenset({ANONYMOUS}))
    roles = {ANONYMOUS}
    if user.is_confirmed:
        roles.add(RESIDENT)
    space_roles: dict[int, set[str]] = {}
    if grants is None:
        rows = session.execute(grants_query(user.id, town.id))
        grants = [(role, space_id) for _user_id, role, space_id in rows]
    for role, space_id in grants:
        if space_id is None:
            roles.add(role)
        else:
            space_roles.setdefault(space_id, set()).add(role)
    return Actor(user, frozenset(roles), {k: frozenset(v) for k, v in space_roles.items()})


@dataclass(frozen=True)
class Rule:
    role: str
    action: str
    allow: bool
    space_id: int | None
    module_id: int | None


class RuleSet:
    """A town's permission rules, read in one query per request so checks cost no query."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.by_action: dict[str, list[Rule]] = {}
        for rule in rules:
            self.by_action.setdefault(rule.action, []).append(rule)

    @classmethod
    def load(cls, session: Session, town_id: int) -> RuleSet:
        rows = session.execute(
            select(
                PermissionRule.role,
                PermissionRule.action,
                PermissionRule.allow,
                PermissionRule.space_id,
                PermissionRule.module_id,
            ).where(PermissionRule.town_id == town_id)
        )
        return cls(Rule(*row) for row in rows)

    def levels(
        self, action: str, space: Space | None, module: Module | None, roles: frozenset[str]
    ) -> list[tuple[str, list[tuple[str, bool]]]]:
        """(level's name, [(role, allow)]) from the most specific level: module, space, town;
        nothing for an action without a rule for ``roles`` (most actions in most towns)."""
        rules = [r for r in self.by_action.get(action, ()) if r.role in roles]
        if not rules:
            return []
        module_level = [(r.role, r.allow) for r in rules if module and r.module_id == module.id]
        space_level = [
            (r.role, r.allow)
            for r in rules
            if space and r.space_id == space.id and r.module_id is None
        ]
        town_level = [
            (r.role, r.allow) for r in rules if r.space_id is None and r.module_id is None
        ]
        return [("module", module_level), ("space", space_level), ("town", town_level)]


def _phase_reason(label: object) -> str:
    """Why an action is refused in a module's phase (``label``: the phase's, or its key)."""
    return _("Not possible in the current phase (%(phase)s).", phase=str(label))


def _level_name(level: str) -> str:
    """The name of a rule's level (``RuleSet.levels``), translated."""
    return {"module": _("module"), "space": _("space"), "town": _("town")}[level]


class Permissions:
    """Answers permission questions for one town, using the registry's actions."""

    def __init__(
        self,
        actions: dict[str, Action],
        module_types: dict[str, ModuleType],
        roles: dict[str, Role] | None = None,
    ) -> None:
        self.actions = actions
        self.module_types = module_types
        self.roles = roles or {}

    def _role(self, key: str) -> str:
        """A role's label for reasons shown to people (its key if unknown)."""
        role = self.roles.get(key)
        return f"{role.label} ({key})" if role else key

    def decide(
        self,
        rules: RuleSet,
        actor: Actor,
        action: str,
        space: Space | None = None,
        module: Module | None = None,
    ) -> Decision:
        spec = self.actions.get(action)
        if spec is None:
            return Decision(False, _("Unknown action %(action)s.", action=action))
        if spec.phase_gated:
            gate = self._phase_gate(action, module)
            if gate is not None:
                return gate
        space_id = space.id if space else (module.space_id if module else None)
        roles = actor.roles_in(space_id)
        if TOWN_ADMIN in roles:
            return Decision.later(True, lambda: _("Town administrators may do everything."))
        for level, level_rules in rules.levels(action, space, module, roles):
            if not level_rules:
                continue
            denied = sorted(role for role, allow in level_rules if not allow)
            if denied:
                return Decision(
                    False,
                    _(
                        "Denied at %(level)s level for role %(role)s.",
                        level=_level_name(level),
                        role=self._role(denied[0]),
                    ),
                )
            allowed = min(role for role, allow in level_rules)
            return Decision.later(True, partial(self._allowed_reason, allowed, level))
        by_default = min(roles.intersection(spec.default_roles), default=None)
        if by_default is not None:
            return Decision.later(True, partial(self._allowed_reason, by_default))
        if not actor.is_authenticated and RESIDENT in spec.default_roles:
            return Decision.later(False, lambda: _("You need to sign in first."))
        if (
            actor.user is not None
            and not actor.user.is_confirmed
            and RESIDENT in spec.default_roles
        ):
            return Decision.later(False, lambda: _("Confirm your e-mail address first."))
        # Refusals too are written only when read: a page asks many questions (a quick poll:
        # may this visitor manage it, answer it) and shows none of their reasons.
        return Decision.later(False, lambda: _("No rule allows this for your roles."))

    def _allowed_reason(self, role: str, level: str | None = None) -> str:
        if level is None:
            return _("Allowed by default for role %(role)s.", role=self._role(role))
        return _(
            "Allowed at %(level)s level for role %(role)s.",
            level=_level_name(level),
            role=self._role(role),
        )

    def _phase_gate(self, action: str, module: Module | None) -> Decision | None:
        if module is None:
            return Decision(False, _("This action needs a module."))
        mtype = self.module_types.get(module.type)
        phase = mtype.phase(module.phase) if mtype else None
        if phase is None or action not in phase.actions:
            label = phase.label if phase else module.phase
            return Decision.later(False, partial(_phase_reason, label))
        return None

    def space_filter(
        self, rules: RuleSet, actor: Actor, action: str, town: Town
    ) -> ColumnElement[bool]:
        """A SQL condition on ``Space`` for the spaces where ``actor`` may do ``action``."""
        if actor.is_town_admin:
            return true()
        town_allowed = self.decide(rules, actor, action).allowed
        roles = list(actor.town_roles)
        space_rules = select(PermissionRule.space_id).where(
            PermissionRule.town_id == town.id,
            PermissionRule.action == action,
            PermissionRule.space_id.is_not(None),
            PermissionRule.module_id.is_(None),
            PermissionRule.role.in_(roles),
        )
        denied = space_rules.where(PermissionRule.allow.is_(False))
        allowed = space_rules.where(PermissionRule.allow.is_(True))
        condition = and_(Space.id.not_in(denied), true() if town_allowed else Space.id.in_(allowed))
        spec = self.actions.get(action)
        # Spaces where a space-scoped role of the actor is allowed by default.
        scoped = [
            space_id
            for space_id, space_roles in actor.space_roles.items()
            if spec and space_roles & set(spec.default_roles)
        ]
        return or_(condition, Space.id.in_(scoped)) if scoped else (condition if roles else false())
