"""Demo content: a past election with published results and an election open for voting."""

from __future__ import annotations

import hashlib
import random
from typing import Any

from parvis.api import Module, Space, town_areas, utcnow

from . import electorate
from .box import ballot_box
from .config import ElectionConfig
from .models import Candidacy, Constituency
from .results import count_election
from .services import MODULE_TYPE, ConstituencyRow

FIRST = [
    "Aïcha",
    "Bruno",
    "Claire",
    "Djibril",
    "Élise",
    "Fabien",
    "Gaëlle",
    "Hamid",
    "Isabelle",
    "Julien",
    "Karima",
    "Luc",
]
FIRST += ["Maëlle", "Nicolas", "Océane", "Pierre", "Rania", "Samuel"]
LAST = [
    "Benali",
    "Caron",
    "Dubois",
    "Sow",
    "Garnier",
    "Roux",
    "Morin",
    "Kaci",
    "Lefèvre",
    "Marchand",
    "Haddad",
    "Fontaine",
]
LAST += ["Guérin", "Perrin", "Blanc", "Lambert", "Cherif"]
STATEMENT = (
    "Habitante ou habitant du quartier depuis des années, je veux un conseil qui écoute : "
    "des permanences chaque mois, des comptes rendus publiés, et des projets décidés avec "
    "les voisins."
)
# Census figure of the demo's past election (the demo town has only a handful of accounts).
PAST_ELECTORATE = 1200


def _election(
    session: Any, space: Space, slug: str, title: str, phase: str, config: ElectionConfig
) -> Module:
    module = Module(space_id=space.id, type=MODULE_TYPE, slug=slug, title=title, phase=phase)
    session.add(module)
    session.flush()
    config.save(module)
    return module


def _candidates(
    session: Any, module: Module, constituency: Constituency, names: list[str]
) -> list[Candidacy]:
    cands = []
    for i, name in enumerate(names):
        cand = Candidacy(
            module_id=module.id,
            constituency_id=constituency.id,
            name=name,
            statement=STATEMENT,
            gender="f" if i % 2 == 0 else "m",
            status="accepted",
        )
        session.add(cand)
        cands.append(cand)
    session.flush()
    return cands


def load(session: Any, town: Any) -> None:
    areas = town_areas(session, town)
    if len(areas) < 2:
        return
    space = Space(
        town_id=town.id,
        slug="elections",
        title="Élections des conseils de quartier",
        summary="Candidatures, vote en ligne et résultats des conseils de quartier.",
        kind="general",
        published=True,
        position=5,
    )
    session.add(space)
    session.flush()
    rng = random.Random(2025)
    past_config = ElectionConfig(
        method="block",
        min_age=16,
        election_day="2025-03-16",
        voting_start="2025-03-09",
        voting_end="2025-03-16",
        tie_seed="loto-2025-03-15",
    )
    past = _election(session, space, "conseils-2025", "Conseils 2025", "counting", past_config)
    # 18 and 17 are coprime: the pairs do not repeat before 306 names.
    names = (f"{FIRST[i % len(FIRST)]} {LAST[i % len(LAST)]}" for i in range(306))
    box = ballot_box()
    # The demo town has few accounts: its electorate, frozen at the close, is the census figure.
    closed = electorate.voting_closed_at(past_config, town, utcnow())
    for area in areas[:2]:
        constituency = Constituency(
            module_id=past.id,
            area_id=area.id,
            seats=3,
            electorate=PAST_ELECTORATE,
            electorate_at=closed,
        )
        session.add(constituency)
        session.flush()
        cands = _candidates(session, past, constituency, [next(names) for _ in range(5)])
        weights = [5, 4, 3, 2, 1]
        row = ConstituencyRow(constituency.id, area.id, area.name, 3)
        for n in range(rng.randint(40, 60)):
            chosen = {rng.choices(cands, weights)[0].id for _ in range(3)}
            key = hashlib.sha256(f"demo-voter:{past.id}:{area.id}:{n}".encode()).hexdigest()
            box.cast(
                session,
                module_id=past.id,
                constituency_id=row.id,
                person_key=key,
                choices=sorted(chosen),
            )
    count_election(session, past, ElectionConfig.of(past), town)
    past.phase = "results"
    current_config = ElectionConfig(method="stv", min_age=16, ballot_order="random", parity=True)
    current = _election(session, space, "conseils-2027", "Conseils 2027", "voting", current_config)
    for area in areas:
        constituency = Constituency(module_id=current.id, area_id=area.id, seats=2)
        session.add(constituency)
        session.flush()
        _candidates(session, current, constituency, [next(names) for _ in range(4)])
