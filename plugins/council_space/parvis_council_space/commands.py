"""``parvis council-space ...`` commands."""

from __future__ import annotations

import click

from parvis.api import app_for_command, run_jobs


@click.group("council-space")
def group() -> None:
    """Council spaces: counts, digests, Pabulib files."""


@group.command("count-pending")
@click.pass_context
def count_pending_command(ctx: click.Context) -> None:
    """Run the counts staff asked for now (``parvis worker`` runs them too, as they come)."""
    from .count_jobs import JOB

    done = run_jobs(app_for_command(ctx), names=[JOB])
    click.echo(f"{done} count(s) run.")


@group.command("send-digests")
@click.pass_context
def send_digests_command(ctx: click.Context) -> None:
    """Queue one digest e-mail per follower of council spaces (run it daily from cron)."""
    from . import digest

    parvis = app_for_command(ctx)
    queued = digest.send(parvis)
    click.echo(f"{queued} digest(s) queued; `parvis worker` sends them.")


@group.command("count")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--rule",
    type=click.Choice(["greedy", "mes", "mes_add1"]),
    default=None,
    help="Counting rule (default: the file's own rule, else mes_add1).",
)
@click.option("--completion", is_flag=True, help="Equal shares: complete greedily.")
def count_command(path: str, rule: str | None, completion: bool) -> None:
    """Count a Pabulib .pb file and print the winners (no database needed)."""
    from pathlib import Path

    from . import pb

    try:
        election, result = pb.count_file(
            Path(path).read_text(encoding="utf-8-sig"), rule, completion
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    names = {p.project_id: p.fields.get("name", "") for p in election.projects}
    shown = rule or election.meta.get("rule") or "mes_add1"
    shown += " + completion" if completion else ""
    click.echo(
        f"Rule: {shown}; budget {result.budget}; "
        f"{len(election.ballots)} ballots; {len(election.projects)} projects."
    )
    for pid in result.winners:
        outcome = result.outcome(pid)
        name = f"  {names[pid]}" if names.get(pid) else ""
        click.echo(
            f"{outcome.selection_order:>3}. {pid}  cost {outcome.cost}  votes {outcome.votes}{name}"
        )
    click.echo(f"Winners: {len(result.winners)}; total cost {result.total_cost}.")
