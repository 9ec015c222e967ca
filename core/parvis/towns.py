"""Creating towns (tenants) and their first administrator."""

from __future__ import annotations

from sqlalchemy.orm import Session

from parvis.db import utcnow
from parvis.models import RoleGrant, Town, TownHost, User
from parvis.passwords import hash_password
from parvis.permissions import TOWN_ADMIN


def create_town(
    session: Session,
    *,
    name: str,
    slug: str,
    hosts: list[str],
    plugins: list[str],
    admin_email: str,
    admin_password: str,
    locale: str = "fr",
    admin_name: str = "Admin",
) -> Town:
    town = Town(name=name, slug=slug, default_locale=locale, enabled_plugins=list(plugins))
    session.add(town)
    session.flush()
    for host in hosts:
        session.add(TownHost(host=host.lower(), town_id=town.id))
    admin = User(
        town_id=town.id,
        email=admin_email.strip().lower(),
        password_hash=hash_password(admin_password),
        display_name=admin_name,
        locale=locale,
        confirmed_at=utcnow(),
    )
    session.add(admin)
    session.flush()
    session.add(RoleGrant(town_id=town.id, user_id=admin.id, role=TOWN_ADMIN))
    session.flush()
    return town
