"""An ``HTTPException`` raised in a view keeps its headers on the error page it renders
(``web._respond``), as one raised before any view does (``errors.http_error``): a client told
429 or 503 learns when to come back (``Retry-After``), a 405 says which methods the address
takes (``Allow``), a 401 how to authenticate (``WWW-Authenticate``)."""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import pytest
from starlette.exceptions import HTTPException
from starlette.routing import Route

from parvis.api import hookimpl, view

ERRORS: dict[str, tuple[int, dict[str, str]]] = {
    "busy": (503, {"Retry-After": "120"}),
    "slow-down": (429, {"Retry-After": "60"}),
    "wrong-method": (405, {"Allow": "GET, HEAD"}),
    "who": (401, {"WWW-Authenticate": 'Bearer realm="parvis"'}),
}


@view
def failing(request: Any) -> Any:
    status, headers = ERRORS[request.path_params["name"]]
    raise HTTPException(status, headers=headers)


@hookimpl
def eh_routes() -> list[Any]:
    return [Route("/{name}", failing)]


@pytest.fixture
def eh_town(make_town: Callable[..., Any]) -> Any:
    module = types.ModuleType("parvis_eh.plugin")
    module.__file__ = __file__
    module.parvis_routes = eh_routes  # type: ignore[attr-defined]
    return make_town(extra_plugins={"eh": module})


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_an_error_raised_in_a_view_keeps_its_headers(eh_town, name):
    status, headers = ERRORS[name]
    page = eh_town.client().get(f"/p/eh/{name}", headers={"accept-language": "en"})
    assert page.status_code == status
    assert page.headers["content-type"].startswith("text/html")
    assert "<main" in page.text  # the town's error page, not a bare text
    for header, value in headers.items():
        assert page.headers[header] == value
