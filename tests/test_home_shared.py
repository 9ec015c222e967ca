"""The home page's shared parts (``home_parts.py``): the "open now" and results cards and the
spaces, rendered once per town content version, language and minute and given to every
visitor, logged in or not; what is the viewer's own (header, neighbourhood, quick polls with
their forms and "you answered") stays per request."""

from __future__ import annotations

from starlette.testclient import TestClient
from theme_helpers import theme_with_its_own_card

from parvis.app import create_app
from parvis.models import Area, Space, Town
from parvis.testing import login, make_space_with_module, make_user, post_form


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def _statements(town, client) -> list[str]:
    with town.parvis.db.count_queries() as counter:
        assert client.get("/").status_code == 200
    return counter.statements


def test_residents_share_the_parts_and_a_write_shows_at_once(town, resident):
    make_space_with_module(town, "survey", phase="open", module_title="Parks survey")
    with town.session() as session:
        make_user(session, town.town_id, "other@example.org")
    with town.client() as first, town.client() as second:
        login(first, resident.email)
        login(second, "other@example.org")
        assert "Parks survey" in _section(first.get("/").text, "open-now")
        # The second resident gets the parts the first one's request rendered: neither the
        # spaces, nor the areas, nor the modules and their dates are read again.
        statements = _statements(town, second)
        read = [s for s in statements if "FROM areas" in s or "module_phase_dates" in s]
        assert not read, statements
        assert "Parks survey" in _section(second.get("/").text, "open-now")
        # A write (a new open module) is on the next page of every resident.
        make_space_with_module(town, "survey", phase="open", module_title="Library survey")
        for client in (first, second):
            assert "Library survey" in _section(client.get("/").text, "open-now")


def test_a_write_through_another_app_shows_at_once(town, resident, parvis_config):
    """Two app instances (two processes in production) on one database: the second keeps the
    parts under the content version, which a write through the first one moves."""
    other = create_app(parvis_config)
    try:
        with TestClient(other, base_url=f"http://{town.host}") as second:
            login(second, resident.email)
            assert "Pool survey" not in second.get("/").text
            second.get("/")  # kept
            make_space_with_module(
                town, "survey", phase="open", space_title="A new pool", module_title="Pool survey"
            )
            html = second.get("/").text
            assert "A new pool" in _section(html, "spaces-h")
            assert "Pool survey" in _section(html, "open-now")
    finally:
        other.state.parvis.db.dispose()


def test_each_viewer_gets_their_own_parts(town):
    with town.session() as session:
        north = Area(town_id=town.town_id, slug="north", name="North")
        south = Area(town_id=town.town_id, slug="south", name="South")
        session.add_all([north, south])
        session.flush()
        for area, title in ((north, "North council"), (south, "South council")):
            session.add(
                Space(
                    town_id=town.town_id,
                    slug=title.split()[0].lower(),
                    title=title,
                    published=True,
                    area_id=area.id,
                )
            )
        make_user(session, town.town_id, "north@example.org", area=north, locale="en")
        make_user(session, town.town_id, "south@example.org", area=south, locale="en")
    with town.client() as n, town.client() as s, town.client() as visitor:
        login(n, "north@example.org")
        login(s, "south@example.org")
        for client, mine, theirs in ((n, "North", "South"), (s, "South", "North")):
            html = client.get("/").text
            area = _section(html, "my-area")
            assert f"My neighbourhood: {mine}" in area
            assert f"{mine} council" in area and f"{theirs} council" not in area
            assert 'action="/logout"' in html
            assert 'class="button" href="/signup"' not in html
            # Both councils in the shared list, whoever rendered it first.
            assert "North council" in _section(html, "spaces-h")
            assert "South council" in _section(html, "spaces-h")
        html = visitor.get("/").text  # French: no session, no language chosen
        assert 'id="my-area"' not in html
        assert 'class="button" href="/signup"' in html  # "Create your account"


def test_staff_content_never_reaches_a_resident(town, resident):
    """Staff see unpublished spaces and modules on their own pages, never on the home page:
    what the shared parts hold is the same whoever renders them first."""
    make_space_with_module(town, "survey", phase="open", module_title="Shown survey")
    make_space_with_module(
        town, "survey", phase="open", published=False, space_title="Secret space"
    )
    make_space_with_module(
        town, "survey", phase="open", module_published=False, module_title="Secret survey"
    )
    with town.client() as staff, town.client() as client:
        login(staff, town.admin_email, town.admin_password)
        first = staff.get("/").text
        login(client, resident.email)
        html = client.get("/").text
    for page in (first, html):
        assert "Shown survey" in page
        assert "Secret space" not in page and "Secret survey" not in page
    assert _section(first, "open-now") == _section(html, "open-now")
    assert _section(first, "spaces-h") == _section(html, "spaces-h")


def test_without_the_fragment_cache_every_page_is_rendered_in_full(make_town):
    town = make_town(fragment_cache_mb=0)
    make_space_with_module(town, "survey", phase="open", module_title="Parks survey")
    with town.client() as client:
        post_form(client, "/language", {"locale": "en"})  # a session: no page cache either
        counts = [len(_statements(town, client)) for _ in range(2)]
    assert counts[0] == counts[1]
    assert len(town.parvis.fragment_cache) == 0


def test_a_theme_with_its_own_card_keeps_it_in_every_part(town, tmp_path):
    """A theme overriding the components (``theme_cards``): its card in the shared parts and in
    the resident's neighbourhood alike."""
    theme_with_its_own_card(tmp_path)
    town.parvis.themes_dir = tmp_path
    with town.session() as session:
        north = Area(town_id=town.town_id, slug="north", name="North")
        session.add(north)
        session.flush()
        make_user(session, town.town_id, "north@example.org", area=north, locale="en")
        area_id = north.id
    make_space_with_module(
        town, "survey", phase="open", module_title="My survey", space_title="North hall"
    )
    with town.session() as session:
        session.query(Space).filter_by(title="North hall").one().area_id = area_id
        session.get(Town, town.town_id).theme = "mine"
    with town.client() as client:
        login(client, "north@example.org")
        html = client.get("/").text
    assert '<li class="my-card">My survey</li>' in _section(html, "open-now")
    assert '<li class="my-card">North hall</li>' in _section(html, "my-area")
    assert '<li class="my-card">North hall</li>' in _section(html, "spaces-h")


def test_a_draft_whose_opening_date_has_passed_opens_on_the_home_page(town):
    """The home page reads only what it may show, and any module with dates: a draft due to
    open moves on when the page is read and is then in "open now"; a draft without dates is
    not shown."""
    import datetime as dt

    from parvis.models import Module, PhaseDates

    due = make_space_with_module(town, "survey", phase="draft", module_title="Due survey")
    make_space_with_module(town, "survey", phase="draft", module_title="Undated draft")
    now = dt.datetime.now(dt.UTC)
    with town.session() as session:
        session.add(
            PhaseDates(
                module_id=due.module_id,
                phase="open",
                starts_at=now - dt.timedelta(hours=1),
                ends_at=now + dt.timedelta(days=5),
            )
        )
    with town.client() as client:
        html = client.get("/").text
    section = _section(html, "open-now")
    assert "Due survey" in section and "Undated draft" not in html
    with town.session() as session:
        assert session.get(Module, due.module_id).phase == "open"


def test_the_parts_are_kept_per_language(town, resident):
    """An English resident's parts never reach a French visitor, nor the other way round: the
    language is in the key of what is shared, and each gets the cards in their language."""
    make_space_with_module(town, "survey", phase="open", module_title="Parks survey")
    with town.session() as session:
        make_user(session, town.town_id, "english@example.org", locale="en")
    with town.client() as english, town.client() as visitor:
        login(english, "english@example.org")
        for _ in range(2):  # rendered, then kept
            html = english.get("/").text
            assert "All spaces" in _section(html, "spaces-h")
            assert "Open now" in _section(html, "open-now")
            page = visitor.get("/").text  # French: no session, no language chosen
            assert "Tous les espaces" in _section(page, "spaces-h")
            assert "Ouvert en ce moment" in _section(page, "open-now")
            assert "Parks survey" in _section(page, "open-now")


def test_nothing_open_shows_the_empty_state(town, client):
    """With nothing open, the shared "open now" part imports the components for their empty
    state (``_home_parts.html`` imports them only where needed)."""
    make_space_with_module(town, "survey", phase="draft", module_title="Hidden draft")
    html = client.get("/").text
    open_now = _section(html, "open-now")
    assert 'class="empty-state"' in open_now and 'href="/spaces' in open_now
    assert "Hidden draft" not in html and 'id="results-h"' not in html
