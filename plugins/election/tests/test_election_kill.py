"""On PostgreSQL: a server killed with SIGKILL in the middle of a voting load leaves, for every
constituency, as many ballots as participations (both rows are one transaction)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx2 as httpx
import pytest
from election_helpers import make_election, voter
from sqlalchemy import func, select

from parvis.api import User
from parvis.testing import session_cookie
from parvis_election.models import Ballot, Participation

pytestmark = pytest.mark.postgres_only
VOTERS = 80


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve(config, tmp_path: Path) -> tuple[subprocess.Popen, str]:
    toml = tmp_path / "parvis.toml"
    toml.write_text(
        f'database_url = "{config.database_url}"\nsecret_key = "{config.secret_key}"\n'
        f'mail_backend = "null"\ninstance_dir = "{tmp_path / "instance"}"\n'
        "[rate_limits]\nlogin = [100000, 60]\n"
    )
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "parvis"), "serve", "--port", str(port)],
        env={**os.environ, "PARVIS_CONFIG": str(toml)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("parvis serve did not start")


def test_sigkill_during_voting_keeps_participations_equal_to_ballots(town, parvis_config, tmp_path):
    election = make_election(town, areas=("nord", "sud"))
    ids = [
        voter(town, f"v{n}@example.org", election, area="nord" if n % 2 else "sud")
        for n in range(VOTERS)
    ]
    server, base = _serve(parvis_config, tmp_path)
    headers = {"host": "testserver"}
    url = election.url + "vote"
    try:
        clients = []
        for n, user_id in enumerate(ids):
            # Signed-in sessions as the log-in form makes them (argon2 is not what is tested).
            client = httpx.Client(base_url=base, headers=headers, timeout=10)
            with town.session() as session:
                user = session.get(User, user_id)
                cookie = session_cookie(session, parvis_config.secret_key, user, "t")
            client.cookies.set("parvis_session", cookie)
            area = "nord" if n % 2 else "sud"
            clients.append((client, "t", election.candidates[area][0]))
        done: list[str] = []
        start = threading.Barrier(15)

        def vote(batch: list) -> None:
            start.wait()
            for client, token, choice in batch:
                try:
                    response = client.post(
                        url, data={"candidate": choice, "step": "cast", "csrf_token": token}
                    )
                    cast = response.headers.get("location", "").endswith("/receipt")
                    done.append("cast" if cast else str(response.status_code))
                except httpx.HTTPError:
                    done.append("error")

        threads = [threading.Thread(target=vote, args=(clients[i::15],)) for i in range(15)]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 120
        while done.count("cast") < VOTERS // 4 and time.monotonic() < deadline:
            time.sleep(0.005)
        os.killpg(server.pid, signal.SIGKILL)
        for t in threads:
            t.join(30)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(10)
    accepted = done.count("cast")
    assert 0 < accepted < VOTERS, f"the kill did not land in the middle of the load: {done}"
    with town.session() as session:
        for cid in election.constituencies.values():
            participations = session.scalar(
                select(func.count())
                .select_from(Participation)
                .where(Participation.constituency_id == cid)
            )
            ballots = session.scalar(
                select(func.count()).select_from(Ballot).where(Ballot.constituency_id == cid)
            )
            assert participations == ballots
        total = session.scalar(select(func.count()).select_from(Participation))
    assert accepted <= total < VOTERS
