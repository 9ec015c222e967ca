"""Answering a survey: validation messages, editing until close, drafts, conditions."""

from __future__ import annotations

from consultation_builders import build_survey, english_user, full_answer
from sqlalchemy import func, select

from parvis.testing import form_errors, login, post_form
from parvis_consultation.models import Answer, Draft, Response


def _count(town, model):
    with town.session() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_survey_page_renders_every_kind(client, town, survey, resident):
    login(client, resident.email)
    page = client.get(survey.url)
    assert page.status_code == 200
    for key in survey.q:
        assert f'id="question-{survey.q[key]}"' in page.text
    assert "<fieldset" in page.text and "<legend>" in page.text


def test_valid_answer_is_stored_and_editable_until_close(client, town, survey, resident):
    login(client, resident.email)
    r = post_form(client, survey.url, full_answer(survey), page=survey.url)
    assert r.status_code == 303, form_errors(r.text)
    assert _count(town, Response) == 1
    with town.session() as s:
        texts = set(s.scalars(select(Answer.text).where(Answer.text.is_not(None))))
    assert texts == {"Roller, derby", "Yes; indeed", 'Line one\nLine two, with "quotes"'}
    # Editing replaces the answers, never adds a second response.
    page = client.get(survey.url)
    assert "Yes; indeed" in page.text  # pre-filled
    changed = {**full_answer(survey), f"q{survey.q['scale']}": "2"}
    r = post_form(client, survey.url, changed, page=survey.url)
    assert r.status_code == 303
    assert _count(town, Response) == 1
    with town.session() as s:
        numbers = sorted(s.scalars(select(Answer.number).where(Answer.number.is_not(None))))
    assert numbers == [2.0, 12.5]
    # Closed: no more changes, a clear message, no 500.
    with town.session() as s:
        from parvis.api import Module

        s.get(Module, survey.module_id).phase = "closed"
    r = post_form(client, survey.url, changed, page=survey.url)
    assert r.status_code == 403
    assert "closed" in r.text


def _errors_for(client, survey, data):
    r = post_form(client, survey.url, data, page=survey.url)
    assert r.status_code == 400, r.status_code
    return " | ".join(form_errors(r.text)), r.text


def test_invalid_answers_give_clear_messages(client, town, survey, resident):
    login(client, resident.email)
    base = full_answer(survey)
    q = survey.q
    missing = {k: v for k, v in base.items() if k != f"q{q['single']}"}
    errors, _ = _errors_for(client, survey, missing)
    assert "This question needs an answer." in errors
    errors, _ = _errors_for(client, survey, {**base, f"q{q['number']}": "51"})
    assert "Enter a number from 0 to 50." in errors
    errors, _ = _errors_for(client, survey, {**base, f"q{q['number']}": "abc"})
    assert "Enter a number" in errors
    errors, _ = _errors_for(client, survey, {**base, f"q{q['scale']}": "6"})
    assert "Choose a value from 1 to 5." in errors
    too_many = [str(o) for o in survey.o["multiple"][:3]]
    errors, _ = _errors_for(client, survey, {**base, f"q{q['multiple']}": too_many})
    assert "Choose at most 2 options." in errors
    errors, _ = _errors_for(client, survey, {**base, f"q{q['single']}": "999999"})
    assert "This choice is not offered" in errors
    errors, _ = _errors_for(client, survey, {**base, f"q{q['single']}": "other"})
    assert "Please specify" in errors
    errors, _ = _errors_for(client, survey, {**base, f"q{q['date']}": "14/07/2026"})
    assert "Enter a date like" in errors
    errors, _ = _errors_for(
        client, survey, {**base, f"q{q['ranking']}_o{survey.o['ranking'][0]}": "1"}
    )
    assert "different rank" in errors
    errors, _ = _errors_for(
        client, survey, {**base, f"q{q['matrix']}_r{survey.rows[0]}": str(survey.o["single"][0])}
    )
    assert "This choice is not offered" in errors
    # A forged question id: a form-level message.
    r = post_form(client, survey.url, {**base, "q999999": "1"}, page=survey.url)
    assert r.status_code == 400
    assert "not in this survey" in r.text
    assert _count(town, Response) == 0


def test_failed_validation_keeps_what_was_typed(client, town, survey, resident):
    login(client, resident.email)
    data = {**full_answer(survey), f"q{survey.q['number']}": "500"}
    r = post_form(client, survey.url, data, page=survey.url)
    assert r.status_code == 400
    assert "Line one" in r.text and 'value="500"' in r.text
    assert _count(town, Draft) == 1
    # Coming back later: the draft is restored.
    page = client.get(survey.url)
    assert "We restored the answers" in page.text and "Line one" in page.text
    r = post_form(client, survey.url, full_answer(survey), page=survey.url)
    assert r.status_code == 303
    assert _count(town, Draft) == 0


def test_save_for_later(client, town, survey, resident):
    login(client, resident.email)
    r = post_form(
        client,
        survey.url,
        {f"q{survey.q['long']}": "half typed", "action": "save"},
        page=survey.url,
    )
    assert r.status_code == 303
    assert _count(town, Response) == 0
    assert "half typed" in client.get(survey.url).text


def test_conditional_question_only_counts_when_condition_met(client, town, survey, resident):
    login(client, resident.email)
    data = {**full_answer(survey), f"q{survey.q['single']}": str(survey.o["single"][1])}
    r = post_form(client, survey.url, data, page=survey.url)
    assert r.status_code == 303
    with town.session() as s:
        assert s.scalar(select(func.count()).where(Answer.question_id == survey.q["short"])) == 0
    css = client.get(survey.url + "conditions.css")
    assert css.headers["content-type"].startswith("text/css")
    assert f"#q{survey.q['single']}-{survey.o['single'][0]}:checked" in css.text


def test_required_conditional_question_is_not_required_when_hidden(town, survey):
    from parvis_consultation.answers import validate
    from parvis_consultation.models import Question
    from parvis_consultation.structure import load_structure

    with town.session() as s:
        s.get(Question, survey.q["short"]).required = True
    with town.session() as s:
        structure = load_structure(s, survey.module_id)
        base = {k: v if isinstance(v, list) else [v] for k, v in full_answer(survey).items()}
        base.pop(f"q{survey.q['short']}")
        base[f"q{survey.q['single']}"] = [str(survey.o["single"][1])]
        assert validate(structure, base).ok
        base[f"q{survey.q['single']}"] = [str(survey.o["single"][0])]
        parsed = validate(structure, base)
        assert parsed.errors == {survey.q["short"]: "This question needs an answer."}


def test_permission_denials(client, town, survey):
    # Anonymous: shown the way to log in, the typed answers back in the page, nothing stored.
    r = post_form(client, survey.url, full_answer(survey), page=survey.url)
    assert r.status_code == 403 and "/login?next=" in r.text
    assert "Yes; indeed" in r.text
    assert _count(town, Response) == 0
    assert _count(town, Draft) == 0
    # Unconfirmed account: told to confirm.
    with town.session() as s:
        english_user(s, town.town_id, "new@example.org", confirmed=False)
    login(client, "new@example.org")
    r = post_form(client, survey.url, full_answer(survey), page=survey.url)
    assert r.status_code == 403
    assert "Confirm your e-mail address first." in r.text
    assert _count(town, Response) == 0


def test_resident_cannot_manage_or_export(client, town, survey, resident):
    login(client, resident.email)
    for path in ("manage", "export.csv", "moderate", "preview", "manage/questions/new"):
        assert client.get(survey.url + path).status_code == 403, path
    r = post_form(client, survey.url + "manage/settings", {"intro": "x"}, page=survey.url)
    assert r.status_code == 403
    r = post_form(client, survey.url + "manage/decision", {"decision": "x"}, page=survey.url)
    assert r.status_code == 403


def test_other_towns_module_ids_are_not_found(make_town, town, survey):
    other = make_town("other.example", name="Autreville")
    other_survey = build_survey(other, slug="elsewhere")
    with town.client() as c:
        assert c.get(other_survey.url).status_code == 404
        # Same id path under this town's space slug does not reach the other town's module.
        assert c.get(f"/s/{survey.space_slug}/survey/{other_survey.module_id}/").status_code == 404
        assert c.get(other_survey.url + "results.json").status_code == 404
    with other.client() as c:
        login(c, other.admin_email, other.admin_password)
        assert (
            c.get(f"/s/{other_survey.space_slug}/survey/{survey.module_id}/manage").status_code
            == 404
        )


def test_anonymous_answers_when_allowed(town, make_town):
    b = build_survey(town, allow_anonymous=True)
    with town.client() as c:
        r = post_form(c, b.url, full_answer(b), page=b.url)
        assert r.status_code == 303
        # The same browser edits its response instead of adding one.
        r = post_form(c, b.url, full_answer(b), page=b.url)
        assert r.status_code == 303
    assert _count(town, Response) == 1
    with town.session() as s:
        resp = s.scalar(select(Response))
        assert resp.user_id is None and len(resp.token_hash) == 64


def test_anonymous_ballot_stuffing_is_rate_limited(town):
    b = build_survey(town, allow_anonymous=True)
    with town.session() as s:
        from parvis.api import Town

        t = s.get(Town, town.town_id)
        t.settings = {"consultation": {"anonymous_per_ip_per_hour": 3}}
    statuses = []
    for _i in range(5):
        with town.client() as c:  # a fresh browser each time (cookies cleared)
            statuses.append(post_form(c, b.url, full_answer(b), page=b.url).status_code)
    assert statuses == [303, 303, 303, 429, 429]
    assert _count(town, Response) == 3
