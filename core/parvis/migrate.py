"""Migrations: one Alembic environment owned by core, one branch per plugin.

Every installed plugin's migrations are known, enabled or not, so disabling a plugin never
strands its tables; ``upgrade heads`` brings every branch up to date.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType as PyModule

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy.engine import Engine

from parvis.plugins import CORE_PLUGINS, installed_plugins

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def import_all_models(extra: dict[str, PyModule] | None = None) -> list[Path]:
    """Import every installed plugin (so its models join the metadata); return their
    migration folders."""
    for module_path in CORE_PLUGINS.values():
        importlib.import_module(module_path)
    folders = []
    modules = [ep.load() for ep in installed_plugins().values()] + list((extra or {}).values())
    for module in modules:
        package_dir = Path(module.__file__ or "").resolve().parent
        models = module.__name__.rpartition(".")[0] + ".models"
        try:
            importlib.import_module(models)
        except ModuleNotFoundError as exc:
            if exc.name != models:
                raise
        if (package_dir / "migrations").is_dir():
            folders.append(package_dir / "migrations")
    return folders


def alembic_config(engine: Engine, extra: dict[str, PyModule] | None = None) -> AlembicConfig:
    folders = import_all_models(extra)
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    locations = [str(MIGRATIONS_DIR / "versions"), *(str(f) for f in folders)]
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def upgrade(engine: Engine, extra: dict[str, PyModule] | None = None) -> None:
    cfg = alembic_config(engine, extra)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")
