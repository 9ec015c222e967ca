"""Error pages for requests that never reached a view (unknown URL, wrong method, crash)."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

logger = logging.getLogger("parvis")

_SERVER_ERROR = """<!doctype html><html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Erreur — Error</title></head><body><main>
<h1>Une erreur est survenue</h1><p>Réessayez dans un instant. Ce que vous avez saisi n'a pas été
enregistré.</p><p lang="en">Something went wrong. Please try again in a moment.</p>
<p><a href="/">Accueil — Home</a></p></main></body></html>"""


def _render_http_error(request: Request, status: int, detail: str | None) -> Response:
    from parvis.rendering import render_error
    from parvis.town_by_host import resolve_town
    from parvis.web import UNKNOWN_SITE_PAGE, build_context

    parvis = request.app.state.parvis
    with parvis.db.session(write=False) as session:
        town = resolve_town(parvis, session, request)
        if town is None:
            return HTMLResponse(UNKNOWN_SITE_PAGE, status_code=404)
        ctx = build_context(parvis, session, request, town, None)
        return render_error(ctx, status, detail)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if "session" not in request.scope:  # raised outside the session middleware
        return HTMLResponse(str(exc.detail), status_code=exc.status_code)
    threads = request.app.state.parvis.view_threads
    response = await threads.run(
        _render_http_error,
        request,
        exc.status_code,
        exc.detail,
        write=request.method not in ("GET", "HEAD"),
    )
    response.headers.update(exc.headers or {})  # Retry-After of a busy export (streams.py)
    return response


async def server_error(request: Request, exc: Exception) -> Response:
    logger.exception("Unhandled error on %s", request.url.path, exc_info=exc)
    return HTMLResponse(_SERVER_ERROR, status_code=500)


def exception_handlers() -> dict[int | type[Exception], object]:
    return {HTTPException: http_error, 500: server_error}
