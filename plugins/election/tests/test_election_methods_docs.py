"""Every worked example of docs/election_methods.md is counted and each number of its table checked.

An example is a fenced block ``election`` (method, seats, candidates with optional gender,
ballots as "count  choices", the elected) followed by a Markdown table of the rounds: one column
per candidate, **bold** for elected in that round, ~~struck~~ for leaving the seats, — for out
of the count; STV tables end with the non-transferable votes.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest

from parvis_election.methods import ElectionInput, ElectionResult, count, lottery_order

DOC = Path(__file__).resolve().parents[3] / "docs" / "election_methods.md"
EXAMPLE = re.compile(r"```election\n([^`]*)```\s*\n((?:\|.*\|\n)+)")


def parse_example(block: str) -> tuple[list[str], ElectionInput, list[str]]:
    meta: dict[str, str] = {}
    ballots: list[tuple[str, ...]] = []
    for line in block.splitlines():
        if line.startswith("  "):
            number, choices = line.split(None, 1)
            ballot = tuple(c.strip() for c in re.split(r"[>,]", choices))
            ballots += [ballot] * int(number)
        elif line.strip():
            key, _, value = line.partition(":")
            meta[key.strip()] = value.strip()
    names, genders = [], {}
    for item in meta["candidates"].split(","):
        match = re.fullmatch(r"\s*(.+?)(?: \(([fmx])\))?\s*", item)
        names.append(match[1])
        genders[len(names)] = match[2] or "x"
    ids = {name: n for n, name in enumerate(names, 1)}
    inp = ElectionInput(
        meta["method"],
        int(meta["seats"]),
        tuple(ids.values()),
        [tuple(ids[c] for c in ballot) for ballot in ballots],
        genders=genders,
        parity=meta.get("parity") == "yes",
    )
    return names, inp, [c.strip() for c in meta["elected"].split(",")]


def check_table(table: str, names: list[str], inp: ElectionInput, result: ElectionResult) -> None:
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table.splitlines()]
    header, body = rows[0], rows[2:]
    assert header[:2] == ["Round", "Note"] and header[2 : 2 + len(names)] == names
    assert (header[-1] == "Non-transferable") == (inp.method == "stv")
    assert len(body) == len(result.rounds)
    for row, rnd in zip(body, result.rounds, strict=True):
        assert row[0] == str(rnd.number) and row[1] == f"`{rnd.note}`"
        for candidate, cell in enumerate(row[2 : 2 + len(names)], 1):
            if cell == "—":
                assert candidate not in rnd.tallies, (rnd.number, names[candidate - 1])
                continue
            bold, struck = cell.startswith("**"), cell.startswith("~~")
            assert bold == (candidate in rnd.elected), (rnd.number, cell)
            assert struck == (candidate in rnd.eliminated), (rnd.number, cell)
            assert rnd.tallies[candidate] == Fraction(cell.strip("*~")), (rnd.number, cell)
        if inp.method == "stv":
            assert rnd.non_transferable == Fraction(row[-1])


def examples() -> list[tuple[str, str]]:
    found = EXAMPLE.findall(DOC.read_text(encoding="utf-8"))
    assert len(found) >= 6
    return found


@pytest.mark.parametrize("example", examples(), ids=lambda e: e[0].split("\n")[0])
def test_worked_example(example: tuple[str, str]) -> None:
    block, table = example
    names, inp, elected = parse_example(block)
    result = count(inp)
    assert [names[c - 1] for c in result.elected] == elected
    check_table(table, names, inp, result)


def test_every_method_has_a_worked_example() -> None:
    methods = {parse_example(block)[1].method for block, _ in examples()}
    assert methods == {"block", "phragmen", "stv"}
    assert any(parse_example(block)[1].parity for block, _ in examples())


def test_the_documented_lottery_snippet_is_the_code() -> None:
    text = DOC.read_text(encoding="utf-8")
    snippet = re.search(r"```python\n(.*?)```", text, re.S)[1]
    namespace: dict = {}
    exec(snippet, namespace)
    for seed in ("", "Nord 2026", "é"):
        assert namespace["lottery_order"](seed, [1, 2, 3, 40]) == lottery_order(seed, [1, 2, 3, 40])
