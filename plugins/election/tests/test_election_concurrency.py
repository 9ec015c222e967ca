"""On PostgreSQL: many concurrent attempts by one person give exactly one participation and one
ballot (the participation's unique key decides, in the one statement that writes the ballot),
and the cast is that statement alone, outside any transaction (``@view(autocommit=True)``)."""

from __future__ import annotations

import threading

import pytest
from election_helpers import make_election, sign_in, voter
from psycopg import pq
from sqlalchemy import func, select

from parvis.testing import csrf_token_from
from parvis_election import voting
from parvis_election.box import AlreadyVoted, ballot_box
from parvis_election.models import Ballot, Participation

pytestmark = pytest.mark.postgres_only


def _counts(town):
    with town.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Participation)),
            session.scalar(select(func.count()).select_from(Ballot)),
        )


@pytest.mark.parametrize("autocommit", [False, True], ids=["transaction", "autocommit"])
def test_200_concurrent_casts_by_one_person_make_one_participation_and_one_ballot(town, autocommit):
    election = make_election(town)
    cid, choice = election.constituencies["nord"], election.candidates["nord"][0]
    start = threading.Barrier(200)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        start.wait()
        try:
            # A unit of work of its own, like a request (the vote view's: in autocommit).
            with town.parvis.db.session(autocommit=autocommit) as session:
                ballot_box().cast(
                    session,
                    module_id=election.module_id,
                    constituency_id=cid,
                    person_key="p" * 64,
                    choices=(choice,),
                )
            result = "cast"
        except AlreadyVoted:
            result = "refused"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(set(outcomes)) == ["cast", "refused"] and outcomes.count("cast") == 1
    assert _counts(town) == (1, 1)


def test_concurrent_http_casts_from_several_sessions_of_one_account(town):
    election = make_election(town)
    voter(town, "ana@example.org", election)
    url = election.url + "vote"
    choice = str(election.candidates["nord"][0])
    clients = []
    for _ in range(4):  # four browsers logged in to the same account
        client = town.client()
        client.__enter__()
        sign_in(client, "ana@example.org")
        clients.append((client, csrf_token_from(client.get(url).text)))
    start = threading.Barrier(40)
    codes: list[int] = []

    def attempt(n: int) -> None:
        client, token = clients[n % 4]
        start.wait()
        response = client.post(
            url,
            data={"candidate": choice, "step": "cast", "csrf_token": token},
            follow_redirects=False,
        )
        codes.append(response.status_code)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for client, _token in clients:
        client.__exit__(None, None, None)
    assert set(codes) == {303}  # every attempt ends on the receipt, none with an error
    assert _counts(town) == (1, 1)


def test_the_cast_reads_outside_a_transaction_and_commits_alone(town, monkeypatch):
    """The checks before the cast open no transaction (no BEGIN, no COMMIT round trips), and
    the cast's one statement is committed when it returns: another connection sees both rows
    while the request is still running."""
    election = make_election(town)
    voter(town, "ana@example.org", election)
    url = election.url + "vote"
    seen: list[tuple[object, tuple[int, int]]] = []
    cast = voting.cast

    def spy(session, *args, **kwargs):
        status = session.connection().connection.driver_connection.info.transaction_status
        receipt = cast(session, *args, **kwargs)
        seen.append((status, _counts(town)))
        return receipt

    monkeypatch.setattr(voting, "cast", spy)
    with town.client() as client:
        sign_in(client, "ana@example.org")
        token = csrf_token_from(client.get(url).text)
        choice = str(election.candidates["nord"][0])
        response = client.post(
            url,
            data={"candidate": choice, "step": "cast", "csrf_token": token},
            follow_redirects=False,
        )
    assert response.status_code == 303 and response.headers["location"].endswith("receipt")
    assert seen == [(pq.TransactionStatus.IDLE, (1, 1))]
