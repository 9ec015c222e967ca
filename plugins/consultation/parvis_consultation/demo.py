"""Demo content: a survey about the velodrome and a quick poll on the home page."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parvis.api import Module, Space, User, set_phase_dates, town_areas, utcnow
from parvis_consultation.models import (
    CHOICE,
    ROW,
    Option,
    Question,
    Section,
    Survey,
)
from parvis_consultation.responses import save_response


def _question(
    session: Session,
    module: Module,
    section: Section,
    pos: int,
    kind: str,
    label: str,
    options: list[str] = (),
    rows: list[str] = (),
    **extra: Any,
) -> tuple[Question, list[Option]]:
    q = Question(
        module_id=module.id, section_id=section.id, position=pos, kind=kind, label=label, **extra
    )
    session.add(q)
    session.flush()
    opts = [
        Option(question_id=q.id, role=CHOICE, position=i, label=label)
        for i, label in enumerate(options)
    ]
    opts += [
        Option(question_id=q.id, role=ROW, position=i, label=label) for i, label in enumerate(rows)
    ]
    session.add_all(opts)
    session.flush()
    return q, opts


def create_demo(session: Session, town: Any) -> None:
    space = session.scalar(
        select(Space).where(Space.town_id == town.id, Space.slug == "grands-projets")
    )
    if space is None:
        return
    survey_module = Module(
        space_id=space.id,
        type="survey",
        slug="velodrome",
        position=10,
        title="Le futur vélodrome : votre avis",
        phase="open",
    )
    poll_module = Module(
        space_id=space.id,
        type="poll",
        slug="jeux-fan-zone",
        position=11,
        title="Une fan zone pour les Jeux ?",
        phase="open",
    )
    session.add_all([survey_module, poll_module])
    session.flush()
    # Two days left: the home page shows the deadline as urgent.
    set_phase_dates(session, survey_module, "open", ends_at=utcnow() + dt.timedelta(days=2))
    session.add(
        Survey(
            module_id=survey_module.id,
            results_visibility="public",
            intro="La ville prévoit un vélodrome couvert. Dites-nous comment vous l'utiliseriez.",
        )
    )
    session.add(Survey(module_id=poll_module.id, show_on_home=True, poll_results="answered"))
    s1 = Section(module_id=survey_module.id, position=1, title="Vos habitudes")
    s2 = Section(module_id=survey_module.id, position=2, title="Le projet")
    ps = Section(module_id=poll_module.id, position=1, title="Fan zone")
    session.add_all([s1, s2, ps])
    session.flush()
    q1, o1 = _question(
        session,
        survey_module,
        s1,
        1,
        "single",
        "Faites-vous du vélo ?",
        ["Tous les jours", "Chaque semaine", "Rarement", "Jamais"],
        required=True,
    )
    q2, _o2 = _question(
        session,
        survey_module,
        s1,
        2,
        "multiple",
        "Quelles disciplines vous intéressent ?",
        ["Piste", "BMX", "Vélo d'école", "Handisport"],
        min_choices=1,
        max_choices=3,
        allow_other=True,
        condition_question_id=q1.id,
    )
    q2.condition_option_id = o1[0].id
    q3, _o3 = _question(
        session,
        survey_module,
        s2,
        1,
        "scale",
        "Le projet vous paraît-il utile ?",
        scale_max=5,
        low_label="Pas du tout",
        high_label="Tout à fait",
        required=True,
    )
    q4, o4 = _question(
        session,
        survey_module,
        s2,
        2,
        "ranking",
        "Classez ces priorités",
        ["Prix d'entrée bas", "Accès en transports", "Horaires larges"],
    )
    q5, o5 = _question(
        session,
        survey_module,
        s2,
        3,
        "matrix",
        "Comment jugez-vous ces emplacements ?",
        ["Bien", "Moyen", "Mal"],
        ["Quai de Loire", "Zone des Prés"],
    )
    q6, _o6 = _question(
        session,
        survey_module,
        s2,
        4,
        "number",
        "Combien seriez-vous prêt à payer par séance (€) ?",
        min_value=0,
        max_value=50,
    )
    q7, _o7 = _question(session, survey_module, s2, 5, "long_text", "Une idée, une remarque ?")
    pq, po = _question(
        session,
        poll_module,
        ps,
        1,
        "single",
        "Faut-il une fan zone place du Marché pendant les Jeux ?",
        ["Oui", "Non", "Sans avis"],
    )
    users = list(
        session.scalars(select(User).where(User.town_id == town.id, User.confirmed_at.is_not(None)))
    )
    rng = random.Random(2026)
    areas = {a.id for a in town_areas(session, town)}
    for user in users:
        rows = [
            {"question_id": q1.id, "option_id": rng.choice(o1).id},
            {"question_id": q3.id, "number": float(rng.randint(1, 5))},
        ]
        for rank, option in enumerate(rng.sample(o4, len(o4)), start=1):
            rows.append({"question_id": q4.id, "option_id": option.id, "rank": rank})
        for row in o5[3:]:
            rows.append(
                {"question_id": q5.id, "row_id": row.id, "option_id": rng.choice(o5[:3]).id}
            )
        rows.append({"question_id": q6.id, "number": float(rng.randint(2, 10))})
        save_response(
            session,
            survey_module.id,
            rows,
            user_id=user.id,
            area_id=user.area_id if user.area_id in areas else None,
        )
        save_response(
            session,
            poll_module.id,
            [{"question_id": pq.id, "option_id": rng.choice(po).id}],
            user_id=user.id,
            area_id=user.area_id,
        )
    del q2, q7
