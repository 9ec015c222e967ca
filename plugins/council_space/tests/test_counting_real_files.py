"""Real elections from Pabulib (pabulib.org), read from ``../shared/data/pabulib/``.

The files are third-party data and stay outside the repository: these tests skip when the
folder is absent. Each file's ``selected`` column is the official outcome.
"""

import os
from pathlib import Path

import pytest

from parvis.testing import run_command
from parvis_council_space import pb

FOLDER = Path(
    os.environ.get(
        "PARVIS_PABULIB_DIR", Path(__file__).resolve().parents[3] / ".." / "shared/data/pabulib"
    )
)
MOKOTOW = FOLDER / "Poland_Warszawa_2020_Mokotow.pb"
# MES + add1 on Mokotów, in selection order, as the exact search run by run counts it (and as
# equalshares.net's compute tool does): 67 winners at 839 per voter, 840 exceeds the budget.
MOKOTOW_ADD1 = [
    "420",
    "2156",
    "556",
    "1198",
    "1474",
    "789",
    "1040",
    "2067",
    "349",
    "1490",
    "317",
    "960",
    "95",
    "1678",
    "1503",
    "218",
    "2028",
    "1324",
    "2163",
    "402",
    "449",
    "1116",
    "2164",
    "1114",
    "136",
    "1663",
    "441",
    "340",
    "1777",
    "820",
    "52",
    "1000",
    "1700",
    "700",
    "838",
    "411",
    "722",
    "1351",
    "1611",
    "463",
    "2153",
    "570",
    "1836",
    "1135",
    "1402",
    "976",
    "650",
    "460",
    "413",
    "486",
    "412",
    "1164",
    "1138",
    "1716",
    "1455",
    "1107",
    "2162",
    "627",
    "410",
    "1596",
    "1826",
    "501",
    "1045",
    "1036",
    "1578",
    "141",
    "839",
]

pytestmark = pytest.mark.skipif(not FOLDER.is_dir(), reason=f"no Pabulib files in {FOLDER}")


def read(name: str) -> str:
    return (FOLDER / name).read_text(encoding="utf-8-sig")


@pytest.mark.parametrize(
    ("name", "rule", "vote_type"),
    [
        ("Poland_Warszawa_2020_Mokotow.pb", "greedy", "approval"),
        ("Poland_Katowice_2023.pb", "greedy-threshold", "cumulative"),
        ("Poland_Wroclaw_2023.pb", "greedy-no-skip", "choose-1"),
    ],
)
def test_the_files_own_rule_gives_the_official_outcome(name, rule, vote_type):
    election, result = pb.count_file(read(name))
    assert (election.meta["rule"], election.vote_type) == (rule, vote_type)
    official = {p.project_id for p in election.projects if p.fields["selected"] == "1"}
    assert set(result.winners) == official


def test_mes_add1_on_mokotow_goes_past_exhaustive_outcomes_with_the_official_winners():
    _election, result = pb.count_file(read(MOKOTOW.name), "mes_add1")
    assert list(result.winners) == MOKOTOW_ADD1
    assert result.endowment_per_voter == 839
    assert result.mes_runs == 839 - 7147577 // 12021 + 2  # every endowment from 594 to 840
    assert result.total_cost <= result.budget


def test_cli_count_without_rule_uses_the_files_rule(town):
    output = run_command(town, "council-space", "count", str(FOLDER / "Poland_Wroclaw_2023.pb"))
    assert output.exit_code == 0, output.output
    assert "Rule: greedy-no-skip;" in output.output
    assert "Winners: 7;" in output.output
