"""Pabulib (.pb) export and import of a call (filled in once pabulib.py lands)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis.api import view


@view
def export(request: Request) -> Response:
    raise HTTPException(404)


@view
def import_pb(request: Request) -> Response:
    raise HTTPException(404)


routes = [
    Route("/export.pb", export, name="export"),
    Route("/import", import_pb, methods=["POST"], name="import"),
]
