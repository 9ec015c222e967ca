"""The signed session cookie (``signed_session.py``): itsdangerous's ``TimestampSigner`` format,
checked both ways, refused when altered, expired, from the future or signed with another
secret, and the cookie set only when the session changed."""

from __future__ import annotations

import base64
import json
import time

import pytest
from async_helpers import run_coroutine
from itsdangerous import BadSignature, TimestampSigner
from starlette.middleware.sessions import SessionMiddleware as StarletteSessions
from starlette.requests import Request

from parvis.signed_session import SessionMiddleware, SessionSigner, parse_cookies
from parvis.testing import login

SECRET = "a-secret-of-the-deployment"
DAY = 24 * 3600


class _SignerAt(TimestampSigner):
    """itsdangerous's signer with its clock set."""

    def __init__(self, secret: str, now: int) -> None:
        super().__init__(secret)
        self.now = now

    def get_timestamp(self) -> int:
        return self.now


def test_cookies_signed_either_way_read_the_same() -> None:
    ours = SessionSigner(SECRET, max_age=14 * DAY)
    theirs = TimestampSigner(SECRET)
    value = base64.b64encode(json.dumps({"uid": 7, "csrf": "t"}).encode())
    assert ours.unsign(theirs.sign(value)) == value
    assert theirs.unsign(ours.sign(value), max_age=14 * DAY) == value
    now = int(time.time())
    assert ours.sign(value, now=now) == _SignerAt(SECRET, now).sign(value)


def _with_signature_start(cookie: bytes) -> bytes:
    value, _sep, signature = cookie.rpartition(b".")
    first = b"B" if signature[:1] == b"A" else b"A"
    return value + b"." + first + signature[1:]


@pytest.mark.parametrize(
    "alter",
    [
        # The signature's first character (its last one also carries base64's padding bits,
        # which itsdangerous ignores: one change in 16 there would alter nothing it reads).
        _with_signature_start,
        lambda c: b"X" + c[1:],  # data
        lambda c: c.rpartition(b".")[2],  # no data, no timestamp
        lambda c: c.replace(b".", b"", 1),  # no timestamp separator
        lambda c: TimestampSigner("another secret").sign(c.split(b".")[0]),
    ],
)
def test_an_altered_cookie_is_refused(alter) -> None:
    signer = SessionSigner(SECRET, max_age=14 * DAY)
    cookie = signer.sign(base64.b64encode(b'{"uid": 1}'))
    with pytest.raises(BadSignature):
        TimestampSigner(SECRET).unsign(alter(cookie), max_age=14 * DAY)
    assert signer.unsign(alter(cookie)) is None


def test_an_expired_cookie_or_one_from_the_future_is_refused() -> None:
    signer = SessionSigner(SECRET, max_age=14 * DAY)
    now = int(time.time())
    value = b"e30="
    assert signer.unsign(_SignerAt(SECRET, now - 14 * DAY).sign(value), now=now) == value
    assert signer.unsign(_SignerAt(SECRET, now - 14 * DAY - 1).sign(value), now=now) is None
    assert signer.unsign(_SignerAt(SECRET, now + 60).sign(value), now=now) is None


def test_every_cookie_header_is_read() -> None:
    headers = [(b"host", b"x"), (b"cookie", b"a=1; b=2"), (b"cookie", b"c=3")]
    assert parse_cookies(headers) == {"a": "1", "b": "2", "c": "3"}


def _session_of(client) -> dict:
    data = client.cookies.get("parvis_session").split(".")[0]
    return json.loads(base64.b64decode(data))


def test_a_signed_in_session_past_its_age_is_anonymous(town, resident) -> None:
    with town.client() as client:
        login(client, resident.email)
        assert client.get("/account").status_code == 200
        session = _session_of(client)
        old = int(time.time()) - 15 * DAY
        secret = town.parvis.config.secret_key
        stale = _SignerAt(secret, old).sign(base64.b64encode(json.dumps(session).encode()))
    for cookie, status in (
        (stale, 303),
        (
            _SignerAt(secret, int(time.time())).sign(
                base64.b64encode(json.dumps(session).encode())
            ),
            200,
        ),
    ):
        with town.client() as other:
            other.cookies.set("parvis_session", cookie.decode())
            assert other.get("/account", follow_redirects=False).status_code == status


def test_the_cookie_is_sent_again_only_when_the_session_changed(town, resident) -> None:
    with town.client() as client:
        login(client, resident.email)
        client.get("/account")  # shows (so takes out) the log-in's message
        response = client.get("/account")
        assert response.status_code == 200
        assert "set-cookie" not in response.headers  # read, not changed
        assert "Cookie" in response.headers["vary"]
        response = client.post(
            "/logout", data={"csrf_token": _session_of(client)["csrf"]}, follow_redirects=False
        )
        cleared = response.headers["set-cookie"]
        assert cleared.startswith("parvis_session=null;") and "1970" in cleared
        assert "httponly" in cleared and "samesite=lax" in cleared


def _respond(middleware_class, action, cookie_headers, vary, **options):
    """One request through ``middleware_class`` around an app doing ``action`` to the session
    and answering with the ``Vary`` headers ``vary``: the response's headers."""
    sent = []

    async def app(scope, receive, send):
        action(Request(scope, receive).session)
        headers = [(b"content-type", b"text/plain"), *((b"vary", v) for v in vary)]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        sent.append(message)

    middleware = middleware_class(app, secret_key=SECRET, session_cookie="s", **options)
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/",
        "query_string": b"",
        "headers": [(b"cookie", value) for value in cookie_headers],
    }
    run_coroutine(middleware(scope, receive, send))
    return [_comparable(name, value) for name, value in sent[0]["headers"]]


def _comparable(name: bytes, value: bytes) -> tuple[bytes, object]:
    """A signed cookie's session data and attributes (its timestamp and signature vary)."""
    if name != b"set-cookie" or value.startswith(b"s=null;"):
        return name, value
    signed, _sep, attributes = value.partition(b";")
    return name, (json.loads(base64.b64decode(signed[2:].split(b".")[0])), attributes)


_VALID = TimestampSigner(SECRET).sign(base64.b64encode(b'{"uid": 1}'))
_EMPTY = TimestampSigner(SECRET).sign(base64.b64encode(b"{}"))
_FORGED = base64.b64encode(b'{"uid": 2}') + _VALID[_VALID.index(b".") :]


@pytest.mark.parametrize(
    "cookies",
    [
        [],
        [b"s=" + _VALID],
        [b's="' + _VALID + b'"'],  # quoted
        [b"s=" + _EMPTY],
        [b"s=" + _FORGED],
        [b"s=" + _FORGED + b"; s=" + _VALID],  # the same name twice: the last one counts
        [b"s=" + _VALID + b"; s=" + _FORGED],
        [b"a=1", b"s=" + _VALID],  # several Cookie headers
        [b"s=" + _VALID, b"s=" + _FORGED],
        [b"  s = " + _VALID + b' ;x="y'],
        [b"s"],
    ],
)
@pytest.mark.parametrize("vary", [(), (b"Accept-Language",), (b"Accept-Language", b"Origin")])
@pytest.mark.parametrize("options", [{}, {"https_only": True, "same_site": "strict"}])
def test_the_same_response_headers_as_starlettes_middleware(cookies, vary, options) -> None:
    actions = [
        lambda s: None,
        lambda s: s.get("uid"),
        lambda s: s.__setitem__("x", 1),
        lambda s: s.clear(),
        lambda s: s.pop("uid", None),
    ]
    for action in actions:
        ours = _respond(SessionMiddleware, action, cookies, vary, **options)
        assert ours == _respond(StarletteSessions, action, cookies, vary, **options)


@pytest.mark.parametrize(
    ("vary", "expected"),
    [
        ((b"Accept-Language, Cookie",), b"Accept-Language, Cookie"),
        ((b"Accept-Language", b"cookie"), b"Accept-Language, cookie"),
        ((b"Accept-Language",), b"Accept-Language, Cookie"),
    ],
)
def test_a_vary_that_names_the_cookie_already_does_not_name_it_twice(vary, expected) -> None:
    """Unlike Starlette's middleware (``Vary: Accept-Language, Cookie, Cookie`` on every
    anonymous page, whose view says ``Cookie`` itself): one ``Vary`` header, ``Cookie`` once."""
    headers = _respond(SessionMiddleware, lambda s: s.get("uid"), [], vary)
    assert [value for name, value in headers if name == b"vary"] == [expected]
