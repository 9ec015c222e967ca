"""Finding, loading and checking plugins; the registry of what they contribute."""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType as PyModule
from typing import Any

import pluggy

from parvis import hookspecs
from parvis.contrib import (
    Action,
    AuditAction,
    JobType,
    ModuleType,
    Role,
    Setting,
    SpaceKind,
    VerificationMethod,
)

ENTRY_POINT_GROUP = "parvis"

# Core features are plugins too, registered first and always enabled.
CORE_PLUGINS = {
    "core": "parvis.core_plugin",
    "accounts": "parvis.accounts.plugin",
    "spaces": "parvis.spaces.plugin",
    "admin": "parvis.admin.plugin",
    "verification": "parvis.verification.plugin",
}


class PluginError(RuntimeError):
    """A plugin problem that must stop start-up, with a message a town's admin can act on."""


@dataclass
class PluginInfo:
    name: str
    module: PyModule
    version: str
    core: bool = False

    @property
    def package_dir(self) -> Path | None:
        """The plugin's package folder (None for a module built in memory, e.g. in a test)."""
        file = getattr(self.module, "__file__", None)
        return Path(file).resolve().parent if file else None

    def _dir(self, name: str) -> Path | None:
        if self.package_dir is None:
            return None
        path = self.package_dir / name
        return path if path.is_dir() else None

    @property
    def templates_dir(self) -> Path | None:
        return self._dir("templates")

    @property
    def static_dir(self) -> Path | None:
        return self._dir("static")

    @property
    def locale_dir(self) -> Path | None:
        return self._dir("locale")

    @property
    def migrations_dir(self) -> Path | None:
        return None if self.core else self._dir("migrations")

    @property
    def package(self) -> str:
        return self.module.__name__.rpartition(".")[0] or self.module.__name__

    @property
    def domain(self) -> str:
        """The plugin's Babel translation domain."""
        return "parvis" if self.core else f"parvis_{self.name}"


def installed_plugins() -> dict[str, importlib.metadata.EntryPoint]:
    """Third-party and built-in feature plugins, found through the ``parvis`` entry points."""
    found: dict[str, importlib.metadata.EntryPoint] = {}
    for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep)
    return found


def _version(ep: importlib.metadata.EntryPoint | None) -> str:
    if ep is not None and ep.dist is not None:
        return ep.dist.version
    from parvis import __version__

    return __version__


def load_plugins(
    enabled: Iterable[str] | None, extra: dict[str, PyModule] | None = None
) -> tuple[pluggy.PluginManager, dict[str, PluginInfo]]:
    """A new plugin manager with core, then the enabled plugins, registered and checked."""
    pm = pluggy.PluginManager("parvis")
    pm.add_hookspecs(hookspecs)
    infos: dict[str, PluginInfo] = {}
    for name, module_path in CORE_PLUGINS.items():
        module = importlib.import_module(module_path)
        pm.register(module, name=name)
        infos[name] = PluginInfo(name, module, _version(None), core=True)

    installed = installed_plugins()
    extra = extra or {}
    if enabled is None:
        wanted = list(installed) + [n for n in extra if n not in installed]
    else:
        wanted = list(enabled)
    for name in wanted:
        if name in CORE_PLUGINS:
            raise PluginError(f"'{name}' is a core feature, not a plugin to enable.")
        if name in extra:
            module, version = extra[name], "dev"
        elif name in installed:
            try:
                module = installed[name].load()
            except Exception as exc:
                raise PluginError(
                    f"Plugin '{name}' is installed but failed to import: {exc}"
                ) from exc
            version = _version(installed[name])
        else:
            available = ", ".join(sorted(installed)) or "none"
            raise PluginError(
                f"Plugin '{name}' is enabled in the configuration but not installed "
                f"(installed plugins: {available}). Install it or remove it from 'plugins'."
            )
        pm.register(module, name=name)
        infos[name] = PluginInfo(name, module, version)

    try:
        pm.hook.parvis_add_hookspecs.call_historic(kwargs={"pm": pm})
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        name = pm.get_name(exc.plugin) or "?"
        raise PluginError(
            f"Plugin '{name}' is invalid: {exc}. Check the hook's name in docs/plugin_hooks.md."
        ) from exc
    return pm, infos


def hook_names(pm: pluggy.PluginManager, plugin_name: str) -> list[str]:
    plugin = pm.get_plugin(plugin_name)
    return sorted(impl.name for impl in pm.get_hookcallers(plugin) or [])


def call_each(
    pm: pluggy.PluginManager, hook: str, only: Iterable[str] | None = None, **kwargs: Any
) -> list[tuple[str, Any]]:
    """Call ``hook`` plugin by plugin, so results keep the name of who returned them.

    ``only`` restricts the call to plugins enabled for a town (core always answers).
    """
    allowed = only if only is None or isinstance(only, frozenset) else frozenset(only)
    results: list[tuple[str, Any]] = []
    caller = getattr(pm.hook, hook)
    for impl in caller.get_hookimpls():  # registration order: core first
        name = impl.plugin_name
        if allowed is not None and name not in CORE_PLUGINS and name not in allowed:
            continue
        args = {k: kwargs[k] for k in impl.argnames}
        result = impl.function(**args)
        if result is not None:
            results.append((name, result))
    return results


@dataclass
class Registry:
    """Everything the enabled plugins contributed at build time, keyed and checked."""

    settings: dict[str, dict[str, Setting]] = field(default_factory=dict)
    actions: dict[str, Action] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    space_kinds: dict[str, SpaceKind] = field(default_factory=dict)
    module_types: dict[str, ModuleType] = field(default_factory=dict)
    verification_methods: dict[str, VerificationMethod] = field(default_factory=dict)
    action_owner: dict[str, str] = field(default_factory=dict)
    audit_actions: dict[str, AuditAction] = field(default_factory=dict)
    job_types: dict[str, JobType] = field(default_factory=dict)

    @classmethod
    def build(cls, pm: pluggy.PluginManager) -> Registry:
        reg = cls()
        for plugin, items in call_each(pm, "parvis_settings"):
            reg.settings[plugin] = {s.key: s for s in items}
        for plugin, items in call_each(pm, "parvis_actions"):
            for action in items:
                _check_named(plugin, action.name, "action")
                _add_unique(reg.actions, action.name, action, plugin, "action")
                reg.action_owner[action.name] = plugin
        for plugin, items in call_each(pm, "parvis_audit_actions"):
            for audited in items:
                _check_named(plugin, audited.name, "audit action")
                _add_unique(reg.audit_actions, audited.name, audited, plugin, "audit action")
        for plugin, items in call_each(pm, "parvis_job_types"):
            for job_type in items:
                _check_named(plugin, job_type.name, "job type")
                _add_unique(reg.job_types, job_type.name, job_type, plugin, "job type")
        for plugin, items in call_each(pm, "parvis_roles"):
            for role in items:
                _add_unique(reg.roles, role.key, role, plugin, "role")
        for plugin, items in call_each(pm, "parvis_space_kinds"):
            for kind in items:
                _add_unique(reg.space_kinds, kind.key, kind, plugin, "space kind")
        for plugin, items in call_each(pm, "parvis_module_types"):
            for mtype in items:
                owned = ModuleType(**{**mtype.__dict__, "plugin": plugin})
                _add_unique(reg.module_types, mtype.key, owned, plugin, "module type")
        for plugin, items in call_each(pm, "parvis_verification_methods"):
            for method in items:
                owned_method = VerificationMethod(**{**method.__dict__, "plugin": plugin})
                _add_unique(
                    reg.verification_methods,
                    method.key,
                    owned_method,
                    plugin,
                    "verification method",
                )
        return reg

    def module_types_for(self, enabled: Iterable[str]) -> list[ModuleType]:
        allowed = set(enabled)
        return sorted(
            (
                m
                for m in self.module_types.values()
                if m.plugin in allowed or m.plugin in CORE_PLUGINS
            ),
            key=lambda m: (m.order, m.key),
        )


def check_route_namespaces(pm: pluggy.PluginManager, registry: Registry) -> None:
    """Module type keys and plugin names name routes in one namespace (``<key>:<route>``,
    ``<plugin>:<route>``): a clash would let one silently shadow the other's ``url()``."""
    plugins = {name for name, _ in pm.list_name_plugin()}
    with_routes = {name for name, routes in call_each(pm, "parvis_routes") if routes}
    for key, mtype in registry.module_types.items():
        owner = mtype.plugin
        if key in CORE_PLUGINS or (key in plugins and (key != owner or key in with_routes)):
            clash = "core feature" if key in CORE_PLUGINS else "plugin"
            raise PluginError(
                f"Plugin '{owner}' declares module type '{key}', the name of the {clash} '{key}'"
                f"{' and its site routes' if key in with_routes else ''}: both would name "
                f"routes '{key}:...', so url('{key}:...') could find the wrong page. Rename the "
                "module type key (module type keys and plugin names share one namespace)."
            )


def _check_named(plugin: str, name: str, what: str) -> None:
    """A plugin's actions, audit actions and job types are named ``<plugin>.<verb>``."""
    if name.partition(".")[0] != plugin and plugin not in CORE_PLUGINS:
        raise PluginError(
            f"Plugin '{plugin}' declares {what} '{name}': its {what}s must be named "
            f"'{plugin}.<verb>'."
        )


def _add_unique(target: dict[str, Any], key: str, value: Any, plugin: str, what: str) -> None:
    if key in target:
        raise PluginError(f"Plugin '{plugin}' declares {what} '{key}', which is already declared.")
    target[key] = value
