"""A test town run the other ways a deployment runs it: a ``parvis ...`` command, a second
worker process's app."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields

from click.testing import CliRunner, Result

from parvis.app import create_app
from parvis.cli import main
from parvis.testing.helpers import TestTown


def run_command(town: TestTown, *args: str, input: str | None = None) -> Result:
    """Run ``parvis ARGS`` in this process with the configuration of ``town``'s app (its
    database, secret key, plugins, settings); ``input`` is typed on standard input. The result
    has ``exit_code`` and ``output``; a ``parvis.toml`` in the working folder is not read."""
    config = town.parvis.config
    env = {"PARVIS_CONFIG": "/nonexistent/parvis.toml"}
    for item in fields(config):
        value = getattr(config, item.name)
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, list):
            value = ",".join(value)
        elif isinstance(value, dict):
            value = json.dumps(value)
        env[f"PARVIS_{item.name.upper()}"] = str(value)
    return CliRunner().invoke(main, list(args), input=input, env=env)


@contextmanager
def second_worker(town: TestTown) -> Iterator[TestTown]:
    """The same town served by another app on the same database and configuration, as a second
    worker process would: what one app keeps per process (``ctx.memo``, the page cache) the
    other does not see. ``with second_worker(town) as other: other.client()...``."""
    app = create_app(town.parvis.config)
    try:
        yield TestTown(app, town.town_id, town.host, town.admin_email, town.admin_password)
    finally:
        app.state.parvis.db.dispose()
