"""Demo content: a council per neighbourhood, with members, news, meetings and three calls
for ideas (submission, vote, published results)."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from parvis.api import Area, Module, Space, Town, User, set_phase_dates, slugify, utcnow

from . import ballot_box, common, count_jobs
from .config import CallConfig
from .models import CouncilMember, Document, Idea, Meeting, NewsItem

# A tiny valid PDF (one empty page) for the demo minutes.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

MEMBERS = [
    ("Awa Diallo", "president"),
    ("Jean-Marc Petit", "secretary"),
    ("Sofia Martins", "member"),
    ("Louis Bernard", "member"),
]

IDEAS = [
    ("Bancs à l'ombre square Lamartine", 4_500, "Trois bancs sous les tilleuls."),
    ("Boîte à livres devant l'école", 1_200, "Une boîte à livres en bois local."),
    ("Jardin partagé rue des Lilas", 18_000, "Des bacs, un composteur, un point d'eau."),
    ("Éclairage du passage de la gare", 32_000, "Un passage sombre le soir."),
    ("Arceaux vélo place du marché", 6_000, "Vingt arceaux abrités."),
    ("Fresque sur le mur du gymnase", 9_000, "Avec les jeunes du quartier."),
    ("Table de ping-pong au parc", 3_500, "Table en béton, filet métallique."),
    ("Fontaine à eau au terrain de sport", 7_500, "Eau potable l'été."),
    ("Ralentisseurs rue Pasteur", 25_000, "Les voitures roulent trop vite."),
    ("Nichoirs et hôtels à insectes", 2_000, "Avec l'école primaire."),
    ("Piste de skate", 40_000, "Petite aire pour débutants."),
]

CRITERIA = """Les idées sont instruites par le conseil et les services de la ville :

- elles relèvent de l'investissement et d'un lieu public du quartier ;
- leur coût tient dans le budget de l'appel ;
- elles ne créent pas de charge de fonctionnement importante.

Le vote est dépouillé par la **méthode des parts égales** complétée (add1), puis par ordre
de voix pour le budget restant."""


def load(session: Session, town: Town) -> None:
    areas = list(
        session.scalars(select(Area).where(Area.town_id == town.id).order_by(Area.position))
    )
    users = list(session.scalars(select(User).where(User.town_id == town.id).order_by(User.id)))
    rng = random.Random(2027)
    councils = []
    for position, area in enumerate(areas):
        space = Space(
            town_id=town.id,
            slug=slugify(f"conseil {area.name}"),
            title=f"Conseil de quartier {area.name}",
            summary=f"Le conseil de quartier {area.name} et son budget participatif.",
            description=(
                f"Le conseil de quartier **{area.name}** réunit des habitantes et habitants "
                "bénévoles. Il se réunit chaque trimestre en séance publique et porte chaque "
                "année un appel à idées pour son budget d'investissement."
            ),
            kind=common.KIND,
            area_id=area.id,
            published=True,
            position=10 + position,
        )
        session.add(space)
        session.flush()
        councils.append(space)
        for order, (name, role) in enumerate(MEMBERS):
            session.add(
                CouncilMember(
                    space_id=space.id,
                    name=name if position == 0 else f"{name.split()[0]} {area.name[:1]}.",
                    council_role=role,
                    position=order,
                )
            )
    now = utcnow()
    for space in councils[:2]:
        session.add(
            NewsItem(
                space_id=space.id,
                title="Les bancs du square sont installés",
                body="Financés par le budget participatif de l'an dernier, ils sont en place.",
                published_at=now - dt.timedelta(days=4),
            )
        )
        doc = Document(
            town_id=town.id,
            space_id=space.id,
            filename="compte-rendu-seance-mars.pdf",
            size=len(DEMO_PDF),
            data=DEMO_PDF,
        )
        session.add(doc)
        session.flush()
        session.add(
            Meeting(
                space_id=space.id,
                title="Séance publique de mars",
                starts_at=now - dt.timedelta(days=20),
                location="Maison de quartier",
                agenda="1. Bilan des projets\n2. Lancement de l'appel à idées\n3. Questions",
                minutes_id=doc.id,
            )
        )
        session.add(
            Meeting(
                space_id=space.id,
                title="Séance publique de juin",
                starts_at=now + dt.timedelta(days=30),
                location="Maison de quartier",
                agenda="1. Résultats du vote\n2. Suivi des projets",
            )
        )
    if not councils:
        return
    first = councils[0]
    vote_call = _call(session, first, "Budget participatif 2027", "vote", budget=60_000)
    _ideas(session, vote_call, first, users, areas, rng)
    _ballots(session, vote_call, users, rng, extra=40)
    set_phase_dates(session, vote_call, "vote", ends_at=now + dt.timedelta(days=12))
    second = councils[1] if len(councils) > 1 else first
    done_call = _call(session, second, "Budget participatif 2026", "results", budget=50_000)
    _ideas(session, done_call, second, users, areas, rng)
    _ballots(session, done_call, users, rng, extra=60)
    job = count_jobs.count_now(session, town, done_call)
    count_jobs.publish_job(session, done_call, job)
    third = councils[2] if len(councils) > 2 else first
    open_call = _call(session, third, "Appel à idées 2028", "submission", budget=40_000)
    set_phase_dates(session, open_call, "submission", ends_at=now + dt.timedelta(days=20))
    for title, cost, text in IDEAS[:3]:
        session.add(
            Idea(
                module_id=open_call.id,
                author_id=users[0].id if users else None,
                title=title,
                description=text,
                estimated_cost=cost,
                area_id=third.area_id,
            )
        )


def _call(session: Session, space: Space, title: str, phase: str, budget: int) -> Module:
    module = Module(
        space_id=space.id,
        type=common.MODULE_TYPE,
        slug=slugify(title),
        title=title,
        phase=phase,
        position=1,
    )
    session.add(module)
    session.flush()
    config = CallConfig(
        budget=budget,
        ballot_rule="approval",
        counting_rule="mes_add1",
        max_projects=4,
        completion=True,
        criteria=CRITERIA,
    )
    config.save(module)
    return module


def _ideas(
    session: Session,
    module: Module,
    space: Space,
    users: list[User],
    areas: list[Area],
    rng: random.Random,
) -> None:
    for n, (title, cost, text) in enumerate(IDEAS):
        feasible = n != len(IDEAS) - 1
        session.add(
            Idea(
                module_id=module.id,
                author_id=users[n % len(users)].id if users else None,
                title=title,
                description=text,
                estimated_cost=cost,
                final_cost=round(cost * rng.uniform(0.9, 1.2), -2) if feasible else None,
                area_id=space.area_id,
                status="feasible" if feasible else "not_feasible",
                review_reason=(
                    "Réalisable par les services techniques."
                    if feasible
                    else "Le terrain envisagé n'appartient pas à la ville."
                ),
                support_count=rng.randint(0, 12),
            )
        )
    session.flush()


def _ballots(
    session: Session, module: Module, users: list[User], rng: random.Random, extra: int
) -> None:
    ideas = list(
        session.scalars(
            select(Idea.id).where(Idea.module_id == module.id, Idea.status == "feasible")
        )
    )
    weights = [rng.uniform(0.2, 3) for _ in ideas]
    voters = [(ballot_box.voter_key(u), u.id) for u in users[1:]]
    # Ballots of residents who voted at a polling station, entered without an account.
    voters += [(f"paper:{n}", None) for n in range(extra)]
    for key, user_id in voters:
        chosen = set(rng.choices(ideas, weights=weights, k=rng.randint(1, 4)))
        ballot_box.cast_ballot(session, module, key, dict.fromkeys(chosen, 1), user_id)
