"""The ``parvis`` command: database, towns, demo data, serving, the job worker, plugins."""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click
from sqlalchemy import select

from parvis.config import Config
from parvis.devkit.commands import plugin_group
from parvis.plugins import PluginError

if TYPE_CHECKING:
    from parvis.app import Parvis
    from parvis.plugin_app import App


def _parvis(ctx: click.Context):
    from parvis.app import Parvis

    if "parvis" not in ctx.obj:
        try:
            ctx.obj["parvis"] = Parvis(ctx.obj["config"])
        except PluginError as exc:
            raise click.ClickException(str(exc)) from exc
    return ctx.obj["parvis"]


def app_for_command(ctx: click.Context) -> App:
    """For plugins' commands: the app (database, settings, hooks) of this invocation."""
    from parvis.plugin_app import App

    return App(_parvis(ctx.find_root()))


class ParvisGroup(click.Group):
    """Adds the commands plugins contribute through ``parvis_commands``."""

    def _plugin_commands(self) -> None:
        if getattr(self, "_loaded", False):
            return
        self._loaded = True
        from parvis.plugins import load_plugins

        try:
            pm, _ = load_plugins(Config.load().plugins)
        except (PluginError, ValueError):
            return  # reported by the command that needs the plugins
        pm.hook.parvis_commands(cli=self)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._plugin_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None:
            self._plugin_commands()
            command = super().get_command(ctx, name)
        return command


@click.group(cls=ParvisGroup)
@click.option(
    "--config",
    "config_path",
    envvar="PARVIS_CONFIG",
    default="parvis.toml",
    help="Path to parvis.toml.",
)
@click.pass_context
def main(ctx: click.Context, config_path: str) -> None:
    """Parvis: civic participation platform."""
    ctx.ensure_object(dict)
    if ctx.invoked_subcommand == "plugin":
        return  # authors' tools: no deployment configuration (nor instance/ folder) needed
    try:
        ctx.obj["config"] = Config.load(config_path)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc


main.add_command(plugin_group)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create or upgrade the database schema (every plugin branch)."""
    from parvis import migrate
    from parvis.db import make_engine

    config: Config = ctx.obj["config"]
    _ensure_sqlite_folder(config.database_url)
    engine = make_engine(config.database_url)
    migrate.upgrade(engine)
    engine.dispose()
    click.echo("Database is up to date.")


def _ensure_sqlite_folder(url: str) -> None:
    from pathlib import Path

    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)


@main.command("create-town")
@click.option("--name", required=True)
@click.option("--slug", required=True)
@click.option("--host", "hosts", multiple=True, help="Host name(s) the town answers on.")
@click.option("--admin-email", required=True)
@click.option("--admin-password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--locale", default="fr", type=click.Choice(["fr", "en"]))
@click.pass_context
def create_town_command(
    ctx: click.Context,
    name: str,
    slug: str,
    hosts: tuple[str, ...],
    admin_email: str,
    admin_password: str,
    locale: str,
) -> None:
    """Create a town and its first administrator."""
    from parvis.towns import create_town

    parvis = _parvis(ctx)
    with parvis.db.session() as session:
        town = create_town(
            session,
            name=name,
            slug=slug,
            hosts=list(hosts),
            plugins=parvis.plugins,
            admin_email=admin_email,
            admin_password=admin_password,
            locale=locale,
        )
        click.echo(f"Town '{town.name}' created (id {town.id}).")


@main.command()
@click.option("--force", is_flag=True, help="Load even if the database already has a town.")
@click.pass_context
def demo(ctx: click.Context, force: bool) -> None:
    """Load the demo town (a town of about 50,000 with 8 neighbourhoods)."""
    from parvis.demo import load_demo
    from parvis.models import Town

    parvis = _parvis(ctx)
    with parvis.db.session() as session:
        if not force and session.scalar(select(Town.id).limit(1)) is not None:
            click.echo("The database already has a town: demo not loaded (use --force).")
            return
        load_demo(parvis, session)
    click.echo("Demo town loaded. Log in as admin@demo.parvis.local / demo-admin-password.")


@main.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def backup_command(ctx: click.Context, target: Path) -> None:
    """Copy the whole database (uploads included) to TARGET, while the site keeps running."""
    from parvis import backup

    started = time.monotonic()
    try:
        backup.backup(ctx.obj["config"].database_url, target)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    size = target.stat().st_size / 1e6
    click.echo(f"Backup written to {target} ({size:.1f} MB, {time.monotonic() - started:.1f} s).")


@main.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def restore_command(ctx: click.Context, source: Path, yes: bool) -> None:
    """Replace the whole database by the backup in SOURCE (stop the site and workers first)."""
    from parvis import backup

    if not yes:
        click.confirm(
            "Everything in the database will be replaced by the backup. Go on?", abort=True
        )
    started = time.monotonic()
    try:
        backup.restore(ctx.obj["config"].database_url, source)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Database restored from {source} ({time.monotonic() - started:.1f} s).")


@main.command()
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=8000, type=int)
@click.option("--workers", default=1, type=int)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int) -> None:
    """Serve the site with uvicorn (mail is processed in-process when there is one worker)."""
    import os

    import uvicorn

    config: Config = ctx.obj["config"]
    if workers == 1 and config.mail_backend == "console":
        os.environ.setdefault("PARVIS_INLINE_WORKER", "1")
        config = dataclasses.replace(config, inline_worker=True)  # as each process loads it
    parvis = _parvis(ctx)  # fail early with a clear message if a plugin is missing
    _check_pools(parvis, config, workers)
    uvicorn.run(
        "parvis.app:asgi_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        access_log=config.access_log,
    )


def _check_pools(parvis: Parvis, config: Config, workers: int) -> None:
    """Warn, or refuse with ``strict_connections``, when the workers' pools may open more
    connections than the PostgreSQL server accepts (``pool_check.py``)."""
    from sqlalchemy.exc import SQLAlchemyError

    from parvis.pool_check import pool_problem, server_connections

    try:
        server = server_connections(parvis.db.engine)
    except SQLAlchemyError as exc:
        # Advice only: a database not up yet (a machine booting) must not keep the app down.
        problem = f"could not ask the PostgreSQL server its connections ({exc})"
    else:
        problem = pool_problem(server, workers, config.database_connections())
    finally:
        parvis.db.dispose()  # the processes uvicorn starts open their own
    if problem is None:
        return
    if config.strict_connections:
        raise click.ClickException(f"{problem} (refused: strict_connections is set)")
    click.echo(f"Warning: {problem}", err=True)


@main.command()
@click.option("--once", is_flag=True, help="Run what is due, then stop.")
@click.option("--interval", default=2.0, help="Seconds between rounds.")
@click.pass_context
def worker(ctx: click.Context, once: bool, interval: float) -> None:
    """Run queued jobs: e-mail, and the plugins' jobs such as counts (several workers may run
    at once); once an hour, delete the uploads nothing uses any more and old finished jobs."""
    from parvis.jobs import purge_done, run_pending
    from parvis.uploads import purge_orphans

    parvis = _parvis(ctx)
    purged_at = 0.0
    while True:
        done = run_pending(parvis, limit=50)
        if time.monotonic() - purged_at > 3600 or once:
            with parvis.db.session() as session:
                purged = purge_orphans(session)
                purge_done(session)
            purged_at = time.monotonic()
        if once:
            click.echo(f"{done} job(s) done, {purged} unused upload(s) deleted.")
            return
        if not done:
            time.sleep(interval)


@main.group()
def jobs() -> None:
    """The background job queue (e-mail, counts, ...)."""


@jobs.command("run")
@click.option("--name", "names", multiple=True, help="Only jobs of this type (repeatable).")
@click.pass_context
def jobs_run(ctx: click.Context, names: tuple[str, ...]) -> None:
    """Run every due job once, then stop (tests, cron)."""
    from parvis.jobs import run_pending

    parvis = _parvis(ctx)
    unknown = sorted(set(names) - set(parvis.registry.job_types))
    if unknown:
        known = ", ".join(sorted(parvis.registry.job_types))
        raise click.ClickException(f"Unknown job type {', '.join(unknown)} (known: {known}).")
    done = run_pending(parvis, names=names or None)
    click.echo(f"{done} job(s) done.")


@jobs.command("list")
@click.option("--status", type=click.Choice(["pending", "running", "done", "failed"]))
@click.pass_context
def jobs_list(ctx: click.Context, status: str | None) -> None:
    """The latest 100 jobs, newest first, with their last error."""
    from parvis.jobs import listing

    with _parvis(ctx).db.session(write=False) as session:
        for job in listing(session, status):
            error = f"  {job.last_error.splitlines()[0][:120]}" if job.last_error else ""
            click.echo(
                f"{job.id:>6} {job.status:<8} {job.name:<28} attempts {job.attempts}"
                f"  town {job.town_id or '-'}  due {job.run_after:%Y-%m-%d %H:%M}{error}"
            )


@main.command()
@click.pass_context
def plugins(ctx: click.Context) -> None:
    """List installed plugins with their version, state and hooks."""
    from parvis.plugins import hook_names, installed_plugins

    parvis = _parvis(ctx)
    installed = installed_plugins()
    for name in sorted(set(installed) | set(parvis.plugins)):
        info = parvis.infos.get(name)
        state = "enabled" if info else "installed, disabled"
        version = (
            info.version
            if info
            else (installed[name].dist.version if installed[name].dist else "?")
        )
        hooks = ", ".join(hook_names(parvis.pm, name)) if info else "-"
        click.echo(f"{name} {version} [{state}]\n    hooks: {hooks}")
