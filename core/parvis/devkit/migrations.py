"""``parvis plugin makemigration NAME "message"``: the next revision of a plugin's branch.

On a scratch SQLite database, every installed branch (core and plugins) is upgraded to its head;
Alembic's autogenerate then writes what the plugin's models add, and only that.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from parvis.db import Base, make_engine
from parvis.devkit import plugin_package_dir
from parvis.migrate import alembic_config
from parvis.plugins import PluginError

# Alembic's version table holds ids of at most 32 characters.
MAX_REVISION = 32


def _slug(message: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40] or "change"


def _owned(name: str) -> Any:
    """Autogenerate sees only the plugin's own tables (``<name>_...``)."""

    def include(obj: Any, obj_name: str | None, type_: str, reflected: bool, compare_to: Any):
        table = obj if type_ == "table" else getattr(obj, "table", None)
        table_name = getattr(table, "name", obj_name) or ""
        return table_name.startswith(f"{name}_")

    return include


def _core_base(cfg: Any) -> str:
    script = ScriptDirectory.from_config(cfg)
    return next(r.revision for r in script.get_revisions("core@base"))


def make_migration(name: str, message: str) -> Path:
    """Write the plugin's next revision; return its file. Refuses when nothing changed."""
    versions = plugin_package_dir(name) / "migrations"
    versions.mkdir(exist_ok=True)
    numbers = [int(p.name[:4]) for p in versions.glob("[0-9][0-9][0-9][0-9]_*.py")]
    number = max(numbers, default=0) + 1
    rev_id = f"{number:04d}_{name}"[:MAX_REVISION]
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{scratch}/scratch.db")
        cfg = alembic_config(engine)
        cfg.attributes["include_object"] = _owned(name)
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "heads")
            context = MigrationContext.configure(
                connection, opts={"include_object": _owned(name), "compare_type": True}
            )
            if not compare_metadata(context, Base.metadata):
                raise PluginError(
                    f"The models of plugin '{name}' match its migrations: nothing to migrate."
                )
            first = not numbers
            script = command.revision(
                cfg,
                message=message,
                autogenerate=True,
                rev_id=rev_id,
                head="base" if first else f"{name}@head",
                branch_label=name if first else None,
                depends_on=_core_base(cfg) if first else None,
                version_path=str(versions),
            )
        engine.dispose()
    assert script is not None and not isinstance(script, list)
    path = Path(script.path)
    target = versions / f"{rev_id}_{_slug(message)}.py"
    if path != target:
        path.rename(target)
    return target
