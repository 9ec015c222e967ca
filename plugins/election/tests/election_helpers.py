"""Builders for the election tests: an election with constituencies and candidates, voters."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from parvis.api import Area, Module, Space
from parvis.testing import login, make_user, post_form
from parvis_election.config import ElectionConfig
from parvis_election.models import Candidacy, Constituency


@dataclass
class Election:
    module_id: int
    url: str
    areas: dict[str, int]
    constituencies: dict[str, int]
    candidates: dict[str, list[int]] = field(default_factory=dict)


def make_election(
    town: Any,
    *,
    phase: str = "voting",
    seats: int = 2,
    areas: tuple[str, ...] = ("nord", "sud"),
    candidates: int = 3,
    slug: str = "elections",
    **config: Any,
) -> Election:
    """An election in a published space; each area is a constituency with accepted candidates
    named '<area> 1', '<area> 2'…; areas that exist already in the town are reused."""
    with town.session() as session:
        space = session.query(Space).filter_by(town_id=town.town_id, slug=slug).one_or_none()
        if space is None:
            space = Space(town_id=town.town_id, slug=slug, title="Élections", published=True)
            session.add(space)
            session.flush()
        module = Module(
            space_id=space.id,
            type="council_election",
            slug=f"e{phase}",
            title="Conseils",
            phase=phase,
        )
        session.add(module)
        session.flush()
        ElectionConfig(**config).save(module)
        election = Election(module.id, f"/s/{slug}/council_election/{module.id}/", {}, {})
        for name in areas:
            area = session.query(Area).filter_by(town_id=town.town_id, slug=name).one_or_none()
            if area is None:
                area = Area(town_id=town.town_id, slug=name, name=name.capitalize())
                session.add(area)
                session.flush()
            constituency = Constituency(module_id=module.id, area_id=area.id, seats=seats)
            session.add(constituency)
            session.flush()
            election.areas[name] = area.id
            election.constituencies[name] = constituency.id
            ids = []
            for i in range(1, candidates + 1):
                cand = Candidacy(
                    module_id=module.id,
                    constituency_id=constituency.id,
                    name=f"{name.capitalize()} {i}",
                    statement="Pour le quartier.",
                    gender="f" if i % 2 else "m",
                    status="accepted",
                )
                session.add(cand)
                session.flush()
                ids.append(cand.id)
            election.candidates[name] = ids
    return election


def voter(
    town: Any,
    email: str,
    election: Election | None = None,
    area: str = "nord",
    *,
    birth_date: dt.date = dt.date(1990, 5, 17),
    person_key: str | None = None,
    verified: bool = True,
    roles: tuple[str, ...] = (),
) -> int:
    with town.session() as session:
        area_id = election.areas[area] if election else None
        user = make_user(
            session,
            town.town_id,
            email,
            verified=verified,
            area=area_id,
            area_id=area_id,
            birth_date=birth_date,
            person_key=person_key,
            roles=roles,
        )
        return user.id


def sign_in(client: Any, email: str) -> None:
    client.cookies.clear()
    login(client, email)


def cast(client: Any, election: Election, data: dict[str, Any] | list[tuple[str, Any]]) -> Any:
    """Review then confirm a ballot, as a voter does."""
    url = election.url + "vote"
    items = list(data.items()) if isinstance(data, dict) else list(data)
    review = post_form(client, url, [*items, ("step", "review")], page=url)
    if review.status_code != 200:
        return review
    return post_form(client, url, [*items, ("step", "cast")], page=url)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
