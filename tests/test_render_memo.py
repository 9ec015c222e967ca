"""The render memo (``rendermemo.py``): cards kept under exactly what they show, so that after
a write only the changed card is written again, in every app instance, and nothing of one
visitor reaches another."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from markupsafe import Markup
from starlette.testclient import TestClient

from parvis.app import create_app
from parvis.i18n import DEFAULT_TIME_ZONE
from parvis.models import Module, PhaseDates
from parvis.rendermemo import RenderMemo, frozen
from parvis.spaces import space_cards
from parvis.testing import login, make_space_with_module


def _cards(html: str) -> str:
    start = html.index('<ul class="cards modules">')
    return html[start : html.index("</ul>", start)]


def _space_of_surveys(town, count: int) -> tuple[str, list[int]]:
    made = make_space_with_module(town, "survey", phase="open", module_title="Survey 0")
    ids = [made.module_id]
    with town.session() as session:
        for i in range(1, count):
            module = Module(
                space_id=made.space_id, type="survey", slug=f"s{i}", title=f"Survey {i}",
                phase="open", published=True, position=i,
            )  # fmt: skip
            session.add(module)
            session.flush()
            ids.append(module.id)
    return f"/s/{made.space_slug}", ids


def _rename(town, module_id: int, title: str) -> None:
    with town.session() as session:
        session.get(Module, module_id).title = title


def test_after_a_write_only_the_changed_card_is_written_again(town):
    page, ids = _space_of_surveys(town, 5)
    memo = town.parvis.render_memo
    with town.client() as client:
        assert "Survey 3" in _cards(client.get(page).text)
        before = memo.rendered
        _rename(town, ids[3], "Survey three")  # the town's content version moves on
        html = _cards(client.get(page).text)
    assert "Survey three" in html and "Survey 3" not in html
    assert all(f"Survey {i}" in html for i in (0, 1, 2, 4))
    assert memo.rendered - before == 1  # the four others came from the memo


def test_a_write_through_another_app_changes_its_card_there(town, parvis_config):
    page, ids = _space_of_surveys(town, 3)
    other = create_app(parvis_config)
    try:
        with TestClient(other, base_url=f"http://{town.host}") as second:
            assert "Survey 1" in _cards(second.get(page).text)
            _rename(town, ids[1], "Survey one")  # through the first app's database session
            html = _cards(second.get(page).text)
            assert "Survey one" in html and "Survey 1" not in html
            assert other.state.parvis.render_memo.rendered == 4  # 3 cards, then the new one
    finally:
        other.state.parvis.db.dispose()


def test_a_deadline_rolls_over_with_the_clock_whatever_the_memo(make_town, monkeypatch):
    """The deadline line says "N days left": kept under what it prints, the same module's card
    is written again when the day changes, though nothing was written."""
    town = make_town(page_cache_mb=0, fragment_cache_mb=0)  # every page asks the memo
    page, ids = _space_of_surveys(town, 2)
    with town.session() as session:
        # Noon, five days from now in the town's time zone: "5 days left" whatever the hour.
        zone = ZoneInfo(DEFAULT_TIME_ZONE)
        day = dt.datetime.now(zone).date() + dt.timedelta(days=5)
        ends = dt.datetime.combine(day, dt.time(12), tzinfo=zone)
        session.add(PhaseDates(module_id=ids[0], phase="open", ends_at=ends))
    real = space_cards.phase_deadline
    with town.client() as client:
        today = _cards(client.get(page).text)
        assert "5\N{NO-BREAK SPACE}jours" in today or "5 jours" in today, today
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
        monkeypatch.setattr(
            space_cards, "phase_deadline", lambda label, end: real(label, end, now=later)
        )
        then = _cards(client.get(page).text)
    assert "3\N{NO-BREAK SPACE}jours" in then or "3 jours" in then, then
    assert "5 jours" not in then and "5\N{NO-BREAK SPACE}jours" not in then


def test_the_memo_is_bounded_and_least_recently_used_goes_first():
    memo = RenderMemo(8 * 100)  # an entry may take up to an eighth: 100 characters
    memo.put_many({i: "x" * 100 for i in range(8)})
    assert memo.get(0) == "x" * 100  # 0 is now the most recently used
    memo.put(8, "y" * 100)
    assert memo.get(1) is None and memo.get(0) is not None and len(memo) == 8
    memo.put(9, "z" * 101)  # larger than an eighth: not kept
    assert memo.get(9) is None
    assert memo.size <= memo.max_bytes
    off = RenderMemo(0)
    off.put(1, "a")
    assert off.get(1) is None and off.rendered == 1


def test_keys_are_made_of_plain_values_only(town):
    assert frozen({"a": [1, ("b", None)]}) == frozen({"a": [1, ("b", None)]})
    assert frozen([1]) != frozen((1,))
    # Equal values that render differently are different keys.
    assert frozen(Markup("<b>x</b>")) != frozen("<b>x</b>")
    assert len({frozen(True), frozen(1), frozen(1.0)}) == 3
    assert frozen({"a": "x", "b": 2}) == frozen({"a": "x", "b": 2})
    with town.session() as session, pytest.raises(TypeError):
        frozen({"module": session.get(Module, 1) or Module()})


def test_a_resident_and_staff_get_the_same_cards_from_one_memo(town, resident):
    page, _ids = _space_of_surveys(town, 2)
    with town.client() as staff, town.client() as client:
        login(staff, town.admin_email, town.admin_password)
        login(client, resident.email)
        assert _cards(staff.get(page).text) == _cards(client.get(page).text)


def test_a_card_is_kept_per_language(make_town, monkeypatch):
    """A card's figures are written in the visitor's language ("1 234", "1,234"): the same
    arguments in another language are another card, even where every label reads the same."""
    from parvis.contrib import ModuleSummary

    town = make_town(page_cache_mb=0, fragment_cache_mb=0)  # every page asks the memo
    page, ids = _space_of_surveys(town, 1)
    same = ModuleSummary(participation=1234, participation_label="participations")
    monkeypatch.setattr(space_cards, "summaries", lambda ctx, items: {ids[0]: same})
    real = space_cards._labels

    def neutral(ctx, mtype, key):  # labels that read the same in French and English
        found = real(ctx, mtype, key)
        found.frame = space_cards.card_frame(mtype.key, ("Sondage", "open"), "Sondage")
        return found

    monkeypatch.setattr(space_cards, "_labels", neutral)
    with town.client() as client:
        french = _cards(client.get(page, headers={"Accept-Language": "fr"}).text)
        english = _cards(client.get(page, headers={"Accept-Language": "en"}).text)
    assert "1\N{NARROW NO-BREAK SPACE}234" in french or "1\N{NO-BREAK SPACE}234" in french
    assert "1,234" in english, english


def test_a_fragment_shows_the_town_as_it_is_now(make_town, tmp_path):
    """``memo_fragment`` gives its template the town: renamed (or moved to another time zone),
    the town is another input, and the fragment is rendered again."""
    import types

    from parvis.api import Fragment, hookimpl, memo_fragment
    from parvis.models import Town

    @hookimpl
    def parvis_slot(name, request):
        if name != "layout.footer":
            return []
        return [Fragment("named", memo_fragment(request, "named/_town.html", {}))]

    plugin = types.ModuleType("parvis_named.plugin")
    plugin.__file__ = __file__
    plugin.parvis_slot = parvis_slot
    town = make_town("named.example", extra_plugins={"named": plugin})
    folder = tmp_path / "mine" / "templates" / "named"
    folder.mkdir(parents=True)
    (folder / "_town.html").write_text("<p>town: {{ town.name }}</p>", encoding="utf-8")
    town.parvis.themes_dir = tmp_path
    with town.session() as session:
        session.get(Town, town.town_id).theme = "mine"
    with town.client() as client:
        assert "<p>town: " in client.get("/login").text
        with town.session() as session:
            session.get(Town, town.town_id).name = "Renamed town"
        assert "<p>town: Renamed town</p>" in client.get("/login").text
