"""Pabulib .pb import and export."""

from pathlib import Path

import pytest

from parvis.testing import run_command
from parvis_council_space.counting import Election, Project, count
from parvis_council_space.pabulib import (
    PabulibError,
    PbBallot,
    PbProject,
    dump,
    from_election,
    parse,
    to_election,
)

SMALL = (Path(__file__).parent / "data" / "small_approval.pb").read_text(encoding="utf-8")

MINIMAL = """\
META
key;value
budget;10
vote_type;approval
PROJECTS
project_id;cost
A;4
B;8
VOTES
voter_id;vote
1;A,B
2;B
"""


def test_parse_keeps_meta_quoted_fields_and_extra_columns():
    election = parse(SMALL)

    assert election.meta["description"] == "Budget participatif; quartier Nord"
    assert election.meta["date_end"] == "31.03.2024"
    assert election.budget == 100000  # written 100000.0
    assert election.vote_type == "approval"
    assert [(p.project_id, p.cost) for p in election.projects] == [
        ("1", 60000),
        ("2", 30000),  # written 30000,0
        ("3", 25000),
        ("10", 15000),
    ]
    assert election.projects[0].fields == {
        "votes": "3",
        "name": "Parc; aire de jeux",
        "category": "nature",
    }
    assert election.projects[2].fields["name"] == 'Fontaine "historique"'
    assert election.ballots[2] == PbBallot("v3", ("1", "3"), None, {"age": "29", "sex": ""})
    assert election.ballots[1].approved == {"1", "2", "3"}


def test_dump_then_parse_gives_the_same_election_in_the_same_section_order():
    election = parse(SMALL)

    text = dump(election)

    assert parse(text) == election
    assert dump(parse(text)) == text
    lines = text.splitlines()
    assert [lines.index(name) for name in ("META", "PROJECTS", "VOTES")] == sorted(
        lines.index(name) for name in ("META", "PROJECTS", "VOTES")
    )
    assert lines[:3] == ["META", "key;value", 'description;"Budget participatif; quartier Nord"']


def test_round_trip_then_counting_gives_the_same_winners():
    # 5 voters.  Greedy, budget 100000: projects 1 and 2 tie on 3 votes, 2 is cheaper:
    # 2 (30000) -> 70000 left, 1 (60000) -> 10000 left; 3 (25000) and 10 (15000) do not fit.
    # MES, 20000 per voter: 1 and 2 both have rho 1/3 (an equal split), 2 is cheaper: v1,
    # v2, v4 pay 10000.  Then 1 needs 60000, its supporters have 40000: out.  3: v2 pays
    # its last 10000 and v3 15000 (rho 3/5), then 10: v5 pays 15000 (rho 1).
    original = to_election(parse(SMALL))
    again = to_election(parse(dump(parse(SMALL))))

    assert again == original
    for election in (original, again):
        greedy = count("greedy", election.budget, election.projects, election.ballots)
        assert greedy.winners == ("2", "1")
        mes = count("mes", election.budget, election.projects, election.ballots)
        assert mes.winners == ("2", "3", "10")


def test_cumulative_file_gives_points_ballots():
    text = """\
META
key;value
budget;10
vote_type;cumulative
max_sum_points;4
PROJECTS
project_id;cost
X;6
Y;5
Z;4
VOTES
voter_id;vote;points
a;X,Y;3,1
b;Y,Z;2,2
c;Z;3
d;;
"""
    election = parse(text)
    assert election.ballots[0].points_by_project == {"X": 3, "Y": 1}
    assert election.ballots[3] == PbBallot("d", (), (), {})
    assert parse(dump(election)) == election
    # Points: X 3, Y 3, Z 5.  Z (4) -> 6 left; X and Y tie, Y is cheaper -> 1 left.
    counted = to_election(election)
    assert count("greedy", counted.budget, counted.projects, counted.ballots).winners == (
        "Z",
        "Y",
    )


def test_ordinal_file_keeps_the_ranking_and_counts_as_approval():
    text = MINIMAL.replace("approval", "ordinal").replace("1;A,B", "1;B,A")
    election = parse(text)
    assert election.ballots[0].vote == ("B", "A")
    assert parse(dump(election)) == election
    assert to_election(election).ballots == (frozenset({"A", "B"}), frozenset({"B"}))


@pytest.mark.parametrize(
    ("written", "budget"), [("1000", 1000), ("1000.0", 1000), ("1000,00", 1000), ("1e3", 1000)]
)
def test_budget_formats(written, budget):
    assert parse(MINIMAL.replace("budget;10", f"budget;{written}")).budget == budget


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("\n".join(MINIMAL.splitlines()[:8]), 8, "missing section VOTES"),
        (MINIMAL.replace("2;B", "2;C"), 12, "names unknown project 'C'"),
        (MINIMAL.replace("B;8", "B;8.5"), 8, "cost of project 'B' must be a non-negative whole"),
        (MINIMAL.replace("B;8", "B;eight"), 8, "cost of project 'B' is not a number"),
        (MINIMAL.replace("B;8", "B;-8"), 8, "must be a non-negative whole number"),
        (MINIMAL.replace("budget;10", "budget;10.5"), 3, "budget must be a non-negative whole"),
        (MINIMAL.replace("budget;10\n", ""), 4, "META has no budget"),
        (MINIMAL.replace("vote_type;approval", "vote_type;sorting"), 4, "unknown vote_type"),
        (MINIMAL.replace("PROJECTS", "VOTES", 1), 5, "unexpected section VOTES"),
        (MINIMAL.replace("project_id;cost", "project_id;price"), 6, "has no cost column"),
        (MINIMAL.replace("B;8", "B;8;extra"), 8, "expected 2 fields, found 3"),
        (MINIMAL.replace("2;B", "1;B"), 12, "voter '1' votes twice"),
        (MINIMAL.replace("2;B", "2;B,B"), 12, "names a project twice"),
        (MINIMAL.replace("budget;10", "budget;10\nnum_votes;3"), 4, "num_votes is 3"),
        ("key;value\nbudget;10\n", 1, "expected the META section first"),
        (MINIMAL.replace("approval", "cumulative").replace("1;A,B", "1;A,B;1"), 10, "points"),
    ],
)
def test_malformed_files_report_the_line(text, line, message):
    with pytest.raises(PabulibError, match=message) as caught:
        parse(text)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"line {line}: ")


def test_misaligned_points_are_reported():
    text = MINIMAL.replace("approval", "cumulative").replace("vote\n", "vote;points\n")
    text = text.replace("1;A,B", "1;A,B;1").replace("2;B", "2;B;1")
    with pytest.raises(PabulibError, match="has 2 projects but 1 points") as caught:
        parse(text)
    assert caught.value.line == 11


def test_export_from_counting_inputs():
    election = Election(
        10, (Project("2", 4), Project("10", 8)), (frozenset({"10", "2"}), frozenset())
    )
    exported = from_election(election, {"description": "Test", "country": "France"})

    assert list(exported.meta) == [
        "description",
        "country",
        "num_projects",
        "num_votes",
        "budget",
        "vote_type",
    ]
    assert exported.ballots[0] == PbBallot("1", ("2", "10"))  # ids in natural order
    exported.projects[0].fields["name"] = "Banc; square"
    assert to_election(parse(dump(exported))) == election
    assert parse(dump(exported)).projects[0] == PbProject("2", 4, {"name": "Banc; square"})

    points = Election(10, (Project("A", 4),), ({"A": 3},))
    assert to_election(parse(dump(from_election(points)))) == points


def test_dump_rejects_what_it_cannot_write():
    election = parse(MINIMAL)
    election.projects[0].fields["cost"] = "5"
    with pytest.raises(PabulibError, match="clash with the cost column"):
        dump(election)
    election = parse(MINIMAL)
    election.projects[0].project_id = "A,B"
    with pytest.raises(PabulibError, match="has a comma"):
        dump(election)


def test_cli_count_uses_the_files_rule_unless_told(town, tmp_path):
    # Votes: A 3, B 2, C 1; budget 10: greedy-no-skip stops at B, plain greedy funds C too.
    path = tmp_path / "call.pb"
    path.write_text(
        "META\nkey;value\nbudget;10\nvote_type;approval\nrule;greedy-no-skip\n"
        "PROJECTS\nproject_id;cost\nA;6\nB;5\nC;3\n"
        "VOTES\nvoter_id;vote\n1;A,B,C\n2;A,B\n3;A\n",
        encoding="utf-8",
    )
    own = run_command(town, "council-space", "count", str(path))
    assert own.exit_code == 0, own.output
    assert "Rule: greedy-no-skip;" in own.output and "Winners: 1;" in own.output
    told = run_command(town, "council-space", "count", str(path), "--rule", "greedy")
    assert "Rule: greedy;" in told.output and "Winners: 2;" in told.output
    path.write_text(path.read_text().replace("greedy-no-skip", "borda"), encoding="utf-8")
    unknown = run_command(town, "council-space", "count", str(path))
    assert unknown.exit_code != 0
    assert "rule 'borda' is not supported" in unknown.output
