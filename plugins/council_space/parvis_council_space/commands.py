"""``parvis council-space ...`` commands."""

from __future__ import annotations

import click

from ._core import cli_parvis


@click.group("council-space")
def group() -> None:
    """Council spaces: counts, digests, Pabulib files."""


@group.command("count-pending")
@click.pass_context
def count_pending_command(ctx: click.Context) -> None:
    """Run the counts staff asked for (the web process also runs them in the background)."""
    from . import services

    parvis = cli_parvis(ctx)
    done = services.count_pending(parvis.db)
    click.echo(f"{done} count(s) run.")


@group.command("send-digests")
@click.pass_context
def send_digests_command(ctx: click.Context) -> None:
    """Queue one digest e-mail per follower of council spaces (run it daily from cron)."""
    from . import digest

    parvis = cli_parvis(ctx)
    queued = digest.send(parvis)
    click.echo(f"{queued} digest(s) queued; `parvis worker` sends them.")
