"""The design system: deadlines and timelines, module card tones, the style guide and a town's
branding from the administration."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from PIL import Image

from parvis.api import using_locale
from parvis.contrib import ModuleType, Phase
from parvis.models import Town
from parvis.phases import phase_deadline, phase_timeline
from parvis.spaces.space_cards import phase_tone
from parvis.testing import form_errors, login, post_form
from parvis.testing.helpers import csrf_token_from

NOW = dt.datetime(2027, 3, 2, 9, 0, tzinfo=dt.UTC)
PHASES = [
    Phase("draft", "Draft"),
    Phase("open", "Submission", frozenset({"x.propose"})),
    Phase("vote", "Vote", frozenset({"x.vote"})),
    Phase("results", "Results"),
]


def test_deadline_says_the_date_and_the_days_left(town):
    with using_locale(town.parvis, "en"):
        deadline = phase_deadline("Vote", dt.datetime(2027, 3, 14, 22, 0, tzinfo=dt.UTC), NOW)
        assert deadline is not None
        # 22:00 UTC on 14 March is 23:00 in Paris: still 14 March.
        assert deadline.text == "Vote until 14 March (12 days left)"
        assert deadline.days_left == 12 and not deadline.soon
        tomorrow = phase_deadline("Vote", NOW + dt.timedelta(days=1), NOW)
        assert tomorrow.text == "Vote until 3 March (1 day left)" and tomorrow.soon
        today = phase_deadline("Vote", NOW + dt.timedelta(hours=3), NOW)
        assert today.text == "Vote until 2 March (last day)"
    with using_locale(town.parvis, "fr"):
        deadline = phase_deadline("Vote", dt.datetime(2027, 3, 14, 22, 0, tzinfo=dt.UTC), NOW)
        assert deadline.text == "Vote\u00a0: jusqu'au 14 mars (encore 12\u00a0jours)"
    assert phase_deadline("Vote", NOW - dt.timedelta(minutes=1), NOW) is None
    assert phase_deadline("Vote", None, NOW) is None


def test_timeline_marks_done_current_and_upcoming_with_dates(town):
    with using_locale(town.parvis, "en"):
        steps = phase_timeline(
            PHASES,
            "vote",
            {
                "open": (dt.datetime(2027, 1, 5, tzinfo=dt.UTC), None),
                "vote": (None, dt.datetime(2027, 3, 14, 12, tzinfo=dt.UTC)),
            },
            NOW,
        )
    assert [s.state for s in steps] == ["done", "done", "current", "upcoming"]
    assert steps[1].dates.startswith("from 5 January")
    assert steps[2].dates.startswith("until 14 March")
    assert steps[0].dates == ""
    assert [s.state for s in phase_timeline(PHASES, "gone")] == ["upcoming"] * 4


def test_card_tone_follows_the_phase():
    mtype = ModuleType("x", "X", phases=PHASES)
    assert [phase_tone(mtype, p.key) for p in PHASES] == ["upcoming", "open", "open", "closed"]
    assert phase_tone(mtype, "unknown") == "neutral"


def _admin(town, client):
    login(client, town.admin_email, town.admin_password)
    post_form(client, "/language", {"locale": "en"})


def test_style_guide_renders_every_component_in_each_theme(town, client, resident):
    assert client.get("/admin/styleguide", follow_redirects=False).status_code in (302, 303)
    login(client, resident.email)
    assert client.get("/admin/styleguide").status_code == 403
    client.cookies.clear()
    _admin(town, client)
    html = client.get("/admin/styleguide").text
    for marker in (
        'class="card card-media"',
        "badge-open",
        'class="deadline',
        'class="participation"',
        "primary-action",
        'aria-current="step"',
        'class="stat-tile"',
        'class="empty-state"',
        'class="notice warning"',
        'class="confirmation"',
        "placeholder-volunteering",
    ):
        assert marker in html, marker
    assert "/static/theme/ocean/ocean.css" not in html
    ocean = client.get("/admin/styleguide?theme=ocean")
    assert ocean.status_code == 200 and "/static/theme/ocean/ocean.css" in ocean.text
    assert client.get("/admin/styleguide?theme=../etc").status_code == 404


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 80, 90)).save(out, format="PNG")
    return out.getvalue()


def test_branding_refuses_unreadable_colours_and_keeps_the_input(town, client):
    _admin(town, client)
    r = post_form(client, "/admin/branding", {"primary": "#ffee00"}, page="/admin/branding")
    assert r.status_code == 400
    assert any("Too light" in e for e in form_errors(r.text))
    assert 'value="#ffee00"' in r.text
    r = post_form(client, "/admin/branding", {"primary": "blue"}, page="/admin/branding")
    assert r.status_code == 400 and "six hexadecimal digits" in r.text
    r = post_form(client, "/admin/branding", {"accent": "#fafafa"}, page="/admin/branding")
    assert r.status_code == 400
    with town.session() as s:
        assert "_brand" not in (s.get(Town, town.town_id).settings or {})


def test_branding_colours_logo_and_favicon_reach_every_page(town, client, resident):
    login(client, resident.email)
    r = post_form(client, "/admin/branding", {"primary": "#7a1f5c"}, page="/")
    assert r.status_code == 403
    client.cookies.clear()
    _admin(town, client)
    token_page = client.get("/admin/branding").text
    r = client.post(
        "/admin/branding",
        data={"primary": "#7A1F5C", "accent": "#0f766e", "csrf_token": csrf_token_from(token_page)},
        files={
            "logo": ("logo.png", _png(), "image/png"),
            "favicon": ("f.png", _png(), "image/png"),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = town.client().get("/").text
    assert '<link rel="stylesheet" href="/brand.css?v=1">' in page
    assert 'rel="icon" href="/uploads/' in page
    assert 'class="brand" href="/"><img src="/uploads/' in page
    css = town.client().get("/brand.css?v=1")
    assert css.headers["content-type"].startswith("text/css")
    assert "--color-primary: #7a1f5c;" in css.text and "--color-accent: #0f766e;" in css.text
    with town.session() as s:
        brand = s.get(Town, town.town_id).settings["_brand"]
    assert brand["version"] == 1 and brand["logo"] and brand["favicon"]


@pytest.mark.parametrize("theme", ["default", "ocean"])
def test_components_render_in_plugin_pages_of_both_themes(town, client, theme):
    """The space page (core) uses the card and placeholder components in each theme."""
    from parvis.models import Space

    with town.session() as s:
        s.get(Town, town.town_id).theme = theme
        s.add(Space(town_id=town.town_id, slug="general", title="Général", published=True))
    html = client.get("/s/general").text
    assert "placeholder-general" in html
    assert 'class="empty-state"' in html
