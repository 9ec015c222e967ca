"""Published ballot files (JSON and CSV) and ``parvis election recount``."""

from __future__ import annotations

import csv
import io
import json
import random
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from parvis_election.ballot_file import FORMAT, BallotFileError, dump_csv, dump_json, load
from parvis_election.methods import ElectionInput, count
from parvis_election.recount import recount

NAMES = {11: "Ana", 12: "Béa, dite « B »", 13: "Chloé", 14: "David", 15: "Éric", 16: "Farid"}
GENDERS = {11: "f", 12: "f", 13: "f", 14: "m", 15: "m", 16: "x"}


def election(method: str, seed: int = 1, parity: bool = False) -> ElectionInput:
    rng = random.Random(seed)
    ids = list(NAMES)
    weights = [6, 5, 4, 3, 2, 1]
    ballots = []
    for _ in range(300):
        ranking = []
        pool = list(ids)
        for _ in range(rng.randint(1, 3 if method == "block" else 6)):
            pick = rng.choices(pool, weights=[weights[ids.index(c)] for c in pool])[0]
            ranking.append(pick)
            pool.remove(pick)
        ballots.append(tuple(ranking))
    return ElectionInput(
        method, 3, tuple(ids), ballots, genders=GENDERS, parity=parity, tie_seed="seed 2026"
    )


def published(inp: ElectionInput) -> dict:
    return {
        "title": "Conseils de quartier 2026",
        "constituency": "Nord",
        "candidates": NAMES,
        "elected": list(count(inp).elected),
    }


@pytest.mark.parametrize("dump", [dump_json, dump_csv])
@pytest.mark.parametrize("method", ["block", "phragmen", "stv"])
def test_dump_load_count_gives_the_same_seats(dump, method) -> None:
    for parity in (False, True):
        inp = election(method, parity=parity)
        loaded, meta = load(dump(inp, published(inp)))
        assert loaded.method == method and loaded.seats == 3 and loaded.parity == parity
        assert loaded.candidates == inp.candidates
        assert loaded.genders == GENDERS and loaded.tie_seed == "seed 2026"
        assert count(loaded).elected == count(inp).elected
        assert meta["candidates"] == NAMES
        assert meta["title"] == "Conseils de quartier 2026" and meta["constituency"] == "Nord"
        assert meta["elected"] == list(count(inp).elected)
        # The same ballots, as a multiset (approval choices in any order).
        key = tuple if method == "stv" else (lambda b: tuple(sorted(b)))
        assert Counter(map(key, loaded.ballots)) == Counter(map(key, inp.ballots))


def test_ballots_are_shuffled_and_carry_no_id() -> None:
    inp = election("stv")
    first = json.loads(dump_json(inp, published(inp)))
    second = json.loads(dump_json(inp, published(inp)))
    assert first["format"] == FORMAT and first["version"] == 1
    assert first["ballots"] != [list(b) for b in inp.ballots]
    assert first["ballots"] != second["ballots"]
    # A ballot is only its list of candidate ids: nothing else to link it to anyone.
    assert all(isinstance(b, list) and all(c in NAMES for c in b) for b in first["ballots"])
    rows = [r for r in dump_csv(inp, published(inp)).splitlines() if r.startswith("ballot,")]
    assert len(rows) == 300


def test_approval_choices_are_written_sorted() -> None:
    inp = ElectionInput("phragmen", 1, (1, 2, 3), [(3, 1), (2, 3, 1)])
    ballots = json.loads(dump_json(inp, {}))["ballots"]
    assert sorted(ballots) == [[1, 2, 3], [1, 3]]


def test_load_refuses_other_formats_and_versions() -> None:
    inp = election("block")
    document = json.loads(dump_json(inp, published(inp)))
    with pytest.raises(BallotFileError, match="version 2 is not supported"):
        load(json.dumps({**document, "version": 2}))
    with pytest.raises(BallotFileError, match="not a parvis-election-ballots file"):
        load(json.dumps({**document, "format": "pabulib"}))
    with pytest.raises(BallotFileError, match="not a valid"):
        load(json.dumps({**document, "parameters": {}}))
    with pytest.raises(BallotFileError, match="unknown row kind"):
        load("format,parvis-election-ballots,1\nvote,1,2\n")


def run(path: Path):
    return CliRunner().invoke(recount, [str(path)])


@pytest.mark.parametrize("dump", [dump_json, dump_csv])
def test_recount_prints_the_seats_and_confirms(tmp_path: Path, dump) -> None:
    inp = election("stv")
    path = tmp_path / "ballots.txt"
    path.write_text(dump(inp, published(inp)), encoding="utf-8")
    outcome = run(path)
    assert outcome.exit_code == 0, outcome.output
    result = count(inp)
    for n, c in enumerate(result.elected, 1):
        assert f"{n}. {NAMES[c]} (#{c}): {result.votes[c]} first preferences" in outcome.output
    assert "Conseils de quartier 2026 - Nord" in outcome.output
    assert f"Quota: {result.quota}" in outcome.output
    assert "The recount matches the published result." in outcome.output


def test_recount_reports_a_tampered_result(tmp_path: Path) -> None:
    inp = election("stv")
    meta = published(inp)
    loser = next(c for c in NAMES if c not in meta["elected"])
    meta["elected"] = [*meta["elected"][:-1], loser]
    path = tmp_path / "ballots.json"
    path.write_text(dump_json(inp, meta), encoding="utf-8")
    outcome = run(path)
    assert outcome.exit_code == 1
    assert "MISMATCH: the file publishes" in outcome.output
    assert NAMES[loser] in outcome.output


def test_recount_reports_tampered_ballots(tmp_path: Path) -> None:
    inp = election("block")
    meta = published(inp)
    document = json.loads(dump_json(inp, meta))
    # Someone rewrites 120 ballots to favour a loser: the published seats no longer follow.
    loser = next(c for c in NAMES if c not in meta["elected"])
    document["ballots"][:120] = [[loser]] * 120
    path = tmp_path / "ballots.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    outcome = run(path)
    assert outcome.exit_code == 1
    assert "MISMATCH" in outcome.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"format": "parvis-election-ballots", "version": 9}', "version 9 is not supported"),
        ("not a ballot file at all", "unknown row kind"),
        (
            "format,parvis-election-ballots,1\nparameter,method,stv\nparameter,seats,1\n"
            "candidate,1,A,\nballot,1\nballot,7\n",
            "ballot 2 is invalid: unknown_candidate",
        ),
    ],
)
def test_recount_explains_an_unreadable_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    outcome = run(path)
    assert outcome.exit_code == 2
    assert message in outcome.output
    assert "Traceback" not in outcome.output


def test_recount_of_a_missing_file(tmp_path: Path) -> None:
    outcome = run(tmp_path / "nowhere.json")
    assert outcome.exit_code == 2
    assert "cannot read the file" in outcome.output


def test_recount_without_a_published_result(tmp_path: Path) -> None:
    inp = election("phragmen")
    path = tmp_path / "ballots.json"
    path.write_text(dump_json(inp, {"candidates": NAMES}), encoding="utf-8")
    outcome = run(path)
    assert outcome.exit_code == 0
    assert "publishes no result" in outcome.output


def test_recount_shows_every_round_on_request(tmp_path: Path) -> None:
    """The dessert example of docs/election_methods.md, stage by stage."""
    names = {1: "Orange", 2: "Pear", 3: "Chocolate", 4: "Strawberry", 5: "Bonbon"}
    ballots = [(1,)] * 4 + [(2, 1)] * 2 + [(3, 4)] * 8 + [(3, 5)] * 4 + [(4,)] + [(5,)]
    inp = ElectionInput("stv", 3, tuple(names), ballots)
    path = tmp_path / "desserts.json"
    path.write_text(dump_json(inp, {"candidates": names, "elected": [3, 1, 4]}), encoding="utf-8")
    outcome = CliRunner().invoke(recount, [str(path), "--rounds"])
    assert outcome.exit_code == 0, outcome.output
    lines = outcome.output.splitlines()
    assert "Round 2: surplus_transferred; from Chocolate" in lines
    second = lines.index("Round 2: surplus_transferred; from Chocolate")
    assert lines[second + 1 : second + 6] == [
        "    Orange: 4",
        "    Pear: 2",
        "    Chocolate: 6",
        "    Strawberry: 5",
        "    Bonbon: 3",
    ]
    assert "Round 3: lowest_eliminated; elected Orange; out Pear; from Pear" in lines
    assert "    non-transferable: 3" in lines
    assert "Round 5: last_vacancies; elected Strawberry" in lines
    # Without the option, only the seats.
    assert "Round 1" not in CliRunner().invoke(recount, [str(path)]).output


def test_csv_cells_cannot_run_as_spreadsheet_formulas() -> None:
    names = {1: '=HYPERLINK("http://x")', 2: "+33 Ben", 3: "'quoted", 4: "-Dé"}
    inp = ElectionInput("block", 1, (1, 2, 3, 4), [(1,), (2,)], tie_seed="@seed")
    text = dump_csv(inp, {"candidates": names, "elected": [1], "title": "=1+1"})
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
    loaded, meta = load(text)
    assert meta["candidates"] == names and meta["title"] == "=1+1"
    assert loaded.tie_seed == "@seed"
