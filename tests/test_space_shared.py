"""A space page's module cards (``spaces/views.py`` ``space_cards``): rendered once per space,
town content version, language, minute and theme and given to every visitor; staff who manage
the space get their own list (with the unpublished modules), never shown to anyone else."""

from __future__ import annotations

from starlette.testclient import TestClient

from parvis.app import create_app
from parvis.models import Module
from parvis.testing import login, make_space_with_module, make_user


def _cards(html: str) -> str:
    start = html.index('<ul class="cards modules">')
    return html[start : html.index("</ul>", start)]


def _add_module(town, space_id: int, title: str, *, published: bool = True) -> int:
    with town.session() as session:
        module = Module(
            space_id=space_id,
            type="survey",
            slug=title.lower().replace(" ", "-"),
            title=title,
            phase="open",
            published=published,
        )
        session.add(module)
        session.flush()
        return module.id


def test_visitors_share_the_cards_and_a_write_shows_at_once(town, resident):
    made = make_space_with_module(town, "survey", phase="open", module_title="Parks survey")
    page = f"/s/{made.space_slug}"
    with town.session() as session:
        make_user(session, town.town_id, "other@example.org")
    with town.client() as first, town.client() as second:
        login(first, resident.email)
        login(second, "other@example.org")
        assert "Parks survey" in _cards(first.get(page).text)
        # The second resident gets the cards the first one's request rendered: the modules
        # and their dates are not read again.
        with town.parvis.db.count_queries() as counter:
            html = second.get(page).text
        assert "Parks survey" in _cards(html)
        assert not [s for s in counter.statements if "module_phase_dates" in s]
        _add_module(town, made.space_id, "Library survey")
        for client in (first, second):
            assert "Library survey" in _cards(client.get(page).text)


def test_a_write_through_another_app_shows_at_once(town, resident, parvis_config):
    made = make_space_with_module(town, "survey", phase="open", module_title="Parks survey")
    page = f"/s/{made.space_slug}"
    other = create_app(parvis_config)
    try:
        with TestClient(other, base_url=f"http://{town.host}") as second:
            login(second, resident.email)
            assert "Pool survey" not in second.get(page).text
            second.get(page)  # kept
            _add_module(town, made.space_id, "Pool survey")
            assert "Pool survey" in _cards(second.get(page).text)
    finally:
        other.state.parvis.db.dispose()


def test_staff_cards_never_reach_a_resident(town, resident):
    """Staff who manage the space see its unpublished modules: their list is kept apart, in
    whichever order the pages are asked for."""
    made = make_space_with_module(town, "survey", phase="open", module_title="Shown survey")
    _add_module(town, made.space_id, "Draft survey", published=False)
    page = f"/s/{made.space_slug}"
    with town.client() as staff, town.client() as client, town.client() as visitor:
        login(staff, town.admin_email, town.admin_password)
        login(client, resident.email)
        for first, then in ((staff, client), (client, staff)):
            seen = {c: _cards(c.get(page).text) for c in (first, then, visitor)}
            assert "Draft survey" in seen[staff] and "Shown survey" in seen[staff]
            for other in (client, visitor):
                assert "Shown survey" in seen[other]
                assert "Draft survey" not in seen[other]
            # Taken out of the cache by a write, so that the next round starts cold.
            _add_module(town, made.space_id, f"Another survey {id(first)}")
