"""Accounts registered as a core plugin, through the same hooks as any plugin."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.routing import BaseRoute

from parvis.accounts.login import session_id_hash
from parvis.accounts.views import routes
from parvis.hookspecs import hookimpl
from parvis.models import LoginSession, User


@hookimpl
def parvis_routes() -> list[BaseRoute]:
    return list(routes)


@hookimpl(trylast=True)
def parvis_actor_from_request(request: Request, session: Session) -> User | None:
    """The user of the session cookie, if the session is still live on the server (not logged
    out) and its epoch current (not ended everywhere)."""
    uid, token = request.session.get("uid"), request.session.get("sid")
    if not isinstance(uid, int) or not isinstance(token, str):
        return None
    user = session.scalar(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(User.id == uid, LoginSession.id == session_id_hash(token))
    )
    if user is None or user.session_epoch != request.session.get("epoch"):
        return None
    return user
