"""Security review fixes: bounded drafts, finite numbers, strict digit parsing."""

from __future__ import annotations

import datetime as dt

from consultation_builders import build_survey, full_answer
from sqlalchemy import func, select

from parvis.api import Module
from parvis.testing import form_errors, login, post_form
from parvis_consultation.models import Answer, Draft, Question
from parvis_consultation.views import answering

BIG = "x" * 2_000_000


def _drafts(town) -> list[Draft]:
    with town.session() as s:
        return list(s.scalars(select(Draft)))


def test_visitor_who_may_not_answer_gets_no_server_side_draft(town, survey):
    # The survey refuses answers without an account: a visitor's POST keeps nothing on the server.
    for _ in range(3):
        c = town.client()  # a fresh browser each time
        r = post_form(c, survey.url, {"q999999": BIG, "q1junk": BIG}, page=survey.url)
        assert r.status_code == 403
    assert _drafts(town) == []
    # What they typed comes back in the page, with the way to sign in.
    c = town.client()
    c.headers["accept-language"] = "en"
    data = {**full_answer(survey), f"q{survey.q['long']}": "My long thoughts"}
    r = post_form(c, survey.url, data, page=survey.url)
    assert r.status_code == 403
    assert "My long thoughts" in r.text
    assert "Please sign in to send your answers" in r.text and "/login?next=" in r.text
    assert _drafts(town) == []


def test_draft_keeps_only_this_surveys_fields_with_bounded_values(town, survey, resident):
    c = town.client()
    login(c, resident.email)
    q = survey.q
    data = {
        "q999999": "forged question",
        "q1junk": "junk key",
        f"q{q['long']}": "L" * 20_000,
        f"q{q['short']}": "S" * 2_000,
        f"q{q['number']}_other": "no other on a number",
        f"q{q['ranking']}_o999999": "1",
        f"q{q['ranking']}_o{survey.o['ranking'][0]}": "2",
        f"q{q['matrix']}_r{survey.rows[0]}": str(survey.o["matrix"][0]),
        f"q{q['matrix']}_r999999": "1",
        f"q{q['single']}": [str(survey.o["single"][0])] * 50,
        f"q{q['single']}_other": "O" * 2_000,
        "action": "save",
    }
    r = post_form(c, survey.url, data, page=survey.url)
    assert r.status_code == 303
    (draft,) = _drafts(town)
    assert set(draft.data) == {
        f"q{q['long']}",
        f"q{q['short']}",
        f"q{q['ranking']}_o{survey.o['ranking'][0]}",
        f"q{q['matrix']}_r{survey.rows[0]}",
        f"q{q['single']}",
        f"q{q['single']}_other",
    }
    assert [len(v) for v in draft.data[f"q{q['long']}"]] == [10_000]
    assert [len(v) for v in draft.data[f"q{q['short']}"]] == [500]
    assert [len(v) for v in draft.data[f"q{q['single']}_other"]] == [500]
    assert draft.data[f"q{q['single']}"] == [str(survey.o["single"][0])]


def test_draft_saves_are_rate_limited_per_network(town, monkeypatch):
    monkeypatch.setattr(answering, "DRAFT_SAVES_PER_HOUR", 3)
    b = build_survey(town, allow_anonymous=True)
    statuses = []
    for _ in range(4):
        c = town.client()  # a fresh browser each time, same network
        data = {f"q{b.q['long']}": "half typed", "action": "save"}
        statuses.append(post_form(c, b.url, data, page=b.url).status_code)
    assert statuses == [303, 303, 303, 429]
    assert len(_drafts(town)) == 3


def test_drafts_older_than_30_days_are_purged_on_save(town, survey, resident):
    with town.session() as s:
        old = dt.datetime.now(dt.UTC) - dt.timedelta(days=31)
        recent = dt.datetime.now(dt.UTC) - dt.timedelta(days=29)
        s.add(Draft(module_id=survey.module_id, owner="s:old", data={}, updated_at=old))
        s.add(Draft(module_id=survey.module_id, owner="s:recent", data={}, updated_at=recent))
    c = town.client()
    login(c, resident.email)
    data = {f"q{survey.q['long']}": "half typed", "action": "save"}
    assert post_form(c, survey.url, data, page=survey.url).status_code == 303
    assert sorted(d.owner for d in _drafts(town)) == ["s:recent", f"u:{resident.id}"]


def test_non_finite_and_huge_numbers_are_refused_beside_the_field(town, survey, resident):
    with town.session() as s:
        q = s.get(Question, survey.q["number"])
        q.min_value = q.max_value = None  # no bounds: only finiteness and magnitude protect
    c = town.client()
    login(c, resident.email)
    for text in ("nan", "NaN", "inf", "-inf", "Infinity", "1e999", "1e13", "-2000000000000"):
        data = {**full_answer(survey), f"q{survey.q['number']}": text}
        r = post_form(c, survey.url, data, page=survey.url)
        assert r.status_code == 400, text
        errors = form_errors(r.text)
        assert any("Enter a number" in e for e in errors), (text, errors)
        assert f'value="{text}"' in r.text
    with town.session() as s:
        assert s.scalar(select(func.count(Answer.id))) == 0
    # Bounds still apply to "nan" when they are set.
    with town.session() as s:
        q = s.get(Question, survey.q["number"])
        q.min_value, q.max_value = 0, 50
    data = {**full_answer(survey), f"q{survey.q['number']}": "nan"}
    assert post_form(c, survey.url, data, page=survey.url).status_code == 400
    # A large but finite number is fine; the public results stay readable.
    with town.session() as s:
        q = s.get(Question, survey.q["number"])
        q.min_value = q.max_value = None
    data = {**full_answer(survey), f"q{survey.q['number']}": "1000000000000"}
    assert post_form(c, survey.url, data, page=survey.url).status_code == 303
    with town.session() as s:
        s.get(Module, survey.module_id).phase = "closed"
    assert town.client().get(survey.url + "results.json").status_code == 200


def test_builder_refuses_non_finite_bounds(town, survey):
    c = town.client()
    login(c, town.admin_email, town.admin_password)
    with town.session() as s:
        section_id = s.get(Question, survey.q["number"]).section_id
    new = survey.url + f"manage/questions/new?section={section_id}"
    for text, status in (("nan", 400), ("inf", 400), ("1e999", 400), ("-5", 303)):
        data = {
            "kind": "number",
            "label": f"Bound {text}",
            "section_id": section_id,
            "min_value": text,
            "max_value": "120",
            "scale_max": "5",
        }
        r = post_form(c, survey.url + "manage/questions/new", data, page=new)
        assert r.status_code == status, (text, form_errors(r.text))
        if status == 400:
            assert any("Enter a number" in e for e in form_errors(r.text)), text
    with town.session() as s:
        labels = set(s.scalars(select(Question.label).where(Question.label.like("Bound%"))))
    assert labels == {"Bound -5"}


SUPERSCRIPT = "²"
HUGE = "9" * 5000


def test_non_ascii_and_huge_digits_never_give_500(town, survey, resident):
    admin = town.client()
    login(admin, town.admin_email, town.admin_password)
    with town.session() as s:
        s.get(Module, survey.module_id).phase = "closed"
    for value in (SUPERSCRIPT, HUGE, "١٢"):
        assert admin.get(survey.url + "results", params={"area": value}).status_code == 200
        new_question = survey.url + "manage/questions/new"
        assert admin.get(new_question, params={"section": value}).status_code == 200
        r = post_form(
            admin,
            survey.url + "moderate",
            {"answer": value, "hide": "1"},
            page=survey.url + "moderate",
        )
        assert r.status_code == 400, value
    with town.session() as s:
        s.get(Module, survey.module_id).phase = "open"
    c = town.client()
    login(c, resident.email)
    q, o = survey.q, survey.o
    for value in (SUPERSCRIPT, HUGE):
        for key in (
            f"q{q['single']}",
            f"q{q['ranking']}_o{o['ranking'][0]}",
            f"q{q['matrix']}_r{survey.rows[0]}",
        ):
            r = post_form(c, survey.url, {**full_answer(survey), key: value}, page=survey.url)
            assert r.status_code == 400, (key, value)
            assert form_errors(r.text), (key, value)


def test_numbers_typed_the_french_way_are_answers(town, survey, resident):
    """ "3 500,5" with a narrow no-break space (as phones type it) is 3500.5, through core's
    parser; what is not a number is said beside the field with the text kept."""
    with town.session() as s:
        q = s.get(Question, survey.q["number"])
        q.min_value = q.max_value = None
    c = town.client()
    login(c, resident.email)
    data = {**full_answer(survey), f"q{survey.q['number']}": "3 500 euros et des poussières"}
    r = post_form(c, survey.url, data, page=survey.url)
    assert r.status_code == 400 and 'value="3 500 euros et des poussières"' in r.text
    data = {**full_answer(survey), f"q{survey.q['number']}": "3\u202f500,5"}
    assert post_form(c, survey.url, data, page=survey.url).status_code == 303
    with town.session() as s:
        numbers = s.scalars(
            select(Answer.number).where(Answer.question_id == survey.q["number"])
        ).all()
        assert numbers == [3500.5]
