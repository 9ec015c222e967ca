"""Accounts registered as a core plugin, through the same hooks as any plugin."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.routing import BaseRoute

from parvis.accounts.views import routes
from parvis.hookspecs import hookimpl
from parvis.models import User


@hookimpl
def parvis_routes() -> list[BaseRoute]:
    return list(routes)


@hookimpl(trylast=True)
def parvis_actor_from_request(request: Request, session: Session) -> User | None:
    """The user of the session cookie, if the cookie's epoch is still current."""
    uid = request.session.get("uid")
    if not isinstance(uid, int):
        return None
    user = session.scalar(select(User).where(User.id == uid))
    if user is None or user.session_epoch != request.session.get("epoch"):
        return None
    return user
