"""Helpers behind the fixtures: towns, users, forms with CSRF, a real SMTP server."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller
from itsdangerous import TimestampSigner
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.testclient import TestClient

from parvis.accounts.login import session_id_hash
from parvis.db import utcnow
from parvis.demo import ADMIN_EMAIL as DEMO_ADMIN_EMAIL
from parvis.demo import ADMIN_PASSWORD as DEMO_ADMIN_PASSWORD
from parvis.demo import DEMO_SLUG, load_demo
from parvis.mail import send_pending
from parvis.models import (
    Area,
    LoginSession,
    OutboxMail,
    RoleGrant,
    Space,
    Town,
    User,
    Verification,
)
from parvis.passwords import hash_password
from parvis.verification.records import verify_user

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
DEFAULT_PASSWORD = "correct horse battery"


@dataclass
class TestTown:
    """A town created for a test, with its app and an administrator."""

    __test__ = False

    app: Starlette
    town_id: int
    host: str
    admin_email: str
    admin_password: str

    @property
    def parvis(self) -> Any:
        return self.app.state.parvis

    def session(self) -> Any:
        return self.parvis.db.session()

    def client(self) -> TestClient:
        return TestClient(self.app, base_url=f"http://{self.host}")


def make_user(
    session: Session,
    town: Town | int,
    email: str,
    *,
    password: str = DEFAULT_PASSWORD,
    name: str | None = None,
    confirmed: bool = True,
    verified: bool = False,
    roles: tuple[str, ...] = (),
    area: Area | int | None = None,
    area_id: int | None = None,
    birth_date: dt.date | None = None,
    person_key: str | None = None,
    locale: str = "fr",
    **extra: Any,
) -> User:
    """A user of ``town`` (flushed, so ``user.id`` is set). By default a confirmed resident
    with the password ``DEFAULT_PASSWORD``, writing in French; ``name`` defaults to the
    address's local part. ``roles`` are role keys, town-wide (``"town_admin"``) or in one space
    (``"space_admin@<space id>"``); ``extra`` sets other ``User`` columns. ``verified=True``
    gives it a live verification (method "counter") in ``area`` (default: its neighbourhood),
    as a person of its own unless ``person_key`` is given (two accounts of one person share
    one)."""
    town_id = town if isinstance(town, int) else town.id
    if area_id is None and area is not None:
        area_id = _area_id(area)
    user = User(
        town_id=town_id,
        email=email.lower(),
        password_hash=hash_password(password),
        display_name=name or email.split("@")[0],
        locale=locale,
        area_id=area_id,
        birth_date=birth_date,
        confirmed_at=utcnow() if confirmed else None,
        **extra,
    )
    session.add(user)
    session.flush()
    if verified:
        verify(session, user, area=area, birth_date=birth_date, person_key=person_key)
    for role in roles:
        role_name, _, space = role.partition("@")
        grant_role(session, town_id, user, role_name, int(space) if space else None)
    return user


def grant_role(
    session: Session,
    town: Town | int,
    user: User | int,
    role: str,
    space: Space | int | None = None,
) -> None:
    """Give ``user`` ``role`` in the whole town, or only in ``space`` (a space-scoped role such
    as ``space_admin``: ``grant_role(session, town.town_id, user, SPACE_ADMIN, space_id)``)."""
    session.add(
        RoleGrant(
            town_id=town if isinstance(town, int) else town.id,
            user_id=user if isinstance(user, int) else user.id,
            role=role,
            space_id=space.id if isinstance(space, Space) else space,
        )
    )
    session.flush()


def _own_person_key(user: User) -> str:
    """A person key of the user's own (a distinct person per account)."""
    return hashlib.sha256(f"test-person:{user.town_id}:{user.id}".encode()).hexdigest()


def _area_id(area: Area | int | None) -> int | None:
    return area.id if isinstance(area, Area) else area


def verify(
    session: Session,
    user: User,
    *,
    area: Area | int | None = None,
    birth_date: dt.date | None = None,
    person_key: str | None = None,
) -> Verification:
    """Give ``user`` a live verification (method "counter") in ``area`` (default: the user's
    neighbourhood) with ``birth_date`` (default: the account's)."""
    return verify_user(
        session,
        user,
        person_key=person_key or _own_person_key(user),
        method="counter",
        area_id=_area_id(area) if area is not None else user.area_id,
        birth_date=birth_date or user.birth_date,
    )


def send_outbox(town: TestTown, batch: int = 50) -> int:
    """Send up to ``batch`` queued e-mails now, as ``parvis worker`` would; how many were sent."""
    return send_pending(town.parvis, batch)


def queued_mail(town: TestTown, to: str | None = None) -> list[CapturedMail]:
    """The e-mails queued in the outbox (sent or not), oldest first; only those to ``to``."""
    query = select(OutboxMail).order_by(OutboxMail.id)
    if to is not None:
        query = query.where(OutboxMail.to_address == to)
    with town.session() as session:
        return [CapturedMail([m.to_address], m.subject, m.body) for m in session.scalars(query)]


def load_demo_town(town: TestTown) -> TestTown:
    """Load ``parvis demo``'s content in the app of ``town``; return the demo town (host
    ``localhost``, its town admin's address and password), with each plugin's demo data."""
    parvis = town.parvis
    with parvis.db.session() as session:
        load_demo(parvis, session)
    with parvis.db.session() as session:
        town_id = session.scalar(select(Town.id).where(Town.slug == DEMO_SLUG))
    assert town_id is not None
    return TestTown(town.app, town_id, "localhost", DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD)


def session_cookie(session: Session, secret_key: str, user: User, csrf: str) -> str:
    """A signed-in ``parvis_session`` cookie for ``user`` with CSRF token ``csrf``, recorded
    server-side as a log-in records it, for load tests that must not spend their time in argon2."""
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(id=session_id_hash(token), user_id=user.id))
    data = {"uid": user.id, "epoch": user.session_epoch, "sid": token, "csrf": csrf}
    return TimestampSigner(secret_key).sign(base64.b64encode(json.dumps(data).encode())).decode()


def csrf_token_from(html: str) -> str:
    found = _CSRF.search(html)
    if not found:
        raise AssertionError("no CSRF token in the page")
    return found.group(1)


def post_form(
    client: TestClient,
    url: str,
    data: dict[str, Any] | list[tuple[str, Any]] | None = None,
    *,
    page: str | None = None,
    files: Any = None,
    follow_redirects: bool = False,
) -> Any:
    """POST ``data`` to ``url`` with the CSRF token read from ``page`` (default: the home page).

    An anonymous page without a form holds no token: the log-in page's is used then."""
    html = client.get(page or "/").text
    token = csrf_token_from(html if _CSRF.search(html) else client.get("/login").text)
    items = list(data.items()) if isinstance(data, dict) else list(data or [])
    items.append(("csrf_token", token))
    return client.post(url, data=_as_dict(items), files=files, follow_redirects=follow_redirects)


def _as_dict(items: list[tuple[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for key, value in items:
        if key in merged:
            existing = merged[key]
            merged[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            merged[key] = value
    return merged


def login(client: TestClient, email: str, password: str = DEFAULT_PASSWORD) -> None:
    response = post_form(client, "/login", {"email": email, "password": password}, page="/login")
    assert response.status_code == 303, f"log-in failed: {response.status_code}"


def form_errors(html: str) -> list[str]:
    """The error messages shown beside fields."""
    return [
        re.sub(r"\s+", " ", m).strip()
        for m in re.findall(r'<p class="error"[^>]*>(.*?)</p>', html, re.S)
    ]


@dataclass
class CapturedMail:
    to: list[str]
    subject: str
    body: str


@dataclass
class SMTPCapture:
    """A real SMTP server on localhost (aiosmtpd) that keeps what it receives."""

    host: str = "127.0.0.1"
    port: int = 0
    messages: list[CapturedMail] = field(default_factory=list)
    _controller: Controller | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message: Message = message_from_bytes(envelope.content)
        payload = message.get_payload(decode=True)
        body = (
            payload.decode(message.get_content_charset() or "utf-8")
            if isinstance(payload, bytes)
            else ""
        )
        with self._lock:
            self.messages.append(
                CapturedMail(
                    list(envelope.rcpt_tos),
                    str(make_header(decode_header(message["Subject"] or ""))),
                    body,
                )
            )
        return "250 OK"

    def start(self) -> None:
        with socket.socket() as sock:
            sock.bind((self.host, 0))
            self.port = sock.getsockname()[1]
        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller:
            self._controller.stop()

    def wait_for(self, to: str, timeout: float = 5.0) -> CapturedMail:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for mail in reversed(self.messages):
                    if to.lower() in (r.lower() for r in mail.to):
                        return mail
            time.sleep(0.02)
        raise AssertionError(f"no e-mail to {to} arrived")
