"""Start-up refuses a module type key that names another plugin (or core) and would shadow its
routes: before, ``url('<name>:...')`` silently returned the other plugin's path."""

from __future__ import annotations

import types

import pytest
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from parvis.app import create_app
from parvis.config import Config
from parvis.contrib import ModuleType, Phase
from parvis.hookspecs import hookimpl
from parvis.plugins import PluginError


def _page(request):  # never served: start-up stops before
    return PlainTextResponse("")


def _with_module_type(key: str) -> types.ModuleType:
    @hookimpl
    def parvis_module_types():
        return [
            ModuleType(key, "Board", [Phase("open", "Open")], [Route("/", _page, name="index")])
        ]

    module = types.ModuleType(f"boards_{key}")
    module.parvis_module_types = parvis_module_types
    return module


def _with_routes() -> types.ModuleType:
    @hookimpl
    def parvis_routes():
        return [Route("/about", _page, name="index")]

    module = types.ModuleType("notes_plugin")
    module.parvis_routes = parvis_routes
    return module


def _config(parvis_config: Config, plugins: list[str]) -> Config:
    return Config(**{**parvis_config.__dict__, "plugins": plugins})


def test_module_type_named_after_another_plugin_stops_start_up(parvis_config):
    extra = {"boards": _with_module_type("notes"), "notes": _with_routes()}
    with pytest.raises(PluginError) as caught:
        create_app(_config(parvis_config, ["boards", "notes"]), extra_plugins=extra)
    message = str(caught.value)
    assert "Plugin 'boards' declares module type 'notes'" in message
    assert "the plugin 'notes'" in message and "Rename the module type key" in message


def test_module_type_named_after_core_stops_start_up(parvis_config):
    with pytest.raises(PluginError, match="the core feature 'accounts'"):
        create_app(
            _config(parvis_config, ["boards"]),
            extra_plugins={"boards": _with_module_type("accounts")},
        )


def test_module_type_named_after_its_own_plugin_with_site_routes_stops_start_up(parvis_config):
    own = _with_module_type("boards")
    own.parvis_routes = _with_routes().parvis_routes
    with pytest.raises(PluginError, match="and its site routes"):
        create_app(_config(parvis_config, ["boards"]), extra_plugins={"boards": own})


def test_module_type_named_after_its_own_plugin_without_site_routes_is_fine(parvis_config):
    app = create_app(
        _config(parvis_config, ["boards"]), extra_plugins={"boards": _with_module_type("boards")}
    )
    assert "boards" in app.state.parvis.registry.module_types
    app.state.parvis.db.dispose()
