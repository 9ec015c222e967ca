"""The "open now" page a page at a time (``open_page.PAGE_SIZE`` cards): the soonest deadline
first across the pages, a nav to the others that keeps the neighbourhood, counts in the
language's number format, a page number that names no page answered with an existing page and a
notice (never an error), and only the page's modules summed up."""

from __future__ import annotations

import re

import pytest
from babel.numbers import format_decimal
from test_open_now import _areas, _english, _mixed_town, _open_survey, _section, _titles

from parvis.spaces import open_page, views


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> int:
    """Four cards a page: three pages from ten modules."""
    monkeypatch.setattr(open_page, "PAGE_SIZE", 4)
    return 4


def _pager(html: str) -> str:
    start = html.index('<nav aria-label="Pages of the open participations"')
    return html[start : html.index("</nav>", start)]


def test_the_pages_follow_each_other_soonest_first(town, client, small_pages):
    expected = _mixed_town(town, undated=5, dated=5)
    _english(client)
    shown = []
    for number in (1, 2, 3):
        response = client.get("/open" if number == 1 else f"/open?page={number}")
        assert response.status_code == 200
        html = response.text
        assert f"<title>Everything open now, page {number} of 3" in html
        listed = _section(html, "open-list")
        assert "10 participations open now · page " + str(number) + " of 3" in listed
        shown += _titles(listed)
        pager = _pager(html)
        assert f'aria-current="page">{number}</a>' in pager
        assert re.findall(r'aria-current="page"', pager) == ['aria-current="page"']
        assert ('rel="prev"' in pager) == (number > 1)
        assert ('rel="next"' in pager) == (number < 3)
        assert "no such page" not in html and "not valid" not in html
    assert shown == expected
    page_two = _pager(client.get("/open?page=2").text)
    assert 'href="/open" rel="prev"' in page_two  # the first page's plain address
    assert 'href="/open?page=3" rel="next"' in page_two


def test_one_page_has_no_nav(town, client):
    _mixed_town(town, undated=2, dated=2)
    _english(client)
    html = client.get("/open").text
    assert "Pages of the open participations" not in html
    assert "4 participations open now</p>" in html
    assert "<title>Everything open now" in html and "page 1 of" not in html


def test_the_pages_keep_the_neighbourhood(make_town, small_pages):
    town = make_town()
    north, _south = _areas(town)
    for i in range(9):
        _open_survey(town, f"North {i}", days=i + 1, area_id=north)
    _open_survey(town, "Town-wide survey")
    with town.client() as client:
        _english(client)
        html = client.get(f"/open?area={north}&page=2").text
        assert _titles(_section(html, "open-list")) == [f"North {i}" for i in range(4, 8)]
        pager = _pager(html)
        assert f'href="/open?area={north}" rel="prev"' in pager
        assert f'href="/open?area={north}&amp;page=3" rel="next"' in pager
        # The neighbourhood links lead to the first page of each.
        assert f'href="/open?area={north}" aria-current="page"' in html
        last = client.get(f"/open?area={north}&page=3").text
        assert _titles(_section(last, "open-list")) == ["North 8"]


@pytest.mark.parametrize(
    ("raw", "page", "notice"),
    [
        ("abc", 1, "not valid"),
        ("0", 1, "not valid"),
        ("-1", 1, "not valid"),
        ("1.5", 1, "not valid"),
        ("2e3", 1, "not valid"),
        ("%00", 1, "not valid"),
        ("²", 1, "not valid"),
        ("", 1, None),
        ("1", 1, None),
        (" 2 ", 2, None),
        ("3", 3, None),
        ("4", 3, "no such page"),
        ("999999999", 3, "no such page"),
        ("9" * 30, 3, "no such page"),
        ("9" * 5000, 3, "no such page"),  # more digits than ``int()`` takes
        # Leading zeros are no digits of the number: still the page (or zero) it names.
        ("0000000002", 2, None),
        ("0" * 40 + "3", 3, None),
        ("0" * 12, 1, "not valid"),
        ("0" * 40 + "4", 3, "no such page"),
    ],
)
def test_a_page_number_that_names_no_page(town, client, small_pages, raw, page, notice):
    expected = _mixed_town(town, undated=5, dated=5)
    _english(client)
    response = client.get("/open", params={"page": raw})
    assert response.status_code == 200
    html = response.text
    assert _titles(_section(html, "open-list")) == expected[(page - 1) * 4 : page * 4]
    assert f'aria-current="page">{page}</a>' in _pager(html)
    notices = {
        "not valid": "This page number is not valid: the first page is shown.",
        "no such page": "There is no such page: the last one is shown.",
    }
    for key, text in notices.items():
        assert (text in html) == (key == notice), key


def test_no_page_past_an_empty_list(town, client):
    _english(client)
    html = client.get("/open?page=2").text
    assert "There is no such page: the last one is shown." in html
    assert "Nothing is open right now." in html


def test_in_french_the_notice_and_the_nav(town, client, small_pages):
    _mixed_town(town, undated=5, dated=5)
    html = client.get("/open?page=7").text
    assert "Cette page n'existe pas\u00a0: la dernière est affichée." in html
    assert "10 participations ouvertes en ce moment · page 3 sur 3" in html
    assert '<nav aria-label="Pages des participations ouvertes"' in html
    assert 'rel="prev">Page précédente</a>' in html
    assert "<title>Tout ce qui est ouvert, page 3 sur 3" in html


def test_counts_in_the_number_format_and_only_the_page_summed_up(town, client, monkeypatch):
    """1,200 open modules (two, listed 600 times over): the count and the page numbers are
    written the language's way, and only the page's modules are summed up."""
    for i in range(2):
        _open_survey(town, f"Survey {i}", days=i + 1)
    real_rows, real_summaries = views.open_rows, open_page.summaries
    monkeypatch.setattr(views, "open_rows", lambda ctx, choice: real_rows(ctx, choice) * 600)
    summed: list[int] = []

    def summaries(ctx, pairs):
        summed.append(len(pairs))
        return real_summaries(ctx, pairs)

    monkeypatch.setattr(open_page, "summaries", summaries)
    html = client.get("/open?page=50").text  # French
    total = format_decimal(1200, locale="fr")
    assert total != "1200"  # a separator between the thousands
    assert f"{total} participations ouvertes en ce moment · page 50 sur 50" in html
    assert len(_titles(_section(html, "open-list"))) == open_page.PAGE_SIZE
    assert summed == [open_page.PAGE_SIZE]


def test_statements_are_the_same_on_every_page(make_town):
    """Ten open modules (one page) and sixty (three): the same statements for the first page
    of either and the last of the sixty."""
    few = make_town("few.example", fragment_cache_mb=0)  # the full render, every time
    many = make_town("many.example", app=few.app)
    for town, count in ((few, 10), (many, 60)):
        for i in range(count):
            _open_survey(town, f"Survey {i}", days=(i % 7) + 1 if i % 2 else None)
    counts = []
    for town, path in ((few, "/open"), (many, "/open"), (many, "/open?page=3")):
        with town.client() as client:
            client.get(path)  # warm the per-process caches
            with town.parvis.db.count_queries() as counter:
                response = client.get(path, headers={"cache-control": "no-cache"})
                assert response.status_code == 200
            counts.append(counter.count)
    assert counts[0] == counts[1] == counts[2], counts


def test_forged_page_numbers_keep_no_fragment_of_their_own(town, client, small_pages):
    """Only existing pages are kept (``shared_fragment``): a forged number is brought back to
    one first, so it cannot fill the process's cache."""
    _mixed_town(town, undated=5, dated=5)
    for raw in ("1", "2", "3", "4", "99", "0", "abc", "9" * 40):
        assert client.get("/open", params={"page": raw}).status_code == 200
    kept = {key[1] for key in town.parvis.fragment_cache._entries if key[0] == "fragment"}
    # (The areas are the town's setup, kept per process: ``Parvis.areas_of``, not a fragment.)
    assert {k for k in kept if k.startswith("core.open")} == {
        "core.open.rows",
        "core.open.p1",
        "core.open.p2",
        "core.open.p3",
    }
