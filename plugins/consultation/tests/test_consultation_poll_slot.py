"""The quick polls' widgets, read in one statement per page: each viewer still gets what the
rules give them (a form, a link to log in or to the poll, their vote counted, the results)."""

from __future__ import annotations

import datetime as dt

from consultation_builders import build_poll, english_user
from sqlalchemy import delete, update

from parvis.api import ANONYMOUS, RESIDENT, utcnow
from parvis.testing import login, post_form, set_permission
from parvis_consultation.models import Option, Question, Survey
from parvis_consultation.structure import RESPOND


def _widget(html: str, slot: str = "home-main") -> str:
    """The polls' section of a page, or "" when it shows none."""
    heading = f'id="polls-{slot}"'
    if heading not in html:
        return ""
    start = html.index(heading)
    return html[start : html.index("</section>", start)]


def _resident(town, email: str, **kwargs) -> None:
    with town.session() as s:
        english_user(s, town.town_id, email, **kwargs)


def _button(b) -> str:
    return f'name="q{b.q["poll"]}" value="{b.o["poll"][0]}"'


def test_a_resident_denied_answering_sees_the_link_not_the_form(town):
    b = build_poll(town, show_on_home=True)
    other = build_poll(town, slug="other-polls", show_on_home=True)
    set_permission(town, RESIDENT, RESPOND, allow=False, space=b.space_id)
    _resident(town, "r@example.org")
    with town.client() as c:
        login(c, "r@example.org")
        for page, slot in (("/", "home-main"), (f"/s/{b.space_slug}", "space-main")):
            widget = _widget(c.get(page).text, slot)
            assert _button(b) not in widget
            assert f'<a href="{b.url}">See the poll</a>' in widget
        # The same rule leaves the other space's poll answerable.
        assert _button(other) in _widget(c.get("/").text)


def test_a_poll_the_viewer_may_not_see_shows_nowhere(town):
    b = build_poll(town, show_on_home=True)
    set_permission(town, RESIDENT, "consultation.view", allow=False)
    _resident(town, "r@example.org")
    with town.client() as c:
        login(c, "r@example.org")
        home = c.get("/").text
        assert _widget(home) == "" and "Fan zone?" not in home
    with town.client() as visitor:  # anonymous visitors still may
        assert f'<a href="{b.url}">' in _widget(visitor.get("/").text)


def test_an_unconfirmed_resident_and_a_visitor_get_no_form(town):
    b = build_poll(town, show_on_home=True)
    _resident(town, "u@example.org", confirmed=False)
    with town.client() as c:
        login(c, "u@example.org")
        widget = _widget(c.get("/").text)
        assert _button(b) not in widget and "See the poll" in widget
    with town.client() as visitor:
        widget = _widget(visitor.get("/").text)  # "Log in to vote", in French
        assert "<form" not in widget and f'<a href="{b.url}">Se connecter pour voter' in widget


def test_anonymous_answers_where_the_poll_allows_them(town):
    b = build_poll(town, show_on_home=True, allow_anonymous=True, poll_results="answered")
    with town.client() as visitor:
        assert _button(b) in _widget(visitor.get("/").text)
        response = post_form(visitor, b.url, {f"q{b.q['poll']}": b.o["poll"][0]}, page="/")
        assert response.status_code == 303
        widget = _widget(visitor.get("/").text)  # their vote, by their token (French)
        assert "<form" not in widget and "<strong>100\xa0%</strong>" in widget
    set_permission(town, ANONYMOUS, "consultation.view", allow=False)
    with town.client() as visitor:
        assert _widget(visitor.get("/").text) == ""


def test_outside_its_dates_a_poll_takes_no_answer(town):
    b = build_poll(town, show_on_home=True, opens_at=utcnow() + dt.timedelta(days=1))
    _resident(town, "r@example.org")
    with town.client() as c:
        login(c, "r@example.org")
        widget = _widget(c.get("/").text)
        assert _button(b) not in widget and "See the poll" in widget
        with town.session() as s:
            s.execute(update(Survey).values(opens_at=None, closes_at=utcnow()))
        assert _button(b) not in _widget(c.get(f"/s/{b.space_slug}").text, "space-main")


def test_results_hidden_until_closing_stay_hidden_after_answering(town):
    b = build_poll(town, show_on_home=True, poll_results="closed")
    _resident(town, "r@example.org")
    with town.client() as c:
        login(c, "r@example.org")
        assert post_form(c, b.url, {f"q{b.q['poll']}": b.o["poll"][0]}).status_code == 303
        widget = _widget(c.get("/").text)
        assert "Your vote is counted" in widget and "100%" not in widget


def test_a_poll_without_settings_shows_on_its_space_page(town):
    """A poll whose settings were never saved has the defaults (not on the home page)."""
    b = build_poll(town)
    with town.session() as s:
        s.execute(delete(Survey).where(Survey.module_id == b.module_id))
    _resident(town, "r@example.org")
    with town.client() as c:
        login(c, "r@example.org")
        assert _button(b) in _widget(c.get(f"/s/{b.space_slug}").text, "space-main")
        assert _widget(c.get("/").text) == ""


def test_the_widget_escapes_what_staff_typed(town):
    """Written in Python (``widget.py``): each label escaped as the templates escape it."""
    b = build_poll(town, show_on_home=True, allow_anonymous=True)
    typed = "<b>\"Tom\" & 'Jerry'</b>"
    escaped = "&lt;b&gt;&#34;Tom&#34; &amp; &#39;Jerry&#39;&lt;/b&gt;"
    with town.session() as s:
        s.execute(update(Question).where(Question.id == b.q["poll"]).values(label=typed))
        s.execute(update(Option).where(Option.id == b.o["poll"][0]).values(label=typed))
    with town.client() as visitor:
        widget = _widget(visitor.get("/").text)
    assert typed not in widget and "<b>" not in widget
    assert f'<a href="{b.url}">{escaped}</a>' in widget
    assert f'aria-label="{escaped}"' in widget
    assert f'value="{b.o["poll"][0]}">{escaped}</button>' in widget


def test_the_slot_implementation_is_asked_for_its_three_slots_only(town, monkeypatch):
    """``@fills_slots``: on the home page and a space page the consultation is asked for the
    stylesheet and the polls' places only, and still fills them."""
    import functools

    b = build_poll(town, show_on_home=True)
    hook = town.parvis.pm.hook.parvis_slot
    impl = next(i for i in hook.get_hookimpls() if i.plugin_name == "consultation")
    asked: list[str] = []
    real = impl.function

    @functools.wraps(real)  # keeps the declared slots (the function's ``__dict__``)
    def spy(**kwargs):
        asked.append(kwargs["name"])
        return real(**kwargs)

    monkeypatch.setattr(impl, "function", spy)
    with town.client() as c:
        for page, slot in (("/", "home-main"), (f"/s/{b.space_slug}", "space-main")):
            html = c.get(page).text
            assert "/consultation.css" in html, page
            assert f'<a href="{b.url}">' in _widget(html, slot), page
    assert set(asked) == {"layout.head", "home.main", "space.main"}, asked
