"""The staff dashboard's activity figures as the demo town's administrator, at 375 and 1280 px:
axe clean, headings, no sideways scrolling, keyboard; chart labels at least 12 px as drawn; each
chart's figures readable in its table."""

from __future__ import annotations

from typing import Any

import pytest

from .checks import SIZES, check_page, goto

pytestmark = pytest.mark.browser

# Each chart label's size as drawn: its CSS size times the SVG's scale on the page.
_LABEL_SIZES_JS = """
() => [...document.querySelectorAll('.activity-chart svg')].flatMap(svg => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  return [...svg.querySelectorAll('text')].map(
    t => parseFloat(getComputedStyle(t).fontSize) * scale);
})
"""


@pytest.mark.parametrize("size", SIZES)
def test_activity_dashboard(open_page: Any, size: Any) -> None:
    page = open_page(size, "admin")
    goto(page, "/admin/activity")
    charts = page.locator(".activity-chart svg[role=img]")
    assert charts.count() > 0
    sizes = page.evaluate(_LABEL_SIZES_JS)
    assert sizes and min(sizes) >= 12, sizes
    check_page(page, "admin-activity")
    first = page.locator(".activity-chart details").first
    first.locator("summary").click()
    assert first.locator("tbody tr").nth(11).is_visible()
