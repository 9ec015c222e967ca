"""ASGI middleware: security headers and CSRF protection for every state-changing request."""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import unquote_plus

from python_multipart.multipart import parse_options_header
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from parvis.csrf import CSRF_COOKIE, valid_form_token
from parvis.signed_session import request_cookies

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)

SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_FIELD = "csrf_token"
MAX_BODY = 12 * 1024 * 1024
# Where the CSRF check leaves a url-encoded form it parsed, for the view (``web.view``).
PARSED_FORM = "parvis.form"
URLENCODED = "application/x-www-form-urlencoded"
URLENCODED_BYTES = URLENCODED.encode()
MAX_FIELDS = 2000


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, https: bool = False) -> None:
        self.app = app
        self.headers = list(SECURITY_HEADERS)
        if https:
            self.headers.append((b"strict-transport-security", b"max-age=31536000"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in self.headers if k not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CSRFMiddleware:
    """Token check on every unsafe request, so no route (core or plugin) can forget.

    The token is sent back in a ``csrf_token`` form field (or an ``X-CSRF-Token`` header) and
    must equal the signed session's token; a visitor without a logged-in session may instead
    send the signed double-submit cookie's value (``csrf.py``). The body is read once here, then
    replayed to the app.
    """

    def __init__(self, app: ASGIApp, secret_key: str = "") -> None:
        self.app = app
        self.secret_key = secret_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BODY:
                await HTMLResponse(_TOO_LARGE_PAGE, status_code=413)(scope, receive, send)
                return

        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        supplied = await _supplied_token(scope, body)
        if not self._accepts(scope, supplied):
            response = HTMLResponse(_FORBIDDEN_PAGE, status_code=403)
            await response(scope, receive, send)
            return
        await self.app(scope, replay, send)

    def _accepts(self, scope: Scope, supplied: str) -> bool:
        if not supplied:
            return False
        session = scope.get("session", {})
        expected = session.get("csrf", "")
        if expected and hmac.compare_digest(str(expected).encode(), supplied.encode()):
            return True
        if session.get("uid") is not None or not self.secret_key:
            return False
        cookie = request_cookies(scope).get(CSRF_COOKIE, "")
        return (
            bool(cookie)
            and hmac.compare_digest(cookie.encode(), supplied.encode())
            and valid_form_token(self.secret_key, cookie)
        )


async def _supplied_token(scope: Scope, body: bytes) -> str:
    content_type = None
    for name, value in scope.get("headers", []):
        if name == b"x-csrf-token":
            return value.decode("latin-1")
        if name == b"content-type" and content_type is None:
            content_type = value.decode("latin-1")
    # Starlette's own test of a form's type (``Request.form``): a body it would not read as a
    # form carries no token.
    content_type, _options = parse_options_header(content_type)
    if content_type == URLENCODED_BYTES:
        fields = _urlencoded(body)
        if fields is None:
            return ""
        # Text only, nothing to close: the view takes this form instead of parsing it again.
        form = scope[PARSED_FORM] = FormData(fields)
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    sent = False

    async def once() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        parsed = await Request(scope, once).form(
            max_files=20, max_fields=MAX_FIELDS, max_part_size=MAX_BODY
        )
    except Exception:
        return ""
    value = parsed.get(CSRF_FIELD)
    await parsed.close()
    return value if isinstance(value, str) else ""


def _urlencoded(body: bytes) -> list[tuple[str, str]] | None:
    """The fields of a url-encoded body as Starlette's parser reads them (python-multipart's
    querystring rules: ``&``-separated, empty parts skipped, a part without ``=`` has an empty
    value), in a fraction of its time: every POST of a form goes through here. None: more
    fields than a form may have."""
    fields = []
    for part in body.split(b"&"):
        if part:
            name, _sep, value = part.partition(b"=")
            if b"%" in part or b"+" in part:
                fields.append(
                    (unquote_plus(name.decode("latin-1")), unquote_plus(value.decode("latin-1")))
                )
            else:  # nothing to unquote (ids, tokens): what ``unquote_plus`` would return
                fields.append((name.decode("latin-1"), value.decode("latin-1")))
    return fields if len(fields) <= MAX_FIELDS else None


_FORBIDDEN_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Formulaire expiré — Form expired</title></head><body><main>
<h1>Formulaire expiré — Form expired</h1>
<p>La page a expiré. Revenez en arrière, rechargez la page et renvoyez le formulaire.</p>
<p lang="en">This page expired. Go back, reload the page and send the form again.</p>
</main></body></html>"""

# Bilingual and static: these answer before any town or language is known.
_TOO_LARGE_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>Envoi trop volumineux — Too large</title></head><body><main>
<h1>Envoi trop volumineux — Too large</h1>
<p>Ce que vous avez envoyé dépasse 12 Mo. Revenez en arrière et joignez un fichier plus léger.</p>
<p lang="en">What you sent is over 12 MB. Go back and attach a smaller file.</p>
</main></body></html>"""
