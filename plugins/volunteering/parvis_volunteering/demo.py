"""Demo content: associations across the neighbourhoods (one waiting for validation), missions
of both kinds, two volunteer profiles and applications in every state."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from parvis.api import User, town_areas, town_time_zone, utcnow

from . import associations, clock, missions, profiles
from .models import (
    ACCEPTED,
    APP_PENDING,
    REFUSED_APP,
    VALIDATED,
    WAITLISTED,
    WITHDRAWN,
    Application,
    Mission,
    Slot,
)

ASSOCIATIONS = [
    (
        "Les Restos du Faubourg",
        "Repas chauds et colis alimentaires, toute l'année.",
        ["solidarity"],
        "yacine",
    ),
    (
        "Brise Nature",
        "Nettoyage des berges de la Loire, jardins partagés, nichoirs.",
        ["environment"],
        "lea",
    ),
    (
        "Coup de pouce scolaire",
        "Aide aux devoirs pour les écoliers et collégiens.",
        ["education"],
        "mamadou",
    ),
    (
        "Voisins solidaires des Coteaux",
        "Visites aux personnes âgées isolées, courses, lecture.",
        ["solidarity", "health"],
        "yacine",
    ),
]
PENDING = (
    "Club de lecture de Val-Fleuri",
    "Lectures à voix haute à la médiathèque.",
    ["culture"],
    "ines",
)

# title, association index, cause, skills, area index (None: remote), kind, min age, accessibility
MISSIONS = [
    (
        "Distribution de colis du samedi",
        0,
        "solidarity",
        ["handling", "listening"],
        2,
        "slots",
        0,
        "Plain-pied ; possibilité de rester assis à l'accueil.",
    ),
    ("Cuisine du repas de Noël", 0, "solidarity", ["cooking"], 2, "slots", 16, ""),
    (
        "Nettoyage des berges",
        1,
        "environment",
        ["handling", "gardening"],
        4,
        "slots",
        0,
        "Terrain en pente, gants fournis.",
    ),
    (
        "Jardin partagé des Tilleuls",
        1,
        "environment",
        ["gardening", "diy"],
        1,
        "recurring",
        0,
        "Bacs surélevés accessibles en fauteuil.",
    ),
    ("Aide aux devoirs (CM1-CM2)", 2, "education", ["teaching"], 0, "recurring", 18, ""),
    (
        "Soutien en maths à distance",
        2,
        "education",
        ["teaching", "digital"],
        None,
        "recurring",
        18,
        "Par visioconférence, sous-titres possibles.",
    ),
    ("Visites de convivialité", 3, "solidarity", ["listening", "driving"], 3, "recurring", 18, ""),
    (
        "Atelier numérique pour seniors",
        3,
        "solidarity",
        ["digital", "listening"],
        3,
        "slots",
        0,
        "Salle au rez-de-chaussée, boucle magnétique.",
    ),
]


def _user(session: Any, town: Any, handle: str) -> User:
    return session.scalar(
        select(User).where(User.town_id == town.id, User.email == f"{handle}@demo.parvis.local")
    )


def load(session: Any, town: Any) -> None:
    areas = town_areas(session, town)
    if not areas or _user(session, town, PENDING[3]) is None:
        # A town without the demo's neighbourhoods and residents (e.g. a second, themed town).
        return
    made = []
    for name, purpose, causes, handle in [*ASSOCIATIONS, PENDING]:
        data = associations.AssociationData(
            name=name,
            purpose=purpose,
            website="",
            contact_email=f"contact@{handle}.asso.example",
            contact_phone="",
            area_ids=[areas[len(made) % len(areas)].id],
            causes=causes,
        )
        association = associations.register(session, town.id, _user(session, town, handle), data)
        if (name, purpose, causes, handle) != PENDING:
            association.status, association.validated_at = VALIDATED, utcnow()
        made.append(association)
    today = clock.today(town_time_zone(town))
    saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 or 7)
    built: list[Mission] = []
    for index, (title, owner, cause, skills, area, kind, min_age, access) in enumerate(MISSIONS):
        mission = Mission(town_id=town.id, association_id=made[owner].id)
        day = saturday + dt.timedelta(days=7 * (index % 3))
        missions.save(
            session,
            mission,
            missions.MissionData(
                title=title,
                description=f"{title} avec {made[owner].name}. Débutants bienvenus.",
                cause=cause,
                skills=skills,
                area_id=areas[area].id if area is not None else None,
                address="" if area is None else f"{3 + index} rue des Lilas",
                remote=area is None,
                kind=kind,
                min_age=min_age,
                accessibility=access,
                slots=[
                    missions.SlotData(day, dt.time(9, 0), dt.time(12, 0), 4),
                    missions.SlotData(
                        day + dt.timedelta(days=1), dt.time(14, 0), dt.time(17, 0), 2
                    ),
                ],
                times=[(2, 1), (5, 0)],
                weeks=12,
                hours_per_session=2.0,
                places=3,
            ),
        )
        built.append(mission)
    # A slot that is over, with a volunteer who came: the history has something to show.
    past = Slot(
        mission_id=built[0].id,
        date=today - dt.timedelta(days=6),
        start=dt.time(9),
        end=dt.time(12),
        places=4,
        taken=1,
    )
    session.add(past)
    session.flush()
    camille, hugo, chloe, nour = (
        _user(session, town, h) for h in ("camille", "hugo", "chloe", "nour")
    )
    profiles.save(
        session,
        town.id,
        camille,
        profiles.ProfileData(
            skills=["listening", "cooking", "digital"],
            causes=["solidarity"],
            times=[(5, 0), (5, 1), (2, 1)],
            area_id=camille.area_id,
            phone="06 00 00 00 01",
            suggest=True,
            contactable=True,
        ),
    )
    profiles.save(
        session,
        town.id,
        hugo,
        profiles.ProfileData(
            skills=["gardening", "handling"],
            causes=["environment"],
            times=[(5, 0)],
            area_id=hugo.area_id,
            phone="",
            suggest=True,
            contactable=True,
        ),
    )
    session.add(
        Application(
            town_id=town.id,
            mission_id=built[0].id,
            slot_id=past.id,
            user_id=camille.id,
            status=ACCEPTED,
            created_at=utcnow() - dt.timedelta(days=12),
            answered_at=utcnow() - dt.timedelta(days=11),
            attended=True,
            hours=3,
        )
    )
    first_slots = {m.id: missions.slots(session, m.id)[0] for m in built}
    states = [
        (built[2], hugo, ACCEPTED),
        (built[0], hugo, APP_PENDING),
        (built[3], chloe, WAITLISTED),
        (built[6], nour, REFUSED_APP),
        (built[7], chloe, WITHDRAWN),
        (built[2], nour, APP_PENDING),
    ]
    for mission, user, status in states:
        slot = first_slots[mission.id]
        session.add(
            Application(
                town_id=town.id,
                mission_id=mission.id,
                slot_id=slot.id,
                user_id=user.id,
                status=status,
                message="Bonjour, je suis disponible et motivé·e !",
                reason="Le groupe est complet pour cette date, merci !"
                if status == REFUSED_APP
                else "",
                created_at=utcnow() - dt.timedelta(days=3),
                answered_at=utcnow() - dt.timedelta(days=2) if status != APP_PENDING else None,
            )
        )
        if status == ACCEPTED:
            slot.taken += 1
    session.flush()
