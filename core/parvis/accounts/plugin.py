"""Accounts registered as a core plugin, through the same hooks as any plugin."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.routing import BaseRoute

from parvis.accounts import legal
from parvis.accounts.login import session_id_hash
from parvis.accounts.views import routes
from parvis.context import get_context
from parvis.hookspecs import hookimpl
from parvis.models import LoginSession, User
from parvis.permissions import grants_query


@hookimpl
def parvis_routes() -> list[BaseRoute]:
    return list(routes)


@hookimpl
def parvis_template_vars(request: Request) -> dict[str, Any]:
    """``terms_to_accept``: the privacy policy version a logged-in resident has yet to accept
    (the layout then asks), else 0. One query, for logged-in residents only."""
    ctx = get_context(request)
    version = legal.terms_version(ctx.town) if ctx.user is not None else 0
    if version and legal.accepted_version(ctx.session, ctx.user) >= version:
        version = 0
    return {"terms_to_accept": version}


@hookimpl(trylast=True)
def parvis_actor_from_request(request: Request, session: Session) -> User | None:
    """The user of the session cookie, if the session is still live on the server (not logged
    out) and its epoch current (not ended everywhere).

    The user's roles in the request's town come in the same query (``request.state.grants``,
    read by ``load_actor``): one statement for who the actor is and what they may do."""
    uid, token = request.session.get("uid"), request.session.get("sid")
    if not isinstance(uid, int) or not isinstance(token, str):
        return None
    query = (
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(User.id == uid, LoginSession.id == session_id_hash(token))
    )
    town_id = getattr(request.state, "town_id", None)
    if town_id is None:
        user = session.scalar(query)
    else:
        grants = grants_query(uid, town_id).subquery()
        rows = session.execute(
            query.add_columns(grants.c.role, grants.c.space_id).outerjoin(
                grants, grants.c.user_id == User.id
            )
        ).all()
        user = rows[0][0] if rows else None
        request.state.grants = (uid, town_id, [(r, s) for _u, r, s in rows if r is not None])
    if user is None or user.session_epoch != request.session.get("epoch"):
        return None
    return user
