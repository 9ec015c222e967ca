"""The signed session cookie, read once per request.

``SessionMiddleware`` keeps Starlette's session middleware's cookie and behaviour: the session
is JSON, base64-encoded, signed with itsdangerous's ``TimestampSigner`` format (HMAC-SHA1 under
a key derived from the deployment's secret, a timestamp inside the signed part); a cookie whose
signature does not match, or older than ``max_age`` or dated in the future, is an empty
session; a response sets the cookie only when the session changed (and clears it when a
session that came in was emptied), and says ``Vary: Cookie`` when anything read it (not twice:
unlike Starlette's, not when the response's ``Vary`` names the cookie already).

What differs is the cost, paid by every signed-in request: the ``Cookie`` header is parsed once
for the whole request (``request_cookies``, also used by the CSRF check, the cached pages and
the views), the derived key is computed once per process and the HMAC is one C call, where
itsdangerous spent about 80 Python calls per cookie.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Iterable
from typing import Literal

from starlette.middleware.sessions import Session
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Where the request's cookies are kept once parsed (``request_cookies``).
COOKIES = "parvis.cookies"
# itsdangerous's defaults for ``TimestampSigner(secret)``: salt, "django-concat" derivation.
_SALT = b"itsdangerous.Signer"
_SEP = b"."
_CLEARED = "null; path={path}; expires=Thu, 01 Jan 1970 00:00:00 GMT; {flags}"
# ``base64``'s URL-safe alphabet, for the C calls its functions end in (each wraps them in two
# or three Python calls, on every signed-in request); ``json.loads`` on bytes first guesses
# their encoding: the session's JSON is ours (signed), ASCII, decoded as such.
_TO_URLSAFE = bytes.maketrans(b"+/", b"-_")
_FROM_URLSAFE = bytes.maketrans(b"-_", b"+/")
_JSON = json.JSONDecoder()


def request_cookies(scope: Scope) -> dict[str, str]:
    """The request's cookies (every ``Cookie`` header, parsed as Starlette's
    ``Request.cookies`` parses them), parsed once per request."""
    cookies: dict[str, str] | None = scope.get(COOKIES)
    if cookies is None:
        cookies = scope[COOKIES] = parse_cookies(scope["headers"])
    return cookies


def parse_cookies(headers: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    cookies: dict[str, str] = {}
    for name, value in headers:
        if name == b"cookie":
            cookies.update(cookie_parser(value.decode("latin-1")))
    return cookies


class SessionSigner:
    """Signs and checks values exactly as ``itsdangerous.TimestampSigner(secret)`` does
    (``tests/test_signed_session.py`` checks both ways)."""

    def __init__(self, secret_key: str, max_age: int) -> None:
        self._key = hashlib.sha1(_SALT + b"signer" + secret_key.encode()).digest()
        self.max_age = max_age

    def _signature(self, value: bytes) -> bytes:
        digest = hmac.digest(self._key, value, "sha1")
        return binascii.b2a_base64(digest, newline=False).translate(_TO_URLSAFE).rstrip(b"=")

    def sign(self, value: bytes, now: int | None = None) -> bytes:
        stamp = (int(time.time()) if now is None else now).to_bytes(8, "big").lstrip(b"\x00")
        value = value + _SEP + base64.urlsafe_b64encode(stamp).rstrip(b"=")
        return value + _SEP + self._signature(value)

    def unsign(self, signed: bytes, now: int | None = None) -> bytes | None:
        """The value signed, or None: no valid signature, or expired, or from the future.

        The signature is compared in its canonical encoding (itsdangerous decodes it leniently
        first): every cookie a signer made matches; only altered copies are refused."""
        value, sep, signature = signed.rpartition(_SEP)
        if not sep or not hmac.compare_digest(signature, self._signature(value)):
            return None
        data, sep, stamp = value.rpartition(_SEP)
        if not sep:
            return None
        try:
            raw = binascii.a2b_base64(stamp.translate(_FROM_URLSAFE) + b"=" * (-len(stamp) % 4))
        except ValueError:  # binascii.Error
            return None
        if len(raw) > 8:  # itsdangerous reads the time as 8 bytes at most
            return None
        age = (int(time.time()) if now is None else now) - int.from_bytes(raw, "big")
        return data if 0 <= age <= self.max_age else None


class SessionMiddleware:
    """ASGI middleware: ``scope["session"]`` from the signed cookie (see the module)."""

    def __init__(
        self,
        app: ASGIApp,
        secret_key: str,
        session_cookie: str = "session",
        max_age: int = 14 * 24 * 3600,
        same_site: Literal["lax", "strict", "none"] = "lax",
        https_only: bool = False,
    ) -> None:
        self.app = app
        self.signer = SessionSigner(secret_key, max_age)
        self.session_cookie = session_cookie
        self.max_age = max_age
        self.flags = "httponly; samesite=" + same_site + ("; secure" if https_only else "")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        session, came = self._load(request_cookies(scope).get(self.session_cookie))
        scope["session"] = session

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                session: Session = scope["session"]
                if session.accessed or session.modified:
                    headers = message["headers"] = list(message.get("headers", ()))
                    if session.accessed:
                        _add_vary_cookie(headers)
                    if session.modified and (session or came):
                        headers.append((b"set-cookie", self._cookie(session).encode("latin-1")))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _load(self, cookie: str | None) -> tuple[Session, bool]:
        """The session, and whether it came in a valid cookie (even empty)."""
        data = None if cookie is None else self.signer.unsign(cookie.encode("utf-8"))
        if data is None:
            return Session(), False
        return Session(_JSON.decode(binascii.a2b_base64(data).decode("utf-8"))), True

    def _cookie(self, session: Session) -> str:
        name = self.session_cookie
        if not session:  # emptied (logged out): cleared
            return f"{name}={_CLEARED.format(path='/', flags=self.flags)}"
        data = self.signer.sign(base64.b64encode(json.dumps(session).encode("utf-8")))
        return f"{name}={data.decode('utf-8')}; path=/; Max-Age={self.max_age}; {self.flags}"


def _add_vary_cookie(headers: list[tuple[bytes, bytes]]) -> None:
    """``Vary: Cookie`` added to the response's ``Vary`` (Starlette's ``add_vary_header``: the
    values of every ``Vary`` header joined in one, the first's place), unless it names the
    cookie already: an anonymous page's view does (``httpcache.VARY``), and Starlette's would
    send ``Accept-Language, Cookie, Cookie`` (a cached copy of the page said it once)."""
    found = [i for i, (name, _value) in enumerate(headers) if name == b"vary"]
    if not found:
        headers.append((b"vary", b"Cookie"))
        return
    joined = b", ".join([headers[i][1] for i in found])
    # Four C calls (every page of a visitor without a session comes here).
    if b"cookie" not in joined.lower().replace(b" ", b"").split(b","):
        joined += b", Cookie"
    headers[found[0]] = (b"vary", joined)
    for i in reversed(found[1:]):
        del headers[i]
