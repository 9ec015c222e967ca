"""What plugins contribute: small typed records, each carrying its own key and order."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from starlette.routing import BaseRoute


@dataclass(frozen=True)
class Setting:
    """A typed plugin setting; towns override it in ``parvis.toml`` or the admin.

    Whole-number settings are bounded (``minimum``..``maximum``): the admin form refuses values
    outside, and a value from elsewhere (``parvis.toml``, an old town setting) is clamped, so a
    plugin never receives a negative count or a 20-digit size.
    """

    key: str
    type: type
    default: Any
    # Help shown under the field in the administration: mark it for translation (``_l``).
    doc: Any
    minimum: int = 0
    maximum: int = 1_000_000
    # The field's label in the administration (``_l("...")``); the key when not given.
    label: Any = None

    def clamp(self, value: Any) -> Any:
        """``value`` in this setting's type, a whole number pulled into the bounds."""
        if self.type is bool and isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        if self.type is int:
            try:
                number = int(str(value).strip()[:20])
            except ValueError:
                return self.default
            return min(max(number, self.minimum), self.maximum)
        return self.type(value)


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
    """A role staff can grant (``parvis_roles``); the administration lists roles by ``order``."""

    key: str
    label: str
    # Roles granted per space (e.g. a council's secretary) rather than for the whole town.
    space_scoped: bool = False
    order: int = 100


@dataclass(frozen=True)
class SpaceKind:
    """A kind of space (``parvis_space_kinds``); a space stores the key in ``Space.kind``."""

    key: str
    label: str
    order: int = 100


@dataclass(frozen=True)
class Phase:
    """One phase of a module type; a new module starts in its type's first phase."""

    key: str
    label: str
    # Phase-gated actions open during this phase.
    actions: frozenset[str] = frozenset()


class _StoredColumns:
    """``settings`` and ``created_at`` of a plain row, decoded when first read: read through
    a narrow statement, they may come as JSON text and ISO text (SQLite)."""

    __slots__ = ()
    stored_settings: Any
    stored_created_at: Any

    @property
    def settings(self) -> Mapping[str, Any]:
        if isinstance(self.stored_settings, str):
            self.stored_settings = json.loads(self.stored_settings)
        return self.stored_settings  # type: ignore[no-any-return]

    @property
    def created_at(self) -> dt.datetime:
        value = self.stored_created_at
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        if value.tzinfo is None:
            value = self.stored_created_at = value.replace(tzinfo=dt.UTC)
        return value  # type: ignore[no-any-return]


@dataclass(slots=True, eq=False)
class ModuleRow(_StoredColumns):
    """A module as the listing pages read it (home page, space pages: ``ModuleType.summarize``
    gets these): every column of ``Module``, same names, but a plain row, not an ORM object.

    Reading hundreds of rows costs about half as much as loading ``Module`` objects, and each
    attribute read is a plain slot. Read-only by contract: a change is not saved (load the
    ``Module`` by ``id`` to change one); no relationships. Not frozen only because a frozen
    dataclass takes five times as long to build. ``settings`` and ``created_at`` are decoded
    when first read (as stored: JSON text or a dict, a date string or a datetime), since
    listing pages seldom read them.
    """

    id: int
    space_id: int
    type: str
    slug: str
    title: str
    phase: str
    position: int
    published: bool
    dated: bool  # it has dated phases (``parvis.api.set_phase_dates``)
    stored_settings: Any
    stored_created_at: Any


@dataclass(slots=True, eq=False)
class SpaceRow(_StoredColumns):
    """A space as the listing pages give it to ``ModuleType.summarize`` (home page, space pages):
    every column of ``Space``, same names, plus ``area``, its area as an ``(id, name)`` row or
    ``None``; a plain row, not an ORM object, read-only by contract, like ``ModuleRow``
    (``settings`` and ``created_at`` decoded when first read)."""

    id: int
    town_id: int
    slug: str
    title: str
    summary: str
    description: str
    kind: str
    area_id: int | None
    image_id: int | None
    published: bool
    position: int
    stored_settings: Any
    stored_created_at: Any
    area: Any = None


@dataclass(slots=True)
class ModuleSummary:
    """What the home page and space pages show of a module (``ModuleType.summarize``).

    ``participation`` is how many took part so far (``None``: nothing to count), with its label
    already pluralised ("ballots"); ``action_label``/``action_url`` the one thing a resident can do
    now (empty: core links to the module); ``results_url`` where its published results or decision
    are (empty: none yet); ``listed`` False when the plugin shows the module on the home page
    itself (quick polls), so core leaves it out of its lists there; ``listed_in_space`` False when
    it shows the module on its space's page itself (an open quick poll, answerable in place), so
    the page's cards leave it out and it shows once. Read-only by contract, not frozen: a frozen
    dataclass takes five times as long to build, and a space page builds one per module.
    """

    participation: int | None = None
    participation_label: str = ""
    action_label: str = ""
    action_url: str = ""
    results_url: str = ""
    listed: bool = True
    listed_in_space: bool = True


@dataclass(frozen=True)
class ModuleType:
    """A kind of module a space can hold; core mounts ``routes`` under
    ``/s/{space}/{key}/{module}/`` and names them ``<key>:<route name>``.

    ``summarize(ctx, items)`` returns a ``ModuleSummary`` per module id for the ``(module,
    space)`` pairs of this type a page shows, all at once (one query per figure, not one per
    module); types sharing one function get one call with the modules of all of them. The
    summaries must not depend on the viewer (``ctx.user``, permissions): the home page renders
    its cards once and gives them to every visitor (``parvis.spaces.home_parts.home_parts``).

    ``activity(ctx, modules, since)`` returns, per module id, how many took part each week from
    ``since`` on (``{week's Monday: count}``, weeks on the town's clock; ``count_by_week`` does it
    in one query) for the staff dashboard's charts; counts only, never who. Same grouping rule.

    ``result_phases``: the phases in which ``summarize`` may give a module a ``results_url``.
    The home page then summarises only the modules it can show (open ones, the latest in these
    phases), not every module of the town; ``None`` (the default) means any phase.
    """

    key: str
    label: str
    phases: Sequence[Phase]
    routes: Sequence[BaseRoute] = ()
    order: int = 100
    plugin: str = ""
    summarize: Callable[[Any, Sequence[Any]], Mapping[int, ModuleSummary]] | None = None
    activity: Callable[[Any, Sequence[Any], Any], Mapping[int, Mapping[Any, int]]] | None = None
    result_phases: frozenset[str] | None = None

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
    """An entry of the main menu (``parvis_menu_items``), sorted by ``(order, key)``."""

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


@dataclass(frozen=True)
class QueuedJob:
    """One run of a queued job, as its handler receives it. ``attempt`` counts from 1."""

    id: int
    name: str
    payload: dict[str, Any]
    town_id: int | None
    attempt: int


@dataclass(frozen=True)
class JobType:
    """A kind of background job, named ``<plugin>.<verb>``, and the function that runs one.

    ``handler(app, job)`` runs outside any request, in a worker: it opens its own units of work
    (``app.session()``). Raising fails the attempt: the job is tried again ``retry_after``
    seconds later, doubled at each attempt, until ``max_attempts`` attempts failed; it is then
    marked failed and recorded in its town's audit log, and ``on_failed(app, job, error)`` runs.

    ``lease`` (seconds) is how long one attempt may take: a job still ``running`` after it (its
    worker died) is taken again by another worker, as one more attempt, so the handler must be
    safe to run again. Without a lease (mail) such a job stays ``running`` for good: it is never
    run twice. ``label`` names the kind of job on the administration's jobs page, and
    ``retryable`` says whether staff may try a failed one again there (false when running the
    same job again cannot help, e.g. an import whose file is gone: staff start a new one).
    The error of a failed job is written to the audit log, which outlives accounts: a handler's
    exception messages must not carry personal data (an e-mail address, a name).
    """

    name: str
    handler: Callable[[Any, QueuedJob], None]
    max_attempts: int = 5
    retry_after: int = 30
    lease: int | None = None
    on_failed: Callable[[Any, QueuedJob, str], None] | None = None
    label: Any = None
    retryable: bool = True
