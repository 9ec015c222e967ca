"""``parvis volunteering ...`` commands."""

from __future__ import annotations

import click

from parvis.api import app_for_command


@click.group("volunteering")
def group() -> None:
    """Volunteering: reminders."""


@group.command("send-reminders")
@click.pass_context
def send_reminders_command(ctx: click.Context) -> None:
    """Queue the due reminders (safe to run every 15 minutes from cron; never sends one twice)."""
    from . import reminders

    parvis = app_for_command(ctx)
    counts = reminders.send(parvis)
    click.echo(
        f"{counts.day_before} day-before reminder(s), {counts.nudges} nudge(s) about pending "
        f"applications, {counts.attendance} request(s) to confirm who came."
    )
