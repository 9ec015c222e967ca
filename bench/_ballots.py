"""What the two ballot benches (``bench_election_http``, ``bench_council_http``) share: their
PostgreSQL database, the demo town's app, voters already signed in, and ballots posted either
over HTTP (``_serve.post``) or straight through the ASGI app (``asgi_post``)."""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PG = "postgresql+psycopg://postgres@127.0.0.1:5432/"
SECRET = "bench-election-secret-key-bench-election-secret-key"
CSRF = "bench-csrf-token"


def ballot_options(description: str) -> argparse.ArgumentParser:
    """The options both ballot benches take; each adds its own in-process one."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--ballots", type=int, default=1500, help="ballots per target")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", default="1,2")
    return parser


@contextmanager
def ballot_database() -> Iterator[str]:
    """The URL of a new database ``parvis_bench_<random>`` on the local PostgreSQL server,
    dropped afterwards."""
    import psycopg

    server = "postgresql://postgres@127.0.0.1:5432/postgres"
    name = f"parvis_bench_{secrets.token_hex(4)}"
    with psycopg.connect(server, autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG + name
    finally:
        with psycopg.connect(server, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def signed_app(url: str) -> Any:
    """The Parvis app on ``url``, signing sessions with ``SECRET`` as ``cookie`` does."""
    from parvis.app import create_app
    from parvis.config import Config

    return create_app(Config(database_url=url, secret_key=SECRET, mail_backend="null"))


def demo_app(url: str) -> Any:
    """``signed_app`` on ``url`` once its schema is migrated (the caller loads the demo town)."""
    from parvis import migrate
    from parvis.db import make_engine

    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return signed_app(url)


def add_signed_in_voters(session: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Bulk-insert the users ``rows`` describe (one password hash for all, nobody logs in through
    argon2), each with the server-side row of the log-in session ``cookie`` signs; their ids."""
    from sqlalchemy import insert

    from parvis.accounts.login import session_id_hash
    from parvis.models import LoginSession, User

    ids = list(session.scalars(insert(User).returning(User.id), rows))
    session.execute(
        insert(LoginSession),
        [{"id": session_id_hash(f"bench-{uid}"), "user_id": uid} for uid in ids],
    )
    return ids


def cookie(user_id: int) -> str:
    """The signed session a log-in gives (Starlette's SessionMiddleware format);
    ``add_signed_in_voters`` records its server-side half."""
    from itsdangerous import TimestampSigner

    session = {"uid": user_id, "epoch": 0, "sid": f"bench-{user_id}", "csrf": CSRF}
    data = base64.b64encode(json.dumps(session).encode())
    return TimestampSigner(SECRET).sign(data).decode()


async def asgi_post(app: Any, path: str, body: bytes, cookie_value: str) -> int:
    """One POST straight through the ASGI app, in the calling thread."""
    headers = [
        (b"host", b"127.0.0.1"),
        (b"content-type", b"application/x-www-form-urlencoded"),
        (b"content-length", str(len(body)).encode()),
        (b"cookie", f"parvis_session={cookie_value}".encode()),
    ]
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80), "state": {},
    }  # fmt: skip
    sent, status = False, 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


def check_all_cast(before: int, after: int, expected: int) -> None:
    """Stop the bench unless ``expected`` ballots were written between two counts: a refused
    ballot (a form shown again) is a cheaper request, and the per-ballot figures timed or
    profiled over it would not be a ballot's. Counted outside the loops, which stay as timed."""
    if after - before != expected:
        raise SystemExit(f"{after - before} of {expected} ballots written: figures not a ballot's")
