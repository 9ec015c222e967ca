"""A plugin adds a survey question type in one file: "yes or no, with a comment".

The ``yesno`` plugin below is what a third party writes: a ``QuestionType`` subclass (parse,
draft, pre-filling, results, CSV) and its input template, returned from the
``parvis_consultation_question_types`` hook. The survey builder then offers it, residents
answer it over HTTP, and the results page, the open data and the CSV export show it.
"""

from __future__ import annotations

import csv
import io
import types
from pathlib import Path
from typing import Any

import pytest
from consultation_builders import build_survey, english_user, full_answer
from sqlalchemy import select

from parvis.api import hookimpl
from parvis.testing import form_errors, login, make_space_with_module, post_form
from parvis_consultation.models import Answer, Question
from parvis_consultation.question_types import (
    Bar,
    Parsed,
    QuestionResult,
    QuestionType,
    QuestionTypeError,
    Stored,
    Values,
    one,
    required,
    share,
)

INPUT = """\
<ul class="choices">
{% for value, label in (("yes", "Yes"), ("no", "No")) %}
  <li><input type="radio" name="{{ key }}" id="{{ key }}-{{ value }}" value="{{ value }}"
  {%- if value in picked %} checked{% endif %}{% if disabled %} disabled{% endif %}>
  <label for="{{ key }}-{{ value }}">{{ label }}</label></li>
{% endfor %}
</ul>
<label for="{{ key }}_comment">Your comment (optional)</label>
<input type="text" name="{{ key }}_comment" id="{{ key }}_comment" maxlength="300"
  value="{{ values.get(key ~ '_comment', [''])[0] }}"{% if disabled %} disabled{% endif %}>
"""


class YesNoComment(QuestionType):
    """Stored as a number (1 yes, 0 no) counted per value, and the comment as text."""

    key, label, order = "yes_no_comment", "Yes or no, with a comment", 95
    template = "yesno/input.html"
    texts = True  # comments are shown in the results and moderated
    value_counts = True  # the tallies count the 1s and the 0s

    def parse(self, q: Any, structure: Any, values: Values, parsed: Parsed) -> str | None:
        answer, comment = one(values, f"q{q.id}"), one(values, f"q{q.id}_comment")
        if answer not in ("", "yes", "no"):
            return "Choose yes or no."
        if not answer:
            return "Choose yes or no before commenting." if comment else required(q)
        if len(comment) > 300:
            return "Keep your comment under 300 characters."
        parsed.rows.append({"question_id": q.id, "number": 1.0 if answer == "yes" else 0.0})
        if comment:
            parsed.rows.append({"question_id": q.id, "text": comment})
        return None

    def accepts_subfield(self, sub: str) -> bool:
        return sub == "comment"

    def known_subfield(self, structure: Any, q: Any, sub: str) -> bool:
        return sub == "comment"

    def form_values(self, q: Any, answers: list[Stored]) -> Values:
        values: Values = {}
        for a in answers:
            if a.number is not None:
                values[f"q{q.id}"] = ["yes" if a.number else "no"]
            elif a.text is not None:
                values[f"q{q.id}_comment"] = [a.text]
        return values

    def results(self, qr: QuestionResult, structure: Any, counts: Any) -> None:
        qid, n = qr.question.id, qr.respondents
        for label, value in (("Yes", 1.0), ("No", 0.0)):
            count = counts.scale.get((qid, value), 0)
            qr.bars.append(Bar(label, count, share(count, n)))

    def csv_cell(self, a: Stored, labels: dict[int, str]) -> str:
        if a.number is not None:
            return "yes" if a.number else "no"
        return super().csv_cell(a, labels)


def yes_no_plugin(folder: Path, qtype: QuestionType | None = None) -> types.ModuleType:
    """The plugin module, its input template in ``folder`` (a plugin's package folder)."""
    (folder / "templates" / "yesno").mkdir(parents=True, exist_ok=True)
    (folder / "templates" / "yesno" / "input.html").write_text(INPUT, encoding="utf-8")
    module = types.ModuleType("parvis_yesno.plugin")
    module.__file__ = str(folder / "plugin.py")
    module.parvis_consultation_question_types = hookimpl(lambda: [qtype or YesNoComment()])
    return module


@pytest.fixture
def yes_no_town(make_town: Any, tmp_path: Path) -> Any:
    return make_town("yesno.example", extra_plugins={"yesno": yes_no_plugin(tmp_path)})


def test_a_plugin_question_type_is_built_answered_and_counted(yes_no_town: Any) -> None:
    town = yes_no_town
    survey = make_space_with_module(town, "survey", phase="open", module_title="Market")
    with town.session() as s:
        english_user(s, town.town_id, "ann@example.org")
        english_user(s, town.town_id, "bob@example.org")
    with town.client() as admin:
        login(admin, town.admin_email, town.admin_password)
        new = survey.url_for("manage/questions/new")
        page = admin.get(new)
        assert 'value="yes_no_comment"' in page.text
        assert "Yes or no, with a comment" in page.text
        r = post_form(
            admin,
            new,
            {
                "kind": "yes_no_comment",
                "label": "Keep the market on Sundays?",
                "section_id": "0",
                "required": "y",
                "scale_max": "5",
            },
            page=new,
        )
        assert r.status_code == 303, form_errors(r.text)
    with town.session() as s:
        qid = s.scalar(select(Question.id).where(Question.kind == "yes_no_comment"))
    key = f"q{qid}"

    with town.client() as ann:
        login(ann, "ann@example.org")
        page = ann.get(survey.url)
        assert f'name="{key}_comment"' in page.text
        # Refusals: an answer that is neither yes nor no, a comment alone, a missing answer.
        for sent, error in (
            ({key: "maybe"}, "Choose yes or no."),
            ({key_comment(key): "Only a comment"}, "Choose yes or no before commenting."),
            ({}, "This question needs an answer."),
        ):
            r = post_form(ann, survey.url, {**sent, "action": "submit"}, page=survey.url)
            assert r.status_code == 400
            assert error in r.text
            if key_comment(key) in sent:
                assert 'value="Only a comment"' in r.text  # what was typed is kept
        # A draft keeps the comment.
        r = post_form(
            ann,
            survey.url,
            {key_comment(key): "Saved for later", "action": "save"},
            page=survey.url,
        )
        assert r.status_code == 303
        assert 'value="Saved for later"' in ann.get(survey.url).text
        r = post_form(
            ann,
            survey.url,
            {key: "yes", key_comment(key): "=SUM(A1) on Sundays", "action": "submit"},
            page=survey.url,
        )
        assert r.status_code == 303, form_errors(r.text)
        # Editing: the stored answer comes back into the form.
        page = ann.get(survey.url).text
        assert f'id="{key}-yes" value="yes" checked' in page
        assert 'value="=SUM(A1) on Sundays"' in page
    with town.client() as bob:
        login(bob, "bob@example.org")
        r = post_form(bob, survey.url, {key: "no", "action": "submit"}, page=survey.url)
        assert r.status_code == 303, form_errors(r.text)
    with town.session() as s:
        stored = s.execute(select(Answer.number, Answer.text).where(Answer.question_id == qid))
        assert sorted(stored, key=str) == sorted(
            [(1.0, None), (None, "=SUM(A1) on Sundays"), (0.0, None)], key=str
        )

    with town.client() as admin:
        login(admin, town.admin_email, town.admin_password)
        results = admin.get(survey.url_for("results"))
        assert results.status_code == 200
        assert "Keep the market on Sundays?" in results.text
        assert "=SUM(A1) on Sundays" in results.text  # the latest comments
        data = admin.get(survey.url_for("results.json")).json()
        (question,) = data["questions"]
        assert question["kind"] == "yes_no_comment"
        assert question["respondents"] == 2
        assert question["options"] == [{"label": "Yes", "count": 1}, {"label": "No", "count": 1}]
        assert "SUM" not in str(data)  # open data carries no free text
        export = admin.get(survey.url_for("export.csv"))
        rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))
        assert rows[0][3:] == ["Keep the market on Sundays?"]
        # The comment is escaped for spreadsheets; one cell holds the answer and the comment.
        assert sorted(row[3] for row in rows[1:]) == ["no", "yes; '=SUM(A1) on Sundays"]


def key_comment(key: str) -> str:
    return f"{key}_comment"


def test_a_question_type_key_already_taken_stops_start_up(make_town: Any, tmp_path: Path) -> None:
    class Impostor(YesNoComment):
        key = "single"

    with pytest.raises(QuestionTypeError, match=r"'single'.*'consultation'"):
        make_town("clash.example", extra_plugins={"yesno": yes_no_plugin(tmp_path, Impostor())})


def test_a_question_whose_type_is_gone_is_shown_without_input(town: Any) -> None:
    """A plugin that added a type was uninstalled: its questions stay, nothing breaks."""
    b = build_survey(town)
    with town.session() as s:
        gone = s.get(Question, b.q["short"])
        gone.kind, gone.label = "uninstalled_kind", "Asked by a removed plugin"
        english_user(s, town.town_id, "cy@example.org")
    with town.client() as c:
        login(c, "cy@example.org")
        page = c.get(b.url)
        assert page.status_code == 200
        assert "Asked by a removed plugin" in page.text
        assert f'name="q{b.q["short"]}"' not in page.text  # no input for it
        answers = {k: v for k, v in full_answer(b).items() if not k.startswith(f"q{b.q['short']}")}
        r = post_form(c, b.url, {**answers, "action": "submit"}, page=b.url)
        assert r.status_code == 303, form_errors(r.text)
    with town.client() as admin:
        login(admin, town.admin_email, town.admin_password)
        assert admin.get(b.url + "results").status_code == 200
        export = admin.get(b.url + "export.csv")
        assert "Asked by a removed plugin" in export.text.splitlines()[0]
