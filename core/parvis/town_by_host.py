"""Which town a request is for: found by its host name, kept per process, checked against the
town's ``setup_version`` before anything reads it (``web.build_context``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from starlette.requests import Request

from parvis.driver import driver_rows
from parvis.models import Town, TownHost
from parvis.snapshots import attach, values_of

if TYPE_CHECKING:
    from parvis.app import Parvis

# Statements every request runs, built once (building one costs more than running it cached).
_TOWN_BY_HOST = select(Town).join(TownHost).where(TownHost.host == bindparam("host"))
# The town's versions, to check a town kept by host (signed-in requests read them with the user).
_TOWN_VERSIONS = select(Town.setup_version, Town.content_version).where(
    Town.id == bindparam("town")
)
_UNCHECKED = "parvis_town_unchecked"


def resolve_town(parvis: Parvis, session: Session, request: Request) -> Town | None:
    """The town whose host name the request names; unknown hosts get the first town.

    Whether the host was one of the town's own is kept in ``request.state.trusted_host``: links
    sent by e-mail are only ever built from a trusted host (see ``Context.base_url``).

    A town found by its host is kept per process (``Parvis.towns``) and given to the next
    requests for that host without a query, unchecked: ``build_context`` checks it against the
    town's ``setup_version`` (which every write to the town, its hosts or its rules bumps) before
    anything else reads it, and reads it again when it moved.
    """
    state = request_state(request)
    host = (request.headers.get("host") or "").split(":")[0].lower()
    kept = parvis.towns.get(host)
    if kept is not None:
        state["trusted_host"] = True
        town = attach(session, Town, kept)
        state[_UNCHECKED] = (host, town)
        return town
    town = session.scalar(_TOWN_BY_HOST, {"host": host})
    state["trusted_host"] = town is not None
    if town is not None:
        parvis.towns[host] = values_of(town)
    elif parvis.config_serves_unknown_hosts:
        town = session.scalar(select(Town).order_by(Town.id).limit(1))
    return town


def request_state(request: Request) -> dict[str, Any]:
    """``request.state``'s own dict: a miss costs no ``AttributeError`` (``getattr`` with a
    default on ``State`` raises and catches one), a hit no property."""
    return request.scope.setdefault("state", {})  # type: ignore[no-any-return]


def checked_town(parvis: Parvis, session: Session, request: Request, town: Town) -> Town | None:
    """``town`` if it was read by host in this unit of work or its kept copy is current (its
    ``content_version`` then set to the current one), else the town read again."""
    state = request_state(request)
    unchecked = state.get(_UNCHECKED)
    if unchecked is None or unchecked[1] is not town:
        return town
    state[_UNCHECKED] = None
    seen = state.get("town_versions")  # read with the user, if signed in
    state["town_versions"] = None
    if seen is None or seen[0] != town.id:
        rows = driver_rows(session, _TOWN_VERSIONS, {"town": town.id})
        seen = (town.id, *rows[0]) if rows else None
    if seen is not None and seen[1] == town.setup_version:
        set_committed_value(town, "content_version", seen[2])
        return town
    parvis.towns.pop(unchecked[0], None)
    session.expunge(town)
    return resolve_town(parvis, session, request)
