"""Tools for plugin authors behind ``parvis plugin ...``: scaffold, migrations, catalogs.

Development commands, not run by the app; they work on any installed plugin, third-party or not.
"""

from __future__ import annotations

from pathlib import Path

from parvis.plugins import CORE_PLUGINS, PluginError, installed_plugins


def plugin_package_dir(name: str) -> Path:
    """The source folder of the installed plugin ``name`` (found through its entry point)."""
    if name in CORE_PLUGINS:
        raise PluginError(f"'{name}' is a core feature, not a plugin.")
    installed = installed_plugins()
    if name not in installed:
        available = ", ".join(sorted(installed)) or "none"
        raise PluginError(
            f"No installed plugin is named '{name}' (installed plugins: {available}). "
            "Install it first, e.g. `pip install -e <its folder>`."
        )
    try:
        module = installed[name].load()
    except Exception as exc:
        raise PluginError(f"Plugin '{name}' is installed but failed to import: {exc}") from exc
    return Path(module.__file__ or "").resolve().parent


def plugin_domain(name: str) -> str:
    """A plugin's Babel domain (``PluginInfo.domain``)."""
    return f"parvis_{name}"
