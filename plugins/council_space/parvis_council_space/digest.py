"""Digest e-mail for followers of council spaces: one e-mail per follower and round."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from parvis.api import Module, Space

from . import services
from .models import DigestItem


def record_new_calls(session: Any) -> None:
    """Calls for ideas added to council spaces become digest items once (core emits no
    event when a module is added, so they are found here)."""
    rows = session.execute(
        select(Module, Space)
        .join(Space, Space.id == Module.space_id)
        .where(
            Space.kind == services.KIND,
            Module.type == services.MODULE_TYPE,
            Module.published.is_(True),
        )
    ).all()
    if not rows:
        return
    known = set(session.scalars(select(DigestItem.path).where(DigestItem.kind == "call")))
    for module, space in rows:
        path = f"/s/{space.slug}/{services.MODULE_TYPE}/{module.id}/"
        if path not in known:
            session.add(
                DigestItem(
                    town_id=space.town_id,
                    space_id=space.id,
                    kind="call",
                    title=module.title,
                    path=path,
                    created_at=module.created_at,
                )
            )


def send(parvis: Any, now: Any = None) -> int:
    """Record new calls, then queue the digests (sent by the mail worker; links use each
    town's own address from ``site_url``)."""
    with parvis.db.session() as session:
        record_new_calls(session)
    return services.send_digests(parvis, now=now)
