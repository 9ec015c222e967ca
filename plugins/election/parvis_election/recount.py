"""``parvis election recount FILE``: recount a published ballot file on any machine.

Prints the seats; exits with status 1 and says so when the result published in the file differs
from the recount, and with status 2 when the file cannot be read.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import click

from .ballot_file import BallotFileError, load
from .methods import METHODS, ElectionResult, count
from .methods.stv import SCALE


def _describe(result: ElectionResult, names: dict[int, str]) -> list[str]:
    def name(c: int) -> str:
        return f"{names[c]} (#{c})" if c in names else f"#{c}"

    unit = "approvals" if result.quota is None else "first preferences"
    lines = [f"  {n}. {name(c)}: {result.votes[c]} {unit}" for n, c in enumerate(result.elected, 1)]
    lines += [f"  parity: {name(a)} replaced by {name(b)}" for a, b in result.parity_changes]
    return lines


def _value(value: Fraction, decimals: bool) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    if decimals:  # STV votes: exactly five decimals
        whole, units = divmod(value.numerator * (SCALE // value.denominator), SCALE)
        return f"{whole}.{units:05d}"
    return f"{value.numerator}/{value.denominator}"  # Phragmén loads: exact fractions


def _rounds(result: ElectionResult, names: dict[int, str]) -> list[str]:
    lines = []
    decimals = result.quota is not None
    for r in result.rounds:
        what = [f"Round {r.number}: {r.note}"]
        what += [f"elected {names.get(c, f'#{c}')}" for c in r.elected]
        what += [f"out {names.get(c, f'#{c}')}" for c in r.eliminated]
        if r.transferred_from is not None:
            what.append(f"from {names.get(r.transferred_from, f'#{r.transferred_from}')}")
        if r.tie:
            what.append(f"tie: {r.tie}")
        lines.append("; ".join(what))
        lines += [
            f"    {names.get(c, f'#{c}')}: {_value(v, decimals)}" for c, v in r.tallies.items()
        ]
        if r.non_transferable:
            lines.append(f"    non-transferable: {_value(r.non_transferable, decimals)}")
    return lines


@click.command("recount")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--rounds", "show_rounds", is_flag=True, help="Also print every round of the count.")
def recount(file: Path, show_rounds: bool) -> None:
    """Recount the published ballot FILE (JSON or CSV) and compare with its published result."""
    try:
        inp, meta = load(file)
        result = count(inp)
    except (BallotFileError, ValueError) as exc:
        click.echo(f"Error: {file}: {exc}", err=True)
        raise SystemExit(2) from exc
    names = meta.get("candidates", {})
    title = " - ".join(str(meta[k]) for k in ("title", "constituency") if meta.get(k))
    click.echo(title or str(file))
    click.echo(f"Method: {METHODS[inp.method]}; seats: {inp.seats}")
    click.echo(f"Ballots counted: {result.ballots_counted}")
    if result.quota is not None:
        click.echo(f"Quota: {result.quota}")
    if show_rounds:
        for line in _rounds(result, names):
            click.echo(line)
    click.echo("Elected:")
    for line in _describe(result, names):
        click.echo(line)
    published = meta.get("elected") or []
    if not published:
        click.echo("The file publishes no result to compare with.")
        return
    if set(published) != set(result.elected):
        shown = ", ".join(names.get(c, f"#{c}") for c in published)
        click.echo(
            f"MISMATCH: the file publishes {shown}; the recount of its ballots elects "
            + ", ".join(names.get(c, f"#{c}") for c in result.elected)
            + ".",
            err=True,
        )
        raise SystemExit(1)
    click.echo("The recount matches the published result.")
