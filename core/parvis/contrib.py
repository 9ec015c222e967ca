"""What plugins contribute: small typed records, each carrying its own key and order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.routing import BaseRoute


@dataclass(frozen=True)
class Setting:
    """A typed plugin setting; towns override it in ``parvis.toml`` or the admin."""

    key: str
    type: type
    default: Any
    doc: str


@dataclass(frozen=True)
class Action:
    """Something a role may be allowed to do, named ``<plugin>.<verb>``.

    ``default_roles`` are allowed unless a town rule says otherwise; ``phase_gated`` actions are
    only possible in the module phases that list them.
    """

    name: str
    label: str
    default_roles: tuple[str, ...] = ()
    phase_gated: bool = False


@dataclass(frozen=True)
class AuditAction:
    """An action the audit log records, with the sentence it reads as.

    ``sentence`` is translatable and may use ``%(actor)s`` (who), ``%(target)s`` (the entry's
    target) and any detail key passed to ``ctx.audit``; a missing one reads as "—".
    """

    name: str
    sentence: str


@dataclass(frozen=True)
class Role:
    key: str
    label: str
    # Roles granted per space (e.g. a council's secretary) rather than for the whole town.
    space_scoped: bool = False
    order: int = 100


@dataclass(frozen=True)
class SpaceKind:
    key: str
    label: str
    order: int = 100


@dataclass(frozen=True)
class Phase:
    key: str
    label: str
    # Phase-gated actions open during this phase.
    actions: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ModuleType:
    """A kind of module a space can hold; core mounts ``routes`` under
    ``/s/{space}/{key}/{module}/`` and names them ``<key>:<route name>``."""

    key: str
    label: str
    phases: Sequence[Phase]
    routes: Sequence[BaseRoute] = ()
    order: int = 100
    plugin: str = ""

    def phase(self, key: str) -> Phase | None:
        return next((p for p in self.phases if p.key == key), None)


@dataclass(frozen=True)
class VerificationMethod:
    """A way for residents to get their residence verified; each town enables the ones it uses.

    ``explanation`` tells a resident, in plain words, what to do and what it needs; it is shown
    on the "Verify my residence" page with a link to ``resident_route`` (a route name, empty when
    staff do everything, e.g. at the counter). ``staff_route`` is the staff page of the method.
    """

    key: str
    label: str
    explanation: str
    resident_route: str = ""
    staff_route: str = ""
    order: int = 100
    plugin: str = ""


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: str
    href: str
    order: int = 100


@dataclass(frozen=True)
class Fragment:
    """HTML a plugin adds to a named slot of a page (already escaped or ``Markup``)."""

    key: str
    html: str
    order: int = 100


@dataclass(frozen=True)
class Event:
    """Something that happened, delivered to ``parvis_event`` after the transaction commits."""

    name: str
    town_id: int
    actor_id: int | None = None
    space_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
