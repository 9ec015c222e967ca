"""Fixtures: a space with a survey holding every question kind, and a quick poll."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from parvis.api import Area, Module, Space
from parvis_consultation.models import (
    CHOICE,
    ROW,
    Option,
    Question,
    Section,
    Survey,
)


@dataclass
class Built:
    space_slug: str
    space_id: int
    module_id: int
    q: dict[str, int] = field(default_factory=dict)
    o: dict[str, list[int]] = field(default_factory=dict)
    rows: list[int] = field(default_factory=list)
    areas: list[int] = field(default_factory=list)
    kind: str = "survey"

    @property
    def url(self) -> str:
        return f"/s/{self.space_slug}/{self.kind}/{self.module_id}/"


def add_question(
    session: Any,
    module: Module,
    section: Section,
    key: str,
    kind: str,
    options: tuple[str, ...] = (),
    rows: tuple[str, ...] = (),
    **extra: Any,
):
    q = Question(
        module_id=module.id,
        section_id=section.id,
        kind=kind,
        label=key,
        position=extra.pop("position", 0),
        **extra,
    )
    session.add(q)
    session.flush()
    opts = [
        Option(question_id=q.id, role=CHOICE, label=label, position=i)
        for i, label in enumerate(options)
    ]
    row_opts = [
        Option(question_id=q.id, role=ROW, label=label, position=i) for i, label in enumerate(rows)
    ]
    session.add_all(opts + row_opts)
    session.flush()
    return q, [o.id for o in opts], [r.id for r in row_opts]


def build_survey(
    town: Any, *, phase: str = "open", slug: str = "grand-projet", **survey: Any
) -> Built:
    with town.session() as session:
        areas = [
            Area(town_id=town.town_id, slug=f"{slug}-a{i}", name=f"Quartier {i}", position=i)
            for i in range(2)
        ]
        session.add_all(areas)
        space = Space(town_id=town.town_id, slug=slug, title="Grand projet", published=True)
        session.add(space)
        session.flush()
        module = Module(
            space_id=space.id, type="survey", slug="velodrome", title="Vélodrome", phase=phase
        )
        session.add(module)
        session.flush()
        session.add(Survey(module_id=module.id, **survey))
        s1 = Section(module_id=module.id, title="Part one", position=1)
        s2 = Section(module_id=module.id, title="Part two", position=2)
        session.add_all([s1, s2])
        session.flush()
        built = Built(space.slug, space.id, module.id, areas=[a.id for a in areas])
        spec = [
            (
                s1,
                "single",
                "single",
                ("Bike", "Bus", "Car"),
                (),
                {"required": True, "allow_other": True},
            ),
            (
                s1,
                "multiple",
                "multiple",
                ("Track", "BMX", "School", "Para"),
                (),
                {"min_choices": 1, "max_choices": 2, "allow_other": True},
            ),
            (s1, "short", "short_text", (), (), {}),
            (s1, "long", "long_text", (), (), {}),
            (s2, "number", "number", (), (), {"min_value": 0, "max_value": 50}),
            (
                s2,
                "scale",
                "scale",
                (),
                (),
                {"scale_max": 5, "low_label": "Bad", "high_label": "Good"},
            ),
            (s2, "ranking", "ranking", ("Price", "Transport", "Hours"), (), {}),
            (s2, "matrix", "matrix", ("Good", "Bad"), ("North", "South"), {}),
            (s2, "date", "date", (), (), {}),
        ]
        for pos, (section, key, kind, options, rows, extra) in enumerate(spec):
            q, opts, row_ids = add_question(
                session, module, section, key, kind, options, rows, position=pos, **extra
            )
            built.q[key] = q.id
            built.o[key] = opts
            if row_ids:
                built.rows = row_ids
        # "short" only when "single" is Bike.
        cond = session.get(Question, built.q["short"])
        cond.condition_question_id = built.q["single"]
        cond.condition_option_id = built.o["single"][0]
    return built


def build_poll(town: Any, *, phase: str = "open", slug: str = "sondages", **survey: Any) -> Built:
    with town.session() as session:
        space = Space(town_id=town.town_id, slug=slug, title="Sondages", published=True)
        session.add(space)
        session.flush()
        module = Module(
            space_id=space.id, type="poll", slug="fan-zone", title="Fan zone", phase=phase
        )
        session.add(module)
        session.flush()
        session.add(Survey(module_id=module.id, **survey))
        section = Section(module_id=module.id, title="Poll", position=1)
        session.add(section)
        session.flush()
        q, opts, _r = add_question(session, module, section, "Fan zone?", "single", ("Yes", "No"))
        return Built(space.slug, space.id, module.id, {"poll": q.id}, {"poll": opts}, kind="poll")


def full_answer(b: Built) -> dict[str, Any]:
    """A valid answer to every question of ``build_survey``."""
    return {
        f"q{b.q['single']}": str(b.o["single"][0]),
        f"q{b.q['multiple']}": [str(b.o["multiple"][0]), "other"],
        f"q{b.q['multiple']}_other": "Roller, derby",
        f"q{b.q['short']}": "Yes; indeed",
        f"q{b.q['long']}": 'Line one\nLine two, with "quotes"',
        f"q{b.q['number']}": "12,5",
        f"q{b.q['scale']}": "4",
        f"q{b.q['ranking']}_o{b.o['ranking'][0]}": "2",
        f"q{b.q['ranking']}_o{b.o['ranking'][1]}": "1",
        f"q{b.q['ranking']}_o{b.o['ranking'][2]}": "3",
        f"q{b.q['matrix']}_r{b.rows[0]}": str(b.o["matrix"][0]),
        f"q{b.q['matrix']}_r{b.rows[1]}": str(b.o["matrix"][1]),
        f"q{b.q['date']}": "2026-07-14",
    }


def english_user(session: Any, town_id: int, email: str, **kwargs: Any) -> Any:
    """A user reading English (core's ``make_user`` makes French readers)."""
    from parvis.testing import make_user

    user = make_user(session, town_id, email, **kwargs)
    user.locale = "en"
    session.flush()
    return user
