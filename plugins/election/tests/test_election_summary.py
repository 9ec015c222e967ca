"""An election's card on its space page (``summary.summarize``, one statement for any number
of elections): voters in the vote, standing candidacies before it, the results once public."""

from __future__ import annotations

import re

from election_helpers import make_election
from sqlalchemy import update

from parvis_election.models import Candidacy, Participation


def _card(html: str, url: str) -> str:
    """The card whose title links to ``url``."""
    start = html.rindex('<li class="card', 0, html.index(f'href="{url}"'))
    return html[start : html.index("</li>", start)]


def _count(card: str) -> str:
    found = re.search(r'class="participation"><strong>([^<]*)</strong> ([^<]*)</p>', card)
    return f"{found[1]} {found[2]}" if found else ""


def test_each_election_sums_itself_up_in_one_statement(town, client):
    voting = make_election(town, phase="voting")
    standing = make_election(town, phase="candidacies")
    results = make_election(town, phase="results")
    draft = make_election(town, phase="draft")
    with town.session() as s:
        s.add_all(
            Participation(
                module_id=voting.module_id,
                constituency_id=voting.constituencies["nord"],
                person_key=f"k{i}",
            )
            for i in range(2)
        )
        # Withdrawn: not counted (3 accepted in each of its 2 constituencies, one withdrawn).
        s.execute(
            update(Candidacy)
            .where(Candidacy.id == standing.candidates["sud"][0])
            .values(status="withdrawn")
        )
    with town.parvis.db.count_queries() as counter:
        html = client.get("/s/elections").text
    sql = [q for q in counter.statements if "election_participations" in q]
    assert all("election_candidacies" in q for q in sql)
    assert len(sql) == 1, sql
    vote = _card(html, voting.url)
    assert _count(vote) == "2 votants" and f'href="{voting.url}vote"' in vote
    stand = _card(html, standing.url)
    assert _count(stand) == "5 candidatures" and f'href="{standing.url}apply"' in stand
    assert f'href="{results.url}results"' in html
    assert _count(_card(html, results.url)) == "" and _count(_card(html, draft.url)) == ""
