"""Results from running tallies, and the CSV export streamed, for surveys of any size."""

from __future__ import annotations

import csv
import io
import threading
import tracemalloc

from consultation_builders import build_survey, english_user, full_answer
from sqlalchemy import insert

from parvis.testing import login, post_form
from parvis_consultation import exports, gdpr, tallies
from parvis_consultation.models import Answer, Response
from parvis_consultation.responses import save_response
from parvis_consultation.results import compute_results
from parvis_consultation.structure import load_structure


def _answer(town, b, email, data, area=None):
    with town.session() as s:
        user = english_user(s, town.town_id, email, area_id=area)
    with town.client() as c:
        login(c, user.email)
        r = post_form(c, b.url, data, page=b.url)
        assert r.status_code == 303, r.text[:500]
    return user.id


def _figures(town, b, area_id=None):
    with town.session() as s:
        structure = load_structure(s, b.module_id)
        result = compute_results(s, structure, b.module_id, area_id=area_id)
    return result.total, [
        (
            qr.respondents,
            [(x.count, x.avg_rank) for x in qr.bars],
            qr.average,
            qr.minimum,
            qr.maximum,
            [[x.count for x in bars] for _row, bars in qr.matrix],
        )
        for qr in result.questions
    ]


def _all_views(town, b):
    return [_figures(town, b), *(_figures(town, b, area) for area in b.areas)]


def test_tallies_follow_answers_edits_moves_and_erasure_like_a_full_recount(town):
    b = build_survey(town)
    q, o = b.q, b.o
    first = full_answer(b)
    other = {
        f"q{q['single']}": str(o["single"][1]),
        f"q{q['multiple']}": [str(o["multiple"][2])],
        f"q{q['number']}": "42",
        f"q{q['scale']}": "2",
    }
    one = _answer(town, b, "one@example.org", first, area=b.areas[0])
    _answer(town, b, "two@example.org", other, area=b.areas[1])
    _answer(town, b, "three@example.org", first, area=b.areas[1])
    # "one" changes their mind and moves to the other area: the old answers leave the
    # tallies of the first area, the new ones join the second.
    with town.session() as s:
        save_response(
            s,
            b.module_id,
            [{"question_id": q["single"], "option_id": o["single"][2]}],
            user_id=one,
            area_id=b.areas[1],
        )
    incremental = _all_views(town, b)
    assert incremental[0][0] == 3 and incremental[1][0] == 0 and incremental[2][0] == 3
    with town.session() as s:
        tallies.rebuild(s, b.module_id)
    assert _all_views(town, b) == incremental
    with town.session() as s:
        gdpr.erase_user(s, one)
    after_erasure = _all_views(town, b)
    assert after_erasure[0][0] == 2
    with town.session() as s:
        tallies.rebuild(s, b.module_id)
    assert _all_views(town, b) == after_erasure


def test_concurrent_submissions_keep_exact_tallies(town):
    b = build_survey(town)
    with town.session() as s:
        users = [english_user(s, town.town_id, f"r{i}@example.org").id for i in range(24)]
    rows = [
        {"question_id": b.q["single"], "option_id": b.o["single"][0]},
        {"question_id": b.q["scale"], "number": 3.0},
    ]
    errors = []

    def submit(chunk):
        try:
            for user_id in chunk:
                for _again in range(2):  # the second save replaces the first
                    with town.session() as s:
                        save_response(s, b.module_id, rows, user_id=user_id)
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(users[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    figures = _figures(town, b)
    assert figures[0] == 24
    assert figures[1][0][1][0] == (24, None)  # single: first option chosen 24 times
    with town.session() as s:
        tallies.rebuild(s, b.module_id)
    assert _figures(town, b) == figures


def _bulk(town, b, count, start):
    with town.session() as s:
        s.execute(
            insert(Response),
            [
                {
                    "id": start + i,
                    "module_id": b.module_id,
                    "token_hash": f"{start + i:064x}",
                }
                for i in range(count)
            ],
        )
        s.execute(
            insert(Answer),
            [
                {
                    "response_id": start + i,
                    "module_id": b.module_id,
                    "question_id": b.q["long"],
                    "text": f"Answer number {start + i} " + "x" * 200,
                }
                for i in range(count)
            ],
        )


def _export_peak(town, b):
    with town.session() as s:
        structure = load_structure(s, b.module_id)
        tracemalloc.start()
        size = rows = 0
        for chunk in exports.export_csv(s, structure, b.module_id):
            size += len(chunk)
            rows += chunk.count("Answer number")
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return rows, size, peak


def test_csv_export_streams_with_flat_memory(town):
    b = build_survey(town)
    _bulk(town, b, 3_000, 1_000_000)
    small_rows, small_size, small_peak = _export_peak(town, b)
    _bulk(town, b, 9_000, 2_000_000)
    rows, size, peak = _export_peak(town, b)
    assert (small_rows, rows) == (3_000, 12_000)
    assert size > 3.9 * small_size  # four times the text...
    assert peak < 1.5 * small_peak  # ...in about the same memory
    with town.client() as c:
        login(c, town.admin_email, town.admin_password)
        page = c.get(b.url + "export.csv")
    assert page.status_code == 200
    table = list(csv.reader(io.StringIO(page.content.decode("utf-8-sig"))))
    assert len(table) == 1 + 12_000
    assert table[1][0] == "1000000" and table[-1][0] == str(2_000_000 + 8_999)
