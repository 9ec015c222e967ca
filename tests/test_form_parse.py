"""The CSRF middleware reads a url-encoded form itself (``middleware._urlencoded``): it must
read every body exactly as Starlette's own parser does, the view then taking that form."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import pytest
from async_helpers import run_coroutine
from starlette.datastructures import Headers
from starlette.formparsers import FormParser
from starlette.requests import Request

from parvis.middleware import MAX_FIELDS, _supplied_token, _urlencoded

BODIES = [
    b"",
    b"csrf_token=abc&step=cast&candidate=1&candidate=2",
    b"name=Jean+Dupont&city=Saint-%C3%89tienne&note=100%25+s%C3%BBr",
    b"&&a=1&&b=&c&=orphan&d=x=y&",
    b"raw=caf\xe9&bad=%ZZ%&half=%C3",
    b"plus=a%2Bb+c&semi=a;b",
]


def _starlette(body: bytes) -> list[tuple[str, str]]:
    async def stream() -> AsyncGenerator[bytes, None]:
        yield body

    headers = Headers({"content-type": "application/x-www-form-urlencoded"})
    form = run_coroutine(FormParser(headers, stream(), max_fields=MAX_FIELDS).parse())
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


@pytest.mark.parametrize("body", BODIES)
def test_a_form_is_read_as_starlette_reads_it(body):
    assert _urlencoded(body) == _starlette(body)


def test_a_form_with_too_many_fields_is_refused():
    assert _urlencoded(b"&".join([b"f=1"] * MAX_FIELDS)) is not None
    assert _urlencoded(b"&".join([b"f=1"] * (MAX_FIELDS + 1))) is None


CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "Application/X-WWW-Form-Urlencoded; charset=ISO-8859-1",
    " application/x-www-form-urlencoded\t;charset=utf-8",
    "application/x-www-form-urlencoded\x0b",  # not whitespace to Starlette
    "application/x-www-form-urlencoded\x1c; a=b",
    "application/x-www-form-urlencoded, text/plain",
    "text/plain",
]


@pytest.mark.parametrize("content_type", CONTENT_TYPES)
def test_a_body_is_a_form_exactly_when_starlette_reads_one(content_type):
    """The token is taken from the body only when Starlette would have read the body as a
    form: a body it ignores carries no token (403), as before the middleware read forms."""
    body = b"csrf_token=abc"

    def scope() -> dict:
        headers = [(b"content-type", content_type.encode("latin-1"))]
        return {"type": "http", "method": "POST", "headers": headers}

    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    async def both() -> tuple[str, object]:
        form = await Request(scope(), receive).form()
        return await _supplied_token(scope(), body), form.get("csrf_token")

    ours, starlette = run_coroutine(both())
    assert ours == (starlette or "")
