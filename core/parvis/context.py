"""The per-request context a view works with (``get_context(request)``), and what it needs."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request

from parvis import audit
from parvis.contrib import ModuleRow, ModuleType
from parvis.models import Module, Space, Town, TownHost, User
from parvis.permissions import Actor, Decision, RuleSet
from parvis.plugin_app import App
from parvis.schedule import PhaseInfo, phase_info, resident_phase
from parvis.towns import town_time_zone

if TYPE_CHECKING:
    from parvis.app import Parvis

T = TypeVar("T")

# A module id no real module has, to find where the id goes in a module's link.
_PROBE_ID = 987654321987
MODULE_LINKS = 4096


@dataclass
class Context:
    """Everything a view knows about its request; available as ``request.state.ctx``."""

    parvis: Parvis
    request: Request
    session: Session
    town: Town
    user: User | None
    actor: Actor
    rules: RuleSet
    locale: str
    form: FormData | None = None
    space: Space | None = None
    module: Module | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Dated phases of the modules read in this request, by module id (``parvis.schedule``).
    schedules: dict[int, Any] = field(default_factory=dict)

    # --- permissions ---------------------------------------------------------------------------

    def decide(
        self, action: str, space: Space | None = None, module: Module | None = None
    ) -> Decision:
        return self.parvis.permissions.decide(self.rules, self.actor, action, space, module)

    def can(self, action: str, space: Space | None = None, module: Module | None = None) -> bool:
        return self.decide(action, space, module).allowed

    def require(
        self, action: str, space: Space | None = None, module: Module | None = None
    ) -> Decision:
        """Stop with 403 (or send an anonymous visitor to log in) unless allowed."""
        decision = self.decide(action, space, module)
        if not decision.allowed:
            if self.user is None:
                raise LoginRequired()
            raise HTTPException(403, decision.reason)
        return decision

    def spaces_where(self, action: str) -> Any:
        """A SQL condition on ``Space`` for the spaces where the actor may do ``action``, to
        filter list pages in the query rather than row by row."""
        return self.parvis.permissions.space_filter(self.rules, self.actor, action, self.town)

    # --- helpers --------------------------------------------------------------------------------

    @property
    def hooks(self) -> Any:
        """The app's hook relay, to call hooks plugins declared with ``parvis_add_hookspecs``."""
        return self.parvis.pm.hook

    def url(self, name: str, /, **params: Any) -> str:
        return self.parvis.url_path(self.request.app, name, params)

    def module_url(
        self, module: Module | ModuleRow, space: Space, route: str = "index", **params: Any
    ) -> str:
        if params:
            return self.url(f"{module.type}:{route}", space=space.slug, module=module.id, **params)
        link = self.parvis.module_links.get((module.type, route, space.slug))
        if link is None:
            link = self.module_link(module.type, space, route)
        return f"{link[0]}{module.id}{link[1]}"

    def module_link(self, kind: str, space: Space, route: str = "index") -> tuple[str, str]:
        """The link to ``route`` of the modules of type ``kind`` in ``space``, split where the
        module's id goes: ``module_url(module, space, route)`` is ``head + str(id) + tail``.

        Lists link hundreds of modules: each (type, route, space) link is reversed once per
        process (routes never change in one), then each module's id put in it."""
        links = self.parvis.module_links
        key = (kind, route, space.slug)
        link = links.get(key)
        if link is None:
            probe = self.url(f"{kind}:{route}", space=space.slug, module=_PROBE_ID)
            head, _sep, tail = probe.partition(f"/{_PROBE_ID}")
            if len(links) >= MODULE_LINKS:
                links.clear()  # bounded: spaces come and go
            link = links[key] = (f"{head}/", tail)
        return link

    def module_urls(
        self, items: Iterable[tuple[Module | ModuleRow, Space]], route: str = "index"
    ) -> dict[int, str]:
        """``module_url(module, space, route)`` of each ``(module, space)``, by module id, in
        one call: no call per module (``ModuleType.summarize`` links hundreds)."""
        links: dict[tuple[str, int], tuple[str, str]] = {}
        found = {}
        for module, space in items:
            key = (module.type, space.id)
            if key in links:
                link = links[key]
            else:
                link = links[key] = self.module_link(module.type, space, route)
            found[module.id] = f"{link[0]}{module.id}{link[1]}"
        return found

    @property
    def module_type(self) -> ModuleType | None:
        return self.parvis.registry.module_types.get(self.module.type) if self.module else None

    def module_phase(self, module: Module | None = None) -> PhaseInfo | None:
        """The deadline and timeline of ``module`` (default: the request's), from the dates
        already loaded (no query)."""
        module = module or self.module
        mtype = self.parvis.registry.module_types.get(module.type) if module else None
        if module is None or mtype is None:
            return None
        info = phase_info(mtype.phases, module.phase, self.schedules.get(module.id, {}))
        open_to_residents = resident_phase(self.parvis.registry.actions, mtype, module.phase)
        return replace(info, open_to_residents=open_to_residents)

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        """``build()``, kept in this process and shared by its requests until the town's
        content changes (any write to it, from any process, bumps its content version): for
        what a hot path reads on every request and staff rarely change, e.g. an election's
        candidates. ``key`` names the value (start it with the plugin's name); ``build`` must
        return plain data, never ORM objects (they belong to one request's session)."""
        return self.parvis.memo(self.session, self.town, key, build)  # type: ignore[no-any-return]

    def plugin_enabled(self, name: str) -> bool:
        return name in self.parvis.core_plugins or (
            name in self.parvis.plugins and self.town.plugin_enabled(name)
        )

    @property
    def enabled_plugins(self) -> list[str]:
        return [p for p in self.parvis.plugins if self.town.plugin_enabled(p)]

    @property
    def base_url(self) -> str:
        """The site's address for links in e-mails.

        The request's own address only when its host is one of the town's; otherwise the town's
        first host, so a forged ``Host`` header can never send a reset link elsewhere.
        """
        if getattr(self.request.state, "trusted_host", False):
            return str(self.request.base_url).rstrip("/")
        return site_url(self.parvis, self.session, self.town.id)

    def sign(self, purpose: str, value: str) -> str:
        """An HMAC of ``value`` with the deployment's secret, distinct per ``purpose`` (e.g. to
        store a hash of an anonymous token without keeping the token)."""
        key = f"{purpose}:{self.parvis.config.secret_key}".encode()
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()

    def audit(self, action: str, target: str = "", **details: Any) -> None:
        """Record an administrative or vote-relevant action by this request's actor, in this
        town, in the request's unit of work (so it is kept only if the change is). ``action``
        must be declared with ``parvis_audit_actions``."""
        audit.check_declared(self.parvis.registry.audit_actions, action)
        audit.record(self.session, self.town.id, self.actor.id, action, target, **details)

    def flash(self, message: str, category: str = "success") -> None:
        self.request.session.setdefault("flash", []).append([category, message])

    def setting(self, plugin: str, key: str) -> Any:
        return self.parvis.setting(self.town, plugin, key)

    @property
    def app(self) -> App:
        """The ``App`` handle (what ``parvis_event`` gets), e.g. for ``notify_followers``."""
        return App(self.parvis)

    @property
    def time_zone(self) -> ZoneInfo:
        """The town's clock (a town setting, Europe/Paris by default): read dates typed by staff
        and "today" in it; ``format_datetime`` already shows times in it."""
        return town_time_zone(self.town)


class LoginRequired(Exception):
    """Raised by ``Context.require`` for anonymous visitors: they are sent to the log-in page."""


def site_url(parvis: Parvis, session: Session, town_id: int) -> str:
    """A town's own address (its first host), for links built outside a request."""
    host = session.scalar(
        select(TownHost.host).where(TownHost.town_id == town_id).order_by(TownHost.host)
    )
    scheme = "https" if parvis.config.https else "http"
    return f"{scheme}://{host or 'localhost'}"


def get_context(request: Request) -> Context:
    # The dict behind ``request.state``, read without its ``State`` wrapper (every hook asks).
    return request.scope["state"]["ctx"]  # type: ignore[no-any-return]
