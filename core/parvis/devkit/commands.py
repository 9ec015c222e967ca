"""``parvis plugin ...``: the plugin authors' commands (no ``parvis.toml`` needed)."""

from __future__ import annotations

from pathlib import Path

import click

from parvis.plugins import PluginError


@click.group("plugin")
def plugin_group() -> None:
    """Make a plugin, its migrations and its catalogs."""


def _run(fn, *args):  # type: ignore[no-untyped-def]
    try:
        return fn(*args)
    except PluginError as exc:
        raise click.ClickException(str(exc)) from exc


@plugin_group.command("new")
@click.argument("name")
@click.option(
    "--dir",
    "parent",
    default=".",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to create the plugin's folder in.",
)
def new_command(name: str, parent: Path) -> None:
    """Create the distribution NAME/ (a plugin whose tests pass at once)."""
    from parvis.devkit.scaffold import new_plugin

    target = _run(new_plugin, name, parent)
    click.echo(f"Plugin '{name}' created in {target}.")
    click.echo(f"Next: pip install -e {target} && pytest {target}")


@plugin_group.command("makemigration")
@click.argument("name")
@click.argument("message")
def makemigration_command(name: str, message: str) -> None:
    """Write the next revision of plugin NAME's migration branch from its models."""
    from parvis.devkit.migrations import make_migration

    path = _run(make_migration, name, message)
    click.echo(f"Wrote {path}. Read it before committing.")


@plugin_group.command("i18n")
@click.argument("step", type=click.Choice(["extract", "update", "compile", "check"]))
@click.argument("name")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="extract: the .pot file to write (default: <domain>.pot here).",
)
def i18n_command(step: str, name: str, output: Path | None) -> None:
    """extract, update, compile or check plugin NAME's French and English catalogs."""
    from parvis.devkit import catalogs, plugin_domain, plugin_package_dir

    package = _run(plugin_package_dir, name)
    domain = plugin_domain(name)
    if step == "extract":
        found = catalogs.extract_plugin(package)
        path = output or Path(f"{domain}.pot")
        catalogs.write_catalog(path, catalogs.template_catalog(found, domain))
        click.echo(f"{len(found)} message(s) extracted to {path}.")
    elif step == "update":
        for locale, (added, removed) in catalogs.update(package, domain).items():
            click.echo(f"{locale}: {added} added, {removed} removed.")
        click.echo("Now translate every empty msgstr of the French catalog, then run check.")
    elif step == "compile":
        try:
            counts = catalogs.compile_all(package, domain)
        except Exception as exc:
            raise click.ClickException(f"A catalog does not compile: {exc}") from exc
        for locale, count in counts.items():
            click.echo(f"{locale}: {count} message(s) translated, compiles.")
    else:
        problems = catalogs.plugin_problems(package, domain)
        if problems:
            click.echo("\n".join(problems), err=True)
            raise click.ClickException(f"the catalogs of '{name}' are not complete.")
        click.echo(f"The catalogs of '{name}' are complete.")
