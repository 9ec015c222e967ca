"""The survey builder: plain forms, structural lock once people answered, preview, settings."""

from __future__ import annotations

from consultation_builders import build_survey, english_user, full_answer
from sqlalchemy import select

from parvis.api import Module, Space, Town
from parvis.testing import form_errors, login, post_form
from parvis_consultation.models import Option, Question, Section, Survey


def _admin(town):
    c = town.client()
    login(c, town.admin_email, town.admin_password)
    return c


def test_build_a_survey_from_scratch(town):
    with town.session() as s:
        space = Space(town_id=town.town_id, slug="jeux", title="Jeux", published=True)
        s.add(space)
        s.flush()
        module = Module(space_id=space.id, type="survey", slug="jo", title="JO", phase="draft")
        s.add(module)
        s.flush()
        url = f"/s/jeux/survey/{module.id}/"
    c = _admin(town)
    assert c.get(url + "manage").status_code == 200
    r = post_form(c, url + "manage/sections", {"title": "About you"}, page=url + "manage")
    assert r.status_code == 303
    with town.session() as s:
        section_id = s.scalar(select(Section.id))
    new = url + f"manage/questions/new?section={section_id}"
    assert c.get(new).status_code == 200
    # Invalid: a choice question needs two options, shown beside the field.
    r = post_form(
        c,
        url + "manage/questions/new",
        {
            "kind": "multiple",
            "label": "Sports?",
            "section_id": section_id,
            "new_options": "Only one",
            "scale_max": "5",
        },
        page=new,
    )
    assert r.status_code == 400
    assert any("two options" in e for e in form_errors(r.text))
    r = post_form(
        c,
        url + "manage/questions/new",
        {
            "kind": "multiple",
            "label": "Sports?",
            "section_id": section_id,
            "new_options": "Swim\nRun\nRide",
            "min_choices": "1",
            "max_choices": "2",
            "required": "y",
            "allow_other": "y",
            "scale_max": "5",
        },
        page=new,
    )
    assert r.status_code == 303, form_errors(r.text)
    r = post_form(
        c,
        url + "manage/questions/new",
        {
            "kind": "number",
            "label": "Age?",
            "section_id": section_id,
            "min_value": "0",
            "max_value": "120",
            "scale_max": "5",
        },
        page=new,
    )
    assert r.status_code == 303
    with town.session() as s:
        q = s.scalar(select(Question).where(Question.label == "Sports?"))
        assert (q.min_choices, q.max_choices, q.required, q.allow_other) == (1, 2, True, True)
        assert [o.label for o in s.scalars(select(Option).order_by(Option.position))] == [
            "Swim",
            "Run",
            "Ride",
        ]
        age = s.scalar(select(Question).where(Question.label == "Age?"))
    # Reorder: Age up.
    r = post_form(c, url + f"manage/questions/{age.id}", {"action": "up"}, page=url + "manage")
    assert r.status_code == 303
    with town.session() as s:
        ordered = [q.label for q in s.scalars(select(Question).order_by(Question.position))]
    assert ordered == ["Age?", "Sports?"]
    # Preview while in draft; residents cannot answer yet.
    preview = c.get(url + "preview")
    assert preview.status_code == 200 and "Sports?" in preview.text and "disabled" in preview.text
    # Settings with a closing date before the opening date are refused.
    r = post_form(
        c,
        url + "manage/settings",
        {
            "opens_at": "2026-06-10T10:00",
            "closes_at": "2026-06-01T10:00",
            "results_visibility": "public",
            "poll_results": "answered",
        },
        page=url + "manage",
    )
    assert r.status_code == 400
    r = post_form(
        c,
        url + "manage/settings",
        {
            "opens_at": "2026-06-01T10:00",
            "closes_at": "2026-06-10T10:00",
            "results_visibility": "admin",
            "poll_results": "answered",
            "allow_anonymous": "y",
        },
        page=url + "manage",
    )
    assert r.status_code == 303
    with town.session() as s:
        sv = s.scalar(select(Survey))
        assert sv.allow_anonymous and sv.results_visibility == "admin"
        assert sv.opens_at.hour == 8  # 10:00 Paris in June is 08:00 UTC


def test_structure_locked_once_answered_but_wording_allowed(town, resident):
    b = build_survey(town)
    with town.client() as c:
        login(c, resident.email)
        assert post_form(c, b.url, full_answer(b), page=b.url).status_code == 303
    c = _admin(town)
    manage = c.get(b.url + "manage")
    assert "People have answered" in manage.text
    qurl = b.url + f"manage/questions/{b.q['single']}"
    page = c.get(qurl)
    assert "only the wording can change" in page.text
    opt = b.o["single"][0]
    r = post_form(
        c,
        qurl,
        {
            "label": "Main transport",
            "help": "",
            "kind": "long_text",
            f"opt_{opt}": "Bicycle",
            "new_options": "Plane",
        },
        page=qurl,
    )
    assert r.status_code == 303
    with town.session() as s:
        q = s.get(Question, b.q["single"])
        assert q.label == "Main transport" and q.kind == "single"
        assert s.get(Option, opt).label == "Bicycle"
        assert len(list(s.scalars(select(Option).where(Option.question_id == q.id)))) == 3
    # Removing an option is refused beside the field.
    r = post_form(c, qurl, {"label": "Main transport", f"opt_{opt}": ""}, page=qurl)
    assert r.status_code == 400
    assert any("can no longer be removed" in e for e in form_errors(r.text))
    # Deleting a question or adding one is refused with a message, never a 500.
    r = post_form(c, qurl, {"action": "delete"}, page=qurl)
    assert r.status_code == 400
    r = post_form(
        c, b.url + "manage/questions/new", {"kind": "short_text", "label": "x"}, page=qurl
    )
    assert r.status_code == 400


def test_space_admin_manages_only_their_space(town):
    b = build_survey(town)
    other = build_survey(town, slug="autre")
    with town.session() as s:
        english_user(s, town.town_id, "sa@example.org", roles=(f"space_admin@{b.space_id}",))
    with town.client() as c:
        login(c, "sa@example.org")
        assert c.get(b.url + "manage").status_code == 200
        assert c.get(b.url + "export.csv").status_code == 200
        assert c.get(other.url + "manage").status_code == 403
        assert c.get(other.url + "export.csv").status_code == 403


def test_rejected_first_question_leaves_no_section_behind(town):
    with town.session() as s:
        space = Space(town_id=town.town_id, slug="vide", title="Vide", published=True)
        s.add(space)
        s.flush()
        module = Module(space_id=space.id, type="survey", slug="q", title="Q", phase="draft")
        s.add(module)
        s.flush()
        url = f"/s/vide/survey/{module.id}/manage/questions/new"
    c = _admin(town)
    bad = {
        "kind": "single",
        "label": "Colour?",
        "section_id": "0",
        "new_options": "Red",
        "scale_max": "5",
    }
    assert post_form(c, url, bad, page=url).status_code == 400
    with town.session() as s:
        assert s.scalars(select(Section)).all() == []
    good = {**bad, "new_options": "Red\nBlue"}
    assert post_form(c, url, good, page=url).status_code == 303
    with town.session() as s:
        sections = s.scalars(select(Section)).all()
        assert len(sections) == 1
        assert s.scalar(select(Question.section_id)) == sections[0].id


def test_survey_dates_are_typed_and_shown_on_the_towns_clock(make_town):
    town = make_town("montreal.example", name="Montréal")
    with town.session() as s:
        s.get(Town, town.town_id).settings = {"core": {"time_zone": "America/Montreal"}}
    b = build_survey(town, phase="draft")
    with town.client() as c:
        login(c, town.admin_email, town.admin_password)
        r = post_form(
            c,
            b.url + "manage/settings",
            {
                "opens_at": "2027-01-15T09:00",
                "closes_at": "2027-07-15T18:00",
                "results_visibility": "public",
                "poll_results": "answered",
            },
            page=b.url + "manage",
        )
        assert r.status_code == 303
        with town.session() as s:
            sv = s.scalar(select(Survey).where(Survey.module_id == b.module_id))
            # 09:00 in Montréal in January is 14:00 UTC; 18:00 in July (summer time) 22:00 UTC.
            assert (sv.opens_at.hour, sv.closes_at.hour) == (14, 22)
        page = c.get(b.url + "manage").text
        assert 'name="opens_at" type="datetime-local" value="2027-01-15T09:00"' in page
        assert 'name="closes_at" type="datetime-local" value="2027-07-15T18:00"' in page
