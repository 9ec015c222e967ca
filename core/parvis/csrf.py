"""CSRF tokens: in the signed session for visitors who have one, a signed double-submit cookie
for anonymous visitors who have none.

An anonymous page gets no session (so no ``Set-Cookie``, and a proxy can cache it) unless it
holds a form: only then does ``csrf_token`` set the ``parvis_csrf`` cookie, whose value the form
sends back. The value carries an HMAC of the deployment's secret, so a token cannot be made up;
a logged-in session only ever accepts its own session token (``CSRFMiddleware``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from parvis.signed_session import request_cookies

CSRF_COOKIE = "parvis_csrf"
COOKIE_MAX_AGE = 14 * 24 * 3600


def _signature(secret: str, nonce: str) -> str:
    key = f"csrf:{secret}".encode()
    return hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()[:32]


def new_form_token(secret: str) -> str:
    nonce = secrets.token_urlsafe(24)
    return f"{nonce}.{_signature(secret, nonce)}"


def valid_form_token(secret: str, token: str) -> bool:
    nonce, _, signature = token.partition(".")
    return bool(nonce and signature) and hmac.compare_digest(
        signature.encode(), _signature(secret, nonce).encode()
    )


def csrf_token(request: Request) -> str:
    """The token a form on this page sends back; marks the page as private (never cached)."""
    request.state.holds_form = True
    token = request.session.get("csrf")
    if token:
        return str(token)
    if request.session:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
        return token
    secret = request.app.state.parvis.config.secret_key
    cookie = request_cookies(request.scope).get(CSRF_COOKIE, "")
    if cookie and valid_form_token(secret, cookie):
        return cookie
    token = getattr(request.state, "new_csrf_cookie", None)
    if token is None:
        token = request.state.new_csrf_cookie = new_form_token(secret)
    return str(token)


def set_cookie(request: Request, response: Response) -> None:
    """Send the double-submit cookie a page's form needs (if ``csrf_token`` made one)."""
    # ``request.state``'s dict: ``getattr`` on ``State`` raises and catches for a miss.
    token = request.scope.get("state", {}).get("new_csrf_cookie")
    if token is None or "csrf" in request.session:
        return
    parvis = request.app.state.parvis
    response.set_cookie(
        CSRF_COOKIE,
        token,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=parvis.config.https,
    )


class LazyToken:
    """``csrf_token`` in templates: made only when a template prints it, so a page without a
    form sets no cookie."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self._value: str | None = None

    def __str__(self) -> str:
        if self._value is None:
            self._value = csrf_token(self.request)
        return self._value

    def __html__(self) -> str:
        return str(self)

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))

    def __bool__(self) -> bool:
        return True
