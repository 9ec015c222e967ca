"""The demo town: what a newcomer sees first, so it must look alive."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from parvis.db import utcnow
from parvis.models import Area, Space, User
from parvis.passwords import hash_password
from parvis.spaces.services import slugify
from parvis.towns import create_town
from parvis.verification.methods import COUNTER, PROOF, save_settings
from parvis.verification.records import person_key, verify_user

if TYPE_CHECKING:
    from parvis.app import Parvis

NEIGHBOURHOODS = [
    "Centre-ville",
    "Les Tilleuls",
    "Gare-Faubourg",
    "Les Coteaux",
    "Port-Neuf",
    "La Roseraie",
    "Val-Fleuri",
    "Les Hauts-de-Brise",
]

DEMO_PASSWORD = "demo-resident-password"
ADMIN_EMAIL = "admin@demo.parvis.local"
ADMIN_PASSWORD = "demo-admin-password"
DEMO_SLUG = "brise"


def load_demo(parvis: Parvis, session: Session) -> None:
    town = create_town(
        session,
        name="Brise-sur-Loire",
        slug=DEMO_SLUG,
        hosts=["127.0.0.1", "localhost"],
        plugins=parvis.plugins,
        admin_email=ADMIN_EMAIL,
        admin_password=ADMIN_PASSWORD,
        admin_name="Mairie de Brise",
    )
    town.accessibility_statement = ""
    # Residents of the demo can try the two methods that need no town list.
    save_settings(town, [PROOF, COUNTER], None)
    areas = []
    for position, name in enumerate(NEIGHBOURHOODS):
        area = Area(town_id=town.id, slug=slugify(name), name=name, position=position)
        session.add(area)
        areas.append(area)
    session.flush()
    password_hash = hash_password(DEMO_PASSWORD)
    residents = [
        ("Camille", "camille"),
        ("Yacine", "yacine"),
        ("Léa", "lea"),
        ("Mamadou", "mamadou"),
        ("Inès", "ines"),
        ("Hugo", "hugo"),
        ("Chloé", "chloe"),
        ("Nour", "nour"),
    ]
    for index, (name, handle) in enumerate(residents):
        resident = User(
            town_id=town.id,
            email=f"{handle}@demo.parvis.local",
            password_hash=password_hash,
            display_name=name,
            locale="fr",
            area_id=areas[index % len(areas)].id,
            confirmed_at=utcnow(),
            birth_date=dt.date(1970 + index * 4, 1 + index, 10),
        )
        session.add(resident)
        session.flush()
        verify_user(
            session,
            resident,
            person_key=person_key(
                parvis.config.secret_key,
                town.id,
                family_name="Démo",
                given_names=name,
                birth_date=resident.birth_date,
            ),
            method="counter",
            area_id=resident.area_id,
            birth_date=resident.birth_date,
        )
    session.add(
        Space(
            town_id=town.id,
            slug="grands-projets",
            title="Grands projets de la ville",
            summary="Les consultations sur les sujets qui concernent toute la ville.",
            description=(
                "Brise-sur-Loire consulte ses 50 000 habitants sur les grands projets : "
                "le futur vélodrome, l'accueil des Jeux, les mobilités.\n\n"
                "**Lire est ouvert à toutes et tous** ; pour répondre, créez un compte."
            ),
            kind="general",
            published=True,
            position=0,
        )
    )
    session.flush()
    parvis.pm.hook.parvis_demo_data(session=session, town=town)
    session.flush()
