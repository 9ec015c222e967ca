"""Results in SQL against hand-counted examples; filters, moderation, exports, queries."""

from __future__ import annotations

import csv
import io

from consultation_builders import build_survey, english_user, full_answer

from parvis.api import Module
from parvis.testing import login, post_form
from parvis_consultation.models import Answer, Question
from parvis_consultation.results import compute_results
from parvis_consultation.structure import load_structure


def _answer(town, b, email, data, area=None):
    with town.session() as s:
        user = english_user(s, town.town_id, email, area_id=area)
    with town.client() as c:
        login(c, user.email)
        r = post_form(c, b.url, data, page=b.url)
        assert r.status_code == 303, r.text[:500]


def _three_answers(town, b):
    """Hand-made: 3 respondents.

    single: Bike, Bike, Bus               -> Bike 2 (66.7 %), Bus 1, Car 0
    multiple: [Track, other], [Track, BMX], none (optional) -> Track 2, BMX 1, Other 1; 2 answered
    number: 12.5, 10, 20 -> average 14.1667, min 10, max 20
    scale: 4, 4, 1
    ranking (Price, Transport, Hours): (2,1,3) x2, (1,2,3) -> Price avg 5/3, Transport 4/3, Hours 3
    matrix North: Good, Good, Bad; South: Bad, Bad, Bad
    """
    q, o = b.q, b.o
    first = full_answer(b)
    second = {
        **first,
        f"q{q['multiple']}": [str(o["multiple"][0]), str(o["multiple"][1])],
        f"q{q['number']}": "10",
        f"q{q['short']}": "Second text",
        f"q{q['long']}": "Needs more parking",
    }
    second.pop(f"q{q['multiple']}_other")
    third = {
        f"q{q['single']}": str(o["single"][1]),
        f"q{q['number']}": "20",
        f"q{q['scale']}": "1",
        f"q{q['ranking']}_o{o['ranking'][0]}": "1",
        f"q{q['ranking']}_o{o['ranking'][1]}": "2",
        f"q{q['ranking']}_o{o['ranking'][2]}": "3",
        f"q{q['matrix']}_r{b.rows[0]}": str(o["matrix"][1]),
        f"q{q['matrix']}_r{b.rows[1]}": str(o["matrix"][1]),
    }
    _answer(town, b, "one@example.org", first, area=b.areas[0])
    _answer(town, b, "two@example.org", second, area=b.areas[0])
    _answer(town, b, "three@example.org", third, area=b.areas[1])


def _results(town, b, **kw):
    with town.session() as s:
        structure = load_structure(s, b.module_id)
        return compute_results(s, structure, b.module_id, **kw)


def test_results_match_hand_counts(town):
    b = build_survey(town)
    _three_answers(town, b)
    res = _results(town, b)
    assert res.total == 3
    by = {qr.question.label: qr for qr in res.questions}
    single = by["single"]
    assert single.respondents == 3
    assert [(x.label, x.count) for x in single.bars] == [
        ("Bike", 2),
        ("Bus", 1),
        ("Car", 0),
        ("Other", 0),
    ]
    assert round(single.bars[0].share, 4) == 0.6667
    multiple = by["multiple"]
    assert multiple.respondents == 2
    assert [(x.label, x.count) for x in multiple.bars] == [
        ("Track", 2),
        ("BMX", 1),
        ("School", 0),
        ("Para", 0),
        ("Other", 1),
    ]
    assert multiple.bars[0].share == 1.0
    number = by["number"]
    assert (round(number.average, 4), number.minimum, number.maximum) == (14.1667, 10, 20)
    scale = by["scale"]
    assert [x.count for x in scale.bars] == [1, 0, 0, 2, 0]
    assert scale.bars[0].label == "1 \u2013 Bad"
    ranking = by["ranking"]
    assert [(x.label, round(x.avg_rank, 3)) for x in ranking.bars] == [
        ("Transport", 1.333),
        ("Price", 1.667),
        ("Hours", 3.0),
    ]
    matrix = by["matrix"]
    assert [(row, [(x.label, x.count) for x in bars]) for row, bars in matrix.matrix] == [
        ("North", [("Good", 2), ("Bad", 1)]),
        ("South", [("Good", 0), ("Bad", 3)]),
    ]
    dates = by["date"]
    assert dates.respondents == 2 and dates.minimum.isoformat() == "2026-07-14"
    # Conditional "short": only the two who chose Bike.
    assert by["short"].respondents == 2
    assert sorted(t for _i, t in by["short"].texts) == ["Second text", "Yes; indeed"]


def test_neighbourhood_filter(town):
    b = build_survey(town)
    _three_answers(town, b)
    first_area = _results(town, b, area_id=b.areas[0])
    assert first_area.total == 2
    single = first_area.questions[0]
    assert [x.count for x in single.bars] == [2, 0, 0, 0]
    second_area = _results(town, b, area_id=b.areas[1])
    assert second_area.total == 1
    assert [x.count for x in second_area.questions[0].bars] == [0, 1, 0, 0]
    with town.client() as c:
        login(c, town.admin_email, town.admin_password)
        page = c.get(b.url + f"results?area={b.areas[1]}")
        assert page.status_code == 200
        assert "1 response" in page.text or "1 réponse" in page.text


def test_results_page_chart_and_constant_queries(town):
    b = build_survey(town)
    _three_answers(town, b)
    with town.client() as c:
        login(c, town.admin_email, town.admin_password)
        c.get(b.url + "results")
        with town.parvis.db.count_queries() as counter:
            page = c.get(b.url + "results")
        assert page.status_code == 200
        assert '<figure class="chart" id="chart-' in page.text
        assert '<ol class="rank-list"' in page.text  # the ranking question, by average rank
        few = counter.count
        # Ten more questions: the same number of queries.
        with town.session() as s:
            for i in range(10):
                s.add(
                    Question(
                        module_id=b.module_id,
                        section_id=s.get(Question, b.q["single"]).section_id,
                        kind="scale",
                        label=f"extra {i}",
                        position=100 + i,
                    )
                )
        c.get(b.url + "results")  # warm again: the write made the process re-read the module
        with town.parvis.db.count_queries() as counter:
            page = c.get(b.url + "results")
        assert page.status_code == 200 and "extra 9" in page.text
        assert counter.count == few, counter.statements


def test_results_visibility(town, client, resident):
    b = build_survey(town, results_visibility="public")
    login(client, resident.email)
    assert client.get(b.url + "results").status_code == 403  # open: not yet
    assert client.get(b.url + "results.json").status_code == 403
    with town.session() as s:
        s.get(Module, b.module_id).phase = "closed"
    assert client.get(b.url + "results").status_code == 200
    assert client.get(b.url + "results.json").status_code == 200
    b2 = build_survey(town, results_visibility="admin", phase="closed", slug="private")
    assert client.get(b2.url + "results").status_code == 403
    assert client.get(b2.url + "results.json").status_code == 403


def test_moderation_hides_a_free_text_answer(town):
    b = build_survey(town)
    _three_answers(town, b)
    with town.session() as s:
        from sqlalchemy import select

        target = s.scalar(select(Answer.id).where(Answer.text == "Needs more parking"))
    with town.client() as c:
        login(c, town.admin_email, town.admin_password)
        with town.session() as s:
            s.get(Module, b.module_id).phase = "closed"
        assert "Needs more parking" in c.get(b.url + "results").text
        page = c.get(b.url + "moderate")
        assert "Needs more parking" in page.text
        r = post_form(
            c, b.url + "moderate", {"answer": target, "hide": "1"}, page=b.url + "moderate"
        )
        assert r.status_code == 303
        assert "Needs more parking" not in c.get(b.url + "results").text
    with town.client() as c:  # the public results too
        assert "Needs more parking" not in c.get(b.url + "results").text
        assert "Line one" in c.get(b.url + "results").text
    # A resident may not moderate.
    with town.session() as s:
        english_user(s, town.town_id, "mallory@example.org")
    with town.client() as c:
        login(c, "mallory@example.org")
        r = post_form(c, b.url + "moderate", {"answer": target, "hide": "0"}, page=b.url)
        assert r.status_code == 403


def test_csv_export_round_trips_every_question_kind(town):
    b = build_survey(town)
    _three_answers(town, b)
    with town.client() as c:
        login(c, town.admin_email, town.admin_password)
        r = c.get(b.url + "export.csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    raw = r.content
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM for spreadsheets
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) == 3
    first = rows[0]
    assert first["single"] == "Bike"
    assert first["multiple"] == "Track; Other: Roller, derby"
    assert first["short"] == "Yes; indeed"
    assert first["long"] == 'Line one\nLine two, with "quotes"'
    assert first["number"] == "12.5"
    assert first["scale"] == "4"
    assert first["ranking"] == "Transport; Price; Hours"
    assert first["matrix \u2014 North"] == "Good"
    assert first["matrix \u2014 South"] == "Bad"
    assert first["date"] == "2026-07-14"
    assert first["area"] == "Quartier 0"
    assert rows[1]["long"] == "Needs more parking"
    third = rows[2]
    assert third["multiple"] == "" and third["short"] == "" and third["date"] == ""
    assert third["ranking"] == "Price; Transport; Hours"


def test_json_open_data(town):
    b = build_survey(town, phase="closed")
    _three_answers_closed(town, b)
    with town.client() as c:
        r = c.get(b.url + "results.json")
    assert r.status_code == 200
    data = r.json()
    assert data["responses"] == 3
    single = next(q for q in data["questions"] if q["label"] == "single")
    assert single["options"][:2] == [{"label": "Bike", "count": 2}, {"label": "Bus", "count": 1}]
    matrix = next(q for q in data["questions"] if q["label"] == "matrix")
    assert matrix["rows"][1] == {
        "label": "South",
        "options": [{"label": "Good", "count": 0}, {"label": "Bad", "count": 3}],
    }
    text = r.text
    for private in ("example.org", "Roller", "Line one", "Yes; indeed"):
        assert private not in text


def _three_answers_closed(town, b):
    with town.session() as s:
        s.get(Module, b.module_id).phase = "open"
    _three_answers(town, b)
    with town.session() as s:
        s.get(Module, b.module_id).phase = "closed"


def test_csv_neutralises_spreadsheet_formulas(town, resident):
    b = build_survey(town)
    data = {**full_answer(b), f"q{b.q['long']}": '=HYPERLINK("http://evil")'}
    with town.client() as c:
        login(c, resident.email)
        assert post_form(c, b.url, data, page=b.url).status_code == 303
        login(c, town.admin_email, town.admin_password)
        body = c.get(b.url + "export.csv").content.decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(body)))
    assert row["long"] == '\'=HYPERLINK("http://evil")'
    assert row["number"] == "12.5"
