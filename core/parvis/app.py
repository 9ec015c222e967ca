"""The application factory: one plugin manager, registry and database per app."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator, Callable, Hashable
from pathlib import Path
from types import ModuleType as PyModule
from typing import Any

import anyio.to_thread
import jinja2
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, NoMatchFound, Router
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from parvis import __version__, events, httpcache, i18n, jobs, rendermemo, templating, versions
from parvis.config import Config
from parvis.db import Base, Database
from parvis.fastpath import SESSION_COOKIE, CachedPages
from parvis.middleware import CSRFMiddleware, SecurityHeadersMiddleware
from parvis.models import Town
from parvis.permissions import Permissions, RuleSet
from parvis.plugin_app import App
from parvis.plugins import (
    CORE_PLUGINS,
    PluginError,
    PluginInfo,
    Registry,
    call_each,
    check_route_namespaces,
    load_plugins,
)
from parvis.routes import Gate, Routes
from parvis.signed_session import SessionMiddleware
from parvis.streams import ExportSlots
from parvis.towns import AreaRow, area_rows
from parvis.view_threads import ViewThreads

logger = logging.getLogger("parvis")

THEMES_DIR = Path(__file__).resolve().parents[2] / "themes"
# Values ``Parvis.memo`` keeps per town and content version.
MEMO_ENTRIES = 4096
# Paths ``Parvis.url_path`` keeps.
URL_PATHS = 4096
_MISSING = object()  # a memo's value may be None


class Parvis:
    """Everything an app instance holds: config, database, plugins and what they contributed."""

    def __init__(self, config: Config, extra_plugins: dict[str, PyModule] | None = None) -> None:
        self.config = config
        self.pm, self.infos = load_plugins(config.plugins, extra_plugins)
        self.core_plugins = [n for n in self.infos if n in CORE_PLUGINS]
        self.plugins = [n for n in self.infos if n not in CORE_PLUGINS]
        self.registry = Registry.build(self.pm)
        check_route_namespaces(self.pm, self.registry)
        self.permissions = Permissions(
            self.registry.actions, self.registry.module_types, self.registry.roles
        )
        check_table_prefixes(self.infos)
        self.db = Database(config.database_url, config.database_connections())
        self.view_threads = ViewThreads(config.read_threads)
        self.export_slots = ExportSlots(config.export_streams)
        db = self.db
        for factory in (db.sessionmaker, db.write_sessionmaker, db.autocommit_sessionmaker):
            events.install(factory, self.fire)
            versions.install(factory)
            # ``enqueue_job`` refuses a name no plugin declared (no worker would run it).
            factory.configure(info={jobs.DECLARED_KEY: frozenset(self.registry.job_types)})
        self.catalogs = i18n.Catalogs(
            [(info.domain, info.locale_dir) for info in self._core_first()]
        )
        self.config_serves_unknown_hosts = True
        self._envs: dict[tuple[str, str | None], jinja2.Environment] = {}
        self._route_for_name: dict[str, BaseRoute] = {}
        self._paths: dict[Any, str] = {}  # by name, or (name, *params.items())
        self.themes_dir = THEMES_DIR
        self.build_id = httpcache.build_id(__version__, self.infos)
        self.page_cache = httpcache.PageCache(config.page_cache_mb * 1024 * 1024)
        self.fragment_cache = httpcache.PageCache(config.fragment_cache_mb * 1024 * 1024)
        self.render_memo = rendermemo.RenderMemo(config.render_memo_mb * 1024 * 1024)
        # Only core's accounts tell who a visitor is (from the session): a request without a
        # session is then anonymous before any query (``httpcache.fast_lookup``).
        self.sessionless_actor_only = all(
            impl.plugin_name in CORE_PLUGINS
            for impl in self.pm.hook.parvis_actor_from_request.get_hookimpls()
        )
        self._rules: dict[int, tuple[int, RuleSet]] = {}
        self._areas: dict[int, tuple[int, tuple[AreaRow, ...]]] = {}
        # (module type, route, space slug) -> a module link around its id (``Context.module_url``).
        self.module_links: dict[tuple[str, str, str], tuple[str, str]] = {}
        # Core's menu entries by language: their labels and links never change in a process.
        self.core_menu: dict[str, tuple[Any, ...]] = {}
        # Host -> the columns of its town, checked by each request (``town_by_host.resolve_town``).
        self.towns: dict[str, dict[str, Any]] = {}
        self._memos: dict[int, tuple[int, dict[Hashable, Any]]] = {}

    def url_path(self, app: Starlette, name: str, params: dict[str, Any]) -> str:
        """``app.url_path_for`` without trying every route each time: pages build hundreds of
        URLs, and Starlette finds a name by raising ``NoMatchFound`` route after route. A path
        whose parameters are all text (the layout's links, a space's) is kept: routes never
        change in a process."""
        key: Any
        if not params:  # the layout's links: the name alone is the key
            kept, key = True, name
            path = self._paths.get(key)
            if path is not None:
                return path
        else:
            kept = True
            for value in params.values():  # a loop, not ``all()`` of a generator: 2 calls fewer
                if type(value) is not str:
                    kept = False
                    break
            if kept:
                key = (name, *params.items())
                path = self._paths.get(key)
                if path is not None:
                    return path
        route = self._route_for_name.get(name)
        if route is None:
            for candidate in app.router.routes:
                try:
                    candidate.url_path_for(name, **params)
                except NoMatchFound:
                    continue
                route = self._route_for_name[name] = candidate
                break
            else:
                raise NoMatchFound(name, params)
        path = str(route.url_path_for(name, **params))
        if kept:
            if len(self._paths) >= URL_PATHS:
                self._paths.clear()  # bounded: spaces' slugs come and go
            self._paths[key] = path
        return path

    def rules_of(self, session: Session, town: Town) -> RuleSet:
        """The town's permission rules, read once per process until its ``setup_version``
        changes (every write to them bumps it, in the database: see ``versions.py``)."""
        cached = self._rules.get(town.id)
        if cached is not None and cached[0] == town.setup_version:
            return cached[1]
        rules = RuleSet.load(session, town.id)
        self._rules[town.id] = (town.setup_version, rules)
        return rules

    def areas_of(self, session: Session, town: Town) -> tuple[AreaRow, ...]:
        """The town's neighbourhoods (``towns.area_rows``), read once per process until its
        ``setup_version`` changes: like its rules, they are the town's setup, which staff
        seldom change (every write to ``areas`` bumps it: ``versions.SETUP_TABLES``). A unit
        of work that wrote keeps nothing (what it read may yet be rolled back), as ``memo``."""
        if versions.wrote(session):
            return area_rows(session, town.id)
        cached = self._areas.get(town.id)
        if cached is not None and cached[0] == town.setup_version:
            return cached[1]
        areas = area_rows(session, town.id)
        self._areas[town.id] = (town.setup_version, areas)
        return areas

    def memo(self, session: Session, town: Town, key: Hashable, build: Callable[[], Any]) -> Any:
        """``build()``, kept in this process until the town's ``content_version`` changes
        (``Context.memo``). A version read by a request predates what its later statements
        read, so a value is never older than the version it is kept under; a unit of work that
        wrote keeps nothing (what it read may yet be rolled back)."""
        if versions.wrote(session):
            return build()
        version = town.content_version
        kept = self._memos.get(town.id)
        if kept is None or kept[0] != version:
            kept = self._memos[town.id] = (version, {})
        values = kept[1]
        # One look-up: another thread may empty ``values`` between a test and a read.
        found = values.get(key, _MISSING)
        if found is not _MISSING:
            return found
        if len(values) >= MEMO_ENTRIES:
            values.clear()  # bounded: a town rarely needs this many between two writes
        value = build()
        if not versions.wrote(session):
            values[key] = value
        return value

    def _core_first(self) -> list[PluginInfo]:
        return [i for i in self.infos.values() if i.core] + [
            i for i in self.infos.values() if not i.core
        ]

    def theme_dir(self, theme: str) -> Path | None:
        path = self.themes_dir / theme
        return path if theme != "default" and path.is_dir() else None

    def jinja_env(self, theme: str) -> jinja2.Environment:
        """One environment per theme and active language, built on first use and kept
        (templates are cached): its templates hold their literal strings already translated
        (``templating._OneLanguage``). Without this app's catalogs active, templates translate
        as they render."""
        locale = i18n.get_locale() if i18n.active_catalogs() is self.catalogs else None
        key = (theme, locale)
        env = self._envs.get(key)
        if env is None:
            theme_dir = self.theme_dir(theme)
            sources = [
                (info.name, info.templates_dir)
                for info in reversed(self._core_first())
                if info.templates_dir is not None
            ]
            catalogs = self.catalogs
            env = templating.make_environment(
                theme_dir / "templates" if theme_dir else None,
                sources,
                {
                    "theme": theme,
                    "supported_locales": i18n.SUPPORTED_LOCALES,
                    "language_names": i18n.LANGUAGE_NAMES,
                },
                {info.name: info.domain for info in self.infos.values()},
                None
                if locale is None
                else lambda message, domain: catalogs.for_domain(domain, locale).gettext(message),
            )
            self.pm.hook.parvis_jinja_env(env=env)
            self._envs[key] = env
        return env

    def available_themes(self) -> list[str]:
        found = (
            sorted(
                p.name
                for p in self.themes_dir.iterdir()
                if (p / "templates").is_dir() or (p / "static").is_dir()
            )
            if self.themes_dir.is_dir()
            else []
        )
        return ["default", *[t for t in found if t != "default"]]

    def setting(self, town: Town, plugin: str, key: str) -> Any:
        """A plugin setting: the town's value, else the deployment's, else the default."""
        spec = self.registry.settings.get(plugin, {}).get(key)
        if spec is None:
            raise KeyError(f"{plugin} declares no setting '{key}'")
        town_value = (town.settings or {}).get(plugin, {}).get(key)
        if town_value is not None:
            return spec.clamp(town_value)
        deployment = self.config.plugin_settings.get(plugin, {}).get(key)
        return spec.clamp(deployment) if deployment is not None else spec.default

    def fire(self, events: list[Any]) -> None:
        """Deliver committed events; a failing handler is logged, never shown to the user
        (their data is already saved) and never stops the other handlers."""
        handle = App(self)
        for event in events:
            for impl in self.pm.hook.parvis_event.get_hookimpls():
                try:
                    impl.function(event=event, app=handle)
                except Exception:
                    logger.exception("Event handler %s failed on %s", impl.plugin_name, event.name)


def check_table_prefixes(infos: dict[str, PluginInfo], registry: Any = None) -> None:
    """A plugin's tables must be named ``<plugin>_...`` so plugins never collide."""
    packages = {info.package: name for name, info in infos.items() if not info.core}
    for mapper in (registry or Base.registry).mappers:
        module = mapper.class_.__module__
        owner = next((n for pkg, n in packages.items() if module.startswith(pkg + ".")), None)
        table = getattr(mapper.local_table, "name", "")
        if owner and not table.startswith(owner + "_"):
            raise PluginError(
                f"Plugin '{owner}' defines table '{table}': its tables must start with '{owner}_'."
            )


def build_routes(parvis: Parvis) -> list[BaseRoute]:
    routes: list[BaseRoute] = []
    for name, info in parvis.infos.items():
        if info.static_dir is not None:
            routes.append(
                Mount(
                    f"/static/{name}", StaticFiles(directory=info.static_dir), name=f"static-{name}"
                )
            )
    for theme in parvis.available_themes():
        theme_dir = parvis.theme_dir(theme)
        if theme_dir and (theme_dir / "static").is_dir():
            routes.append(
                Mount(
                    f"/static/theme/{theme}",
                    StaticFiles(directory=theme_dir / "static"),
                    name=f"static-theme-{theme}",
                )
            )
    for mtype in parvis.registry.module_types.values():
        gate = Gate(Router(list(mtype.routes)), mtype.plugin, mtype.key)
        routes.append(Mount(f"/s/{{space}}/{mtype.key}/{{module:int}}", app=gate, name=mtype.key))
    for plugin, plugin_routes in call_each(parvis.pm, "parvis_routes"):
        if plugin in CORE_PLUGINS:
            routes.extend(plugin_routes)
        else:
            gate = Gate(Router(list(plugin_routes)), plugin)
            routes.append(Mount(f"/p/{plugin}", app=gate, name=plugin))
    return routes


_FROZEN = False


def freeze_start_up_objects() -> None:
    """Move what is alive once the app has started (modules, routes, compiled statements,
    plugins) out of the garbage collector's generations, once per process: it lives as long as
    the process, and each collection then walks only what requests allocated. Under 16
    concurrent requests the collector took 15-26 % of a worker's CPU on the 200-module space
    page, half that once frozen (``docs/performance.md``)."""
    global _FROZEN
    if not _FROZEN:
        _FROZEN = True
        gc.collect()
        gc.freeze()


def create_app(
    config: Config | None = None, *, extra_plugins: dict[str, PyModule] | None = None
) -> Starlette:
    """Build a Parvis ASGI app. ``extra_plugins`` registers modules directly (tests, examples)."""
    config = config or Config.load()
    parvis = Parvis(config, extra_plugins)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Writing views (and the rest of the thread pool's work: error pages of other methods,
        # uploads, streamed bodies); reading views have slots of their own (``view_threads.py``).
        anyio.to_thread.current_default_thread_limiter().total_tokens = config.threads
        freeze_start_up_objects()
        worker = None
        if config.inline_worker:
            from parvis.jobs import run_worker_async

            worker = asyncio.create_task(run_worker_async(parvis))
        try:
            yield
        finally:
            if worker is not None:
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            parvis.db.dispose()

    middleware = [
        Middleware(SecurityHeadersMiddleware, https=config.https),
        Middleware(CachedPages, parvis=parvis),  # before the session: see fastpath.py
        Middleware(
            SessionMiddleware,
            secret_key=config.secret_key,
            # The name ``CachedPages`` looks for: a visitor sending it never gets a kept page.
            session_cookie=SESSION_COOKIE,
            same_site="lax",
            https_only=config.https,
            max_age=14 * 24 * 3600,
        ),
        Middleware(CSRFMiddleware, secret_key=config.secret_key),
    ]
    from parvis.errors import exception_handlers

    app = Starlette(
        routes=build_routes(parvis),
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers=exception_handlers(),
    )
    app.router = Routes(app.router.routes, lifespan=lifespan)
    app.state.parvis = parvis
    return app


def asgi_app() -> ASGIApp:
    """Entry for ``uvicorn --factory parvis.app:asgi_app``."""
    return create_app()
