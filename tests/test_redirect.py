"""``parvis.api.redirect`` answers exactly as Starlette's ``RedirectResponse`` does."""

from __future__ import annotations

import pytest
from starlette.responses import RedirectResponse

from parvis.api import redirect
from tests.async_helpers import run_coroutine


async def _sent(response: RedirectResponse) -> list[dict]:
    messages: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        messages.append(message)

    await response({"type": "http", "method": "POST", "headers": []}, receive, send)
    return messages


@pytest.mark.parametrize(
    "url",
    [
        "/s/quartier/council_election/3/receipt",
        "/s/quartier/council_space/7/receipt?cast=1",
        "/accounts/login?next=%2Fs%2Fx",
        "/s/été/vote#choix",
        'https://example.org/a b/<c>?d="e"',
    ],
)
@pytest.mark.parametrize("status", [303, 302, 307])
def test_redirect_sends_what_starlette_sends(url: str, status: int) -> None:
    ours, theirs = redirect(url, status), RedirectResponse(url, status_code=status)
    assert isinstance(ours, RedirectResponse)
    assert ours.headers["location"] == theirs.headers["location"]
    assert run_coroutine(_sent(ours)) == run_coroutine(_sent(theirs))


def test_redirect_headers_can_be_added_to() -> None:
    response = redirect("/a")
    response.set_cookie("x", "1")
    response.headers["cache-control"] = "no-store"
    assert response.headers.getlist("set-cookie") == ["x=1; Path=/; SameSite=lax"]
    assert response.raw_headers[:2] == [(b"content-length", b"0"), (b"location", b"/a")]
    assert response.status_code == 303
