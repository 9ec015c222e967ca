"""Pages cost a constant number of queries, whatever the number of items (no N+1)."""

from __future__ import annotations

import types

from starlette.responses import PlainTextResponse
from starlette.routing import Route

from parvis.contrib import ModuleType, Phase
from parvis.hookspecs import hookimpl
from parvis.models import Area, Module, Space
from parvis.testing import login


@hookimpl
def parvis_module_types():
    return [
        ModuleType(
            "item",
            "Item",
            phases=[Phase("open", "Open")],
            routes=[Route("/", lambda r: PlainTextResponse("x"), name="index")],
        )
    ]


PLUGIN = types.ModuleType("item_plugin")
PLUGIN.parvis_module_types = parvis_module_types


def _fill(town, spaces: int, modules: int) -> None:
    with town.session() as session:
        areas = [Area(town_id=town.town_id, slug=f"a{i}", name=f"Area {i}") for i in range(3)]
        session.add_all(areas)
        session.flush()
        for i in range(spaces):
            session.add(
                Space(
                    town_id=town.town_id,
                    slug=f"s{i}",
                    title=f"Space {i}",
                    published=True,
                    area_id=areas[i % 3].id,
                )
            )
        session.flush()
        first = session.query(Space).filter_by(town_id=town.town_id, slug="s0").one()
        session.add_all(
            Module(space_id=first.id, type="item", slug=f"m{i}", title=f"Module {i}", phase="open")
            for i in range(modules)
        )


def _queries(town, client, path: str) -> int:
    with town.parvis.db.count_queries() as counter:
        assert client.get(path).status_code == 200
    return counter.count


def test_home_space_list_and_space_page_cost_the_same_for_5_or_200_items(make_town):
    small = make_town("small.example", extra_plugins={"item": PLUGIN})
    large = make_town("large.example", app=small.app)
    _fill(small, spaces=5, modules=5)
    _fill(large, spaces=200, modules=200)
    for path in ("/", "/open", "/spaces", "/spaces?area=1", "/s/s0"):
        with small.client() as a, large.client() as b:
            assert _queries(small, a, path) == _queries(large, b, path), path
    with large.client() as client:
        count = _queries(large, client, "/s/s0")
        assert count <= 8, count
        login(client, large.admin_email, large.admin_password)
        assert _queries(large, client, "/admin") <= 6
