"""The published ballots download (``…/ballots/<constituency>.csv`` and ``.json``) streams: the
server's memory does not grow with the number of ballots; the order of the ballots says nothing
of the order they were cast in, is the same at every download, and mixes paper ballots among
online ones."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from election_helpers import make_election
from sqlalchemy import insert

from parvis.api import Module
from parvis.testing import asgi_get, make_user
from parvis_election import ballot_file
from parvis_election.box import ballot_box
from parvis_election.models import Ballot, PaperEntry, random_id


def _bulk_ballots(town: Any, constituency_id: int, choices: list[str]) -> None:
    with town.session() as session:
        session.execute(
            insert(Ballot),
            [
                {"id": random_id(), "constituency_id": constituency_id, "choices": c}
                for c in choices
            ],
        )


def _download_peak(app: Any, path: str) -> tuple[int, int, int]:
    """(status, bytes, peak traced memory) of one download driven as a server drives it: the
    body is counted and dropped as it comes (a test client would keep it whole)."""
    response = asgi_get(app, path, trace_memory=True)
    return response.status, response.size, response.peak_memory


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_ballots_download_streams_with_flat_memory(town, fmt):
    election = make_election(town, phase="results", method="stv", seats=2, areas=("nord",))
    cid = election.constituencies["nord"]
    a, b, c = election.candidates["nord"]
    rankings = [f"{a} {b} {c}", f"{b} {a}", f"{c}", f"{c} {a} {b}"]
    path = f"{election.url}ballots/{cid}.{fmt}"
    _bulk_ballots(town, cid, rankings * 1_250)
    _download_peak(town.app, path)  # the first request fills the process's caches
    status, small_size, small_peak = _download_peak(town.app, path)
    assert status == 200
    _bulk_ballots(town, cid, rankings * 8_750)
    status, size, peak = _download_peak(town.app, path)
    assert status == 200
    assert size > 7 * small_size  # eight times the ballots...
    assert peak < 1.5 * small_peak  # ...in about the same memory
    inp, _meta = ballot_file.load(town.client().get(path).text)
    assert len(inp.ballots) == 40_000
    assert sorted(inp.ballots) == sorted(
        tuple(int(x) for x in r.split()) for r in rankings * 10_000
    )


def _order(town: Any, election: Any, cid: int) -> tuple[str, list[int]]:
    text = town.client().get(f"{election.url}ballots/{cid}.csv").text
    rows = [r for r in csv.reader(io.StringIO(text)) if r and r[0] == "ballot"]
    return text, [int(r[1]) for r in rows]


def _rank_correlation(order: list[int]) -> float:
    """Spearman's rho between the casting order (the values) and the published order."""
    n = len(order)
    ranks = {v: i for i, v in enumerate(sorted(order))}
    d2 = sum((ranks[v] - i) ** 2 for i, v in enumerate(order))
    return 1 - 6 * d2 / (n * (n * n - 1))


def test_the_published_order_says_nothing_of_the_casting_order(town):
    election = make_election(town, phase="voting", method="block", areas=("nord",))
    cid = election.constituencies["nord"]
    box = ballot_box()
    with town.session() as session:
        for n in range(300):  # ballot n is the n-th cast
            box.cast(
                session,
                module_id=election.module_id,
                constituency_id=cid,
                person_key=f"{n:064d}",
                choices=(n,),
            )
        session.get(Module, election.module_id).phase = "results"
    text, order = _order(town, election, cid)
    assert sorted(order) == list(range(300))
    assert abs(_rank_correlation(order)) < 0.3  # about 0.06 for a random order
    assert _order(town, election, cid)[0] == text  # the same file at every download
    with town.session() as session:
        box.seal(session, cid)  # new random ids: a new order
    resealed = _order(town, election, cid)[1]
    assert sorted(resealed) == list(range(300)) and resealed != order


def test_paper_ballots_are_mixed_among_online_ones(town):
    election = make_election(town, phase="results", method="block", areas=("nord",))
    cid = election.constituencies["nord"]
    _bulk_ballots(town, cid, [str(n) for n in range(200)])
    paper = "\n".join(sorted(str(1000 + n) for n in range(200)))
    with town.session() as session:
        for email in ("one@example.org", "two@example.org"):
            user = make_user(session, town.town_id, email)
            session.add(
                PaperEntry(
                    constituency_id=cid,
                    station="École",
                    entered_by=user.id,
                    signatures=200,
                    ballots=paper,
                )
            )
    text, order = _order(town, election, cid)
    assert sorted(order) == [*range(200), *range(1000, 1200)]
    first_half = sum(1 for v in order[:200] if v >= 1000)
    assert 60 < first_half < 140  # about 100 of the paper ballots in each half
    assert _order(town, election, cid)[0] == text
