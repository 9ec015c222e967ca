"""Accounts registered as a core plugin, through the same hooks as any plugin."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.routing import BaseRoute

from parvis import versions
from parvis.accounts import legal
from parvis.accounts.login import session_id_hash
from parvis.accounts.views import routes
from parvis.context import get_context
from parvis.db import utcnow
from parvis.driver import driver_rows
from parvis.hookspecs import hookimpl
from parvis.models import LoginSession, RoleGrant, Town, User, Verification
from parvis.permissions import VERIFIED
from parvis.snapshots import Shape
from parvis.verification.records import live_condition


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

    The user's roles in the request's town and their live verification come in the same query
    (``request.state.grants``, read by ``load_actor``; the verification kept for
    ``verification_of``) and the town's versions (``request.state.town_versions``): one
    statement for who the actor is and what they may do."""
    cookie = request.session
    uid, token = cookie.get("uid"), cookie.get("sid")
    if not isinstance(uid, int) or not isinstance(token, str):
        return None
    params = {"uid": uid, "sid": session_id_hash(token)}
    state = request.state
    town_id = getattr(state, "town_id", None)
    if town_id is None:
        user = session.scalar(_USER, params)
    else:
        # A Core statement (through the driver's cursor on PostgreSQL): the entities are built
        # from its row (``snapshots.Shape``) for a fraction of the ORM's cost of loading them
        # (every signed-in request runs it).
        rows = driver_rows(session, _USER_GRANTS, {**params, "town": town_id, "now": utcnow()})
        user = _USER_SHAPE.build(session, rows[0]) if rows else None
        verification = (
            _LIVE_SHAPE.build(
                session, rows[0], _VERIFICATION_AT, town_id=town_id, user_id=uid, ended_at=None
            )
            if rows
            else None
        )
        grants = [(row[-4], row[-3]) for row in rows if row[-4] is not None]
        if verification is not None:
            grants.append((VERIFIED, None))
        state.grants = (uid, town_id, grants)
        if user is not None:
            versions.preload(session, Verification.__tablename__, user.id, verification)
            # The town's versions, for the town kept per process (``town_by_host.resolve_town``).
            state.town_versions = (town_id, rows[0][-2], rows[0][-1])
    if user is None or user.session_epoch != cookie.get("epoch"):
        return None
    return user


# Built once: every signed-in request runs one of them.
_USER = (
    select(User)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(User.id == bindparam("uid"), LoginSession.id == bindparam("sid"))
)
# Columns the request seldom needs are left to load on access (one query then): the password
# hash and dates only account pages show. The live verification's town, user and end are those
# of the join; its method and dates are for the verification page.
_USER_SHAPE = Shape(User, later=("password_hash", "created_at"))
_LIVE_SHAPE = Shape(
    Verification,
    given=("town_id", "user_id", "ended_at"),
    later=("method", "verified_at", "end_reason"),
)
_VERIFICATION_AT = len(_USER_SHAPE.columns)
_USER_GRANTS = (
    select(
        *_USER_SHAPE.columns,
        *_LIVE_SHAPE.columns,
        RoleGrant.role,
        RoleGrant.space_id,
        Town.setup_version,
        Town.content_version,
    )
    .select_from(User)
    .join(LoginSession, LoginSession.user_id == User.id)
    .join(Town, Town.id == bindparam("town"))
    .where(User.id == bindparam("uid"), LoginSession.id == bindparam("sid"))
    .outerjoin(
        Verification,
        and_(
            Verification.user_id == User.id,
            Verification.town_id == bindparam("town"),
            live_condition(bindparam("now")),
        ),
    )
    .outerjoin(
        RoleGrant, and_(RoleGrant.user_id == User.id, RoleGrant.town_id == bindparam("town"))
    )
)
