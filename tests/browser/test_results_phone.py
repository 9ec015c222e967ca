"""Results that read on a phone: the council's published participatory budget and the survey's
results, at 375 and 1280 px: who won, the votes and why, without sideways scrolling; chart text
of at least 12 px; table headings that never break inside a word; rankings by average rank."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from .checks import SIZES, check_page, goto

pytestmark = pytest.mark.browser

# Every piece of text in the results' charts and lists, with its computed font size.
_SMALL_TEXT_JS = """
(min) => {
  const found = [];
  const sel = '.chart text, .chart .bar-label, .chart .bar-value, .chart .bar-count, '
    + '.chart figcaption, .cs-result, .cs-result *';
  for (const el of document.querySelectorAll(sel)) {
    if (!el.textContent.trim()) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    const box = el.getBoundingClientRect();
    const rendered = el instanceof SVGElement && el.ownerSVGElement
      ? size * el.ownerSVGElement.getScreenCTM().a : size;
    const text = el.textContent.trim().slice(0, 30);
    if (box.width > 0 && rendered < min) found.push(text + ' ' + rendered);
  }
  return found;
}
"""

# Table headings whose words are split over two lines (a word's text spans several boxes).
_BROKEN_HEADINGS_JS = """
() => {
  const broken = [];
  for (const th of document.querySelectorAll('main th')) {
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const re = /\\S+/g;
      let m;
      while ((m = re.exec(node.data))) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}
"""


def _module(live: Any, **where: Any) -> tuple[str, int]:
    from parvis.models import Module, Space

    with live.parvis.db.session() as session:
        query = select(Space.slug, Module.id).join(Module, Module.space_id == Space.id)
        for name, value in where.items():
            query = query.where(getattr(Module, name) == value)
        return session.execute(query.order_by(Module.id).limit(1)).one()


def _readable(page: Any) -> None:
    assert page.evaluate(_SMALL_TEXT_JS, 12) == []
    assert page.evaluate(_BROKEN_HEADINGS_JS) == []


@pytest.mark.parametrize("size", SIZES)
def test_council_results_read_on_a_phone(new_page: Any, live: Any, size: Any) -> None:
    slug, module_id = _module(live, type="idea_call", phase="results")
    page = new_page(size)
    goto(page, f"/s/{slug}/idea_call/{module_id}/results")
    cards = page.locator(".cs-result")
    assert cards.count() >= 5
    first = cards.first
    # Winners come first: status, votes and the explanation are all in view of the card.
    assert first.locator(".badge-success").inner_text() == "Retenu"
    assert "voix" in first.locator(".cs-result-votes").inner_text()
    assert first.locator(".cs-result-why").inner_text().startswith("Retenu")
    width = size["width"]
    for part in (".cs-result-title", ".cs-result-votes", ".cs-result-why"):
        box = first.locator(part).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    losers = page.locator(".cs-result:not(.is-selected) .badge")
    assert losers.count() >= 1 and losers.first.inner_text() == "Non retenu"
    _readable(page)
    check_page(page, "council-results")


@pytest.mark.parametrize("size", SIZES)
def test_survey_results_read_on_a_phone(open_page: Any, live: Any, size: Any) -> None:
    slug, module_id = _module(live, type="survey", slug="velodrome")
    page = open_page(size, "admin")
    goto(page, f"/s/{slug}/survey/{module_id}/results")
    assert page.locator(".bar-list li").count() >= 2
    for label in page.locator(".bar-list .bar-label").all()[:5]:
        box = label.bounding_box()
        assert box is not None and box["x"] + box["width"] <= size["width"]
    ranking = page.locator(".rank-list")
    if ranking.count():  # the demo survey's ranking question, by average rank
        assert "rang moyen" in ranking.first.inner_text()
        assert ranking.first.locator(".bar-track").count() == 0
    _readable(page)
    check_page(page, "survey-results")
