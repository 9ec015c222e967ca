"""The demo town gets a survey with answers and a quick poll on its home page."""

from __future__ import annotations

from sqlalchemy import func, select

from parvis.api import Module
from parvis.testing import load_demo_town
from parvis_consultation.models import Response


def test_demo_content(make_town):
    demo = load_demo_town(make_town())
    with demo.session() as s:
        modules = {
            m.slug: m for m in s.scalars(select(Module).where(Module.type.in_(["survey", "poll"])))
        }
        assert {"velodrome", "jeux-fan-zone"} <= set(modules)
        assert s.scalar(select(func.count()).select_from(Response)) > 0
        survey = modules["velodrome"]
    with demo.client() as c:
        home = c.get("/")
        assert "Une fan zone" in home.text or "fan zone" in home.text
        page = c.get(f"/s/grands-projets/survey/{survey.id}/")
        assert page.status_code == 200 and "vélodrome" in page.text
