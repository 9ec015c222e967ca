"""Helpers for the council space tests: a council with an area and an idea call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from parvis.api import Area, Module
from parvis.testing import TestTown, login, make_space_with_module, make_user
from parvis_council_space.config import CallConfig
from parvis_council_space.models import Idea


@dataclass
class Council:
    town: TestTown
    space_id: int
    slug: str
    area_id: int
    other_area_id: int
    module_id: int

    @property
    def call_url(self) -> str:
        return f"/s/{self.slug}/idea_call/{self.module_id}/"

    def url(self, path: str = "") -> str:
        return self.call_url + path

    def set_phase(self, phase: str) -> None:
        with self.town.session() as s:
            s.get(Module, self.module_id).phase = phase

    def configure(self, **values: Any) -> None:
        with self.town.session() as s:
            module = s.get(Module, self.module_id)
            config = CallConfig.of(module)
            for key, value in values.items():
                setattr(config, key, value)
            config.save(module)

    def add_idea(self, author_id: int | None = None, **values: Any) -> int:
        defaults = {
            "title": "Idea",
            "description": "Text",
            "estimated_cost": 1000,
            "area_id": self.area_id,
            "status": "submitted",
        }
        defaults.update(values)
        with self.town.session() as s:
            idea = Idea(module_id=self.module_id, author_id=author_id, **defaults)
            s.add(idea)
            s.flush()
            return idea.id

    def user(self, email: str, **kwargs: Any) -> int:
        kwargs.setdefault("area_id", self.area_id)
        with self.town.session() as s:
            return make_user(s, self.town.town_id, email, **kwargs).id


def make_council(town: TestTown, slug: str = "conseil-tilleuls", published: bool = True) -> Council:
    with town.session() as s:
        area = Area(town_id=town.town_id, slug=f"{slug}-a", name="Les Tilleuls", position=1)
        other = Area(town_id=town.town_id, slug=f"{slug}-b", name="Port-Neuf", position=2)
        s.add_all([area, other])
        s.flush()
        area_id, other_id = area.id, other.id
    made = make_space_with_module(
        town,
        "idea_call",
        phase="submission",
        space_slug=slug,
        space_title="Conseil de quartier des Tilleuls",
        space_description="Le conseil des **Tilleuls**.",
        module_title="Budget 2027",
        kind="council",
        area_id=area_id,
        published=published,
    )
    return Council(town, made.space_id, slug, area_id, other_id, made.module_id)


def sign_in(client: Any, email: str) -> None:
    login(client, email)


def idea_ids(town: TestTown, module_id: int) -> list[int]:
    with town.session() as s:
        return list(s.scalars(select(Idea.id).where(Idea.module_id == module_id).order_by(Idea.id)))
