"""A space holding one module: what most plugin tests start from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from parvis.models import Module, Space
from parvis.testing.helpers import TestTown


@dataclass(frozen=True)
class SpaceWithModule:
    """Ids of what ``make_space_with_module`` created (plain values: usable after the session)."""

    space_id: int
    space_slug: str
    module_id: int
    module_type: str

    @property
    def url(self) -> str:
        """The module's page, ``/s/<space slug>/<module type>/<module id>/``."""
        return f"/s/{self.space_slug}/{self.module_type}/{self.module_id}/"

    def url_for(self, path: str = "") -> str:
        """A page under the module, e.g. ``board.url_for("sign")``."""
        return self.url + path.lstrip("/")


def make_space_with_module(
    town: TestTown,
    module_type: str,
    *,
    phase: str | None = None,
    space_slug: str | None = None,
    space_title: str = "Espace de test",
    space_description: str = "",
    module_title: str = "Module de test",
    kind: str = "general",
    area_id: int | None = None,
    published: bool = True,
    module_published: bool = True,
    module_settings: dict[str, Any] | None = None,
) -> SpaceWithModule:
    """Create, in its own unit of work, a space of ``town`` holding one module of
    ``module_type`` in ``phase`` (default: the type's first phase)."""
    mtype = town.parvis.registry.module_types.get(module_type)
    if mtype is None:
        known = ", ".join(sorted(town.parvis.registry.module_types))
        raise AssertionError(f"no module type '{module_type}' is loaded (loaded: {known})")
    with town.session() as session:
        if space_slug is None:
            count = session.scalar(
                select(func.count()).select_from(Space).where(Space.town_id == town.town_id)
            )
            space_slug = f"espace-{count + 1}"
        space = Space(
            town_id=town.town_id,
            slug=space_slug,
            title=space_title,
            description=space_description,
            kind=kind,
            area_id=area_id,
            published=published,
        )
        session.add(space)
        session.flush()
        module = Module(
            space_id=space.id,
            type=module_type,
            slug=module_type.replace("_", "-"),
            title=module_title,
            phase=phase or mtype.phases[0].key,
            published=module_published,
            settings=dict(module_settings or {}),
        )
        session.add(module)
        session.flush()
        return SpaceWithModule(space.id, space_slug, module.id, module_type)
