"""The home page's "open now" is cut to the few most pressing (``OPEN_NOW_SHOWN``, soonest
deadline first) with a link to ``/open``, which lists every open participation of the town in
the same order, optionally in one neighbourhood; both cost the same statements whatever the
number of open modules."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import delete, event, select, update

from parvis.models import Area, Module, PhaseDates, Space, Town
from parvis.spaces import home
from parvis.spaces.showable import home_candidates, showable, town_pairs
from parvis.testing import login, make_space_with_module, post_form


def _english(client) -> None:
    post_form(client, "/language", {"locale": "en"})


def _section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def _titles(section: str) -> list[str]:
    """The cards' titles in the order shown."""
    return re.findall(r'class="card-title"><a href="[^"]*">([^<]*)</a>', section) or re.findall(
        r"<h3[^>]*>\s*<a[^>]*>([^<]*)</a>", section
    )


def _open_survey(town, title: str, *, days: float | None = None, **kwargs) -> int:
    """An open survey in a space of its own, ending in ``days`` (None: undated)."""
    built = make_space_with_module(town, "survey", phase="open", module_title=title, **kwargs)
    if days is not None:
        with town.session() as session:
            ends = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
            session.add(PhaseDates(module_id=built.module_id, phase="open", ends_at=ends))
    return built.module_id


def _mixed_town(town, undated: int, dated: int) -> list[str]:
    """Undated surveys first in the town's order, then dated ones in no deadline order; the
    titles in the order the pages must show them."""
    for i in range(undated):
        _open_survey(town, f"Undated {i:02d}")
    days = [(7 * i) % dated + 1 for i in range(dated)]  # a shuffle of 1..dated
    for d in days:
        _open_survey(town, f"Due in {d:02d} days", days=d + 0.5)
    return [f"Due in {d:02d} days" for d in sorted(days)] + [
        f"Undated {i:02d}" for i in range(undated)
    ]


def test_home_shows_the_few_soonest_and_links_to_everything_open(town, client):
    expected = _mixed_town(town, undated=5, dated=4)
    _english(client)
    section = _section(client.get("/").text, "open-now")
    assert _titles(section) == expected[: home.OPEN_NOW_SHOWN]
    assert "See everything open now" in section and 'href="/open"' in section
    page = client.get("/open")
    assert page.status_code == 200
    listed = _section(page.text, "open-list")
    assert _titles(listed) == expected
    assert "9 participations open now" in listed


def test_no_link_when_everything_is_shown(town, client):
    expected = _mixed_town(town, undated=2, dated=home.OPEN_NOW_SHOWN - 2)
    _english(client)
    section = _section(client.get("/").text, "open-now")
    assert _titles(section) == expected
    assert 'href="/open"' not in section


def test_home_in_french_names_the_link(town, client):
    _mixed_town(town, undated=home.OPEN_NOW_SHOWN + 1, dated=0)
    html = client.get("/").text
    assert "Voir tout ce qui est ouvert" in _section(html, "open-now")
    assert "Tout ce qui est ouvert" in client.get("/open").text


def test_what_is_not_open_or_not_public_never_shows(make_town):
    town = make_town()
    _open_survey(town, "Shown survey", days=3)
    make_space_with_module(town, "survey", phase="draft", module_title="Draft survey")
    make_space_with_module(town, "survey", phase="closed", module_title="Closed survey")
    make_space_with_module(
        town, "survey", phase="open", module_published=False, module_title="Hidden module"
    )
    make_space_with_module(
        town, "survey", phase="open", published=False, module_title="In a hidden space"
    )
    # A module past the end of its dates moves on (to "closed") before it is listed.
    late = _open_survey(town, "Ended survey", days=2)
    with town.session() as session:
        past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        session.execute(update(PhaseDates).where(PhaseDates.module_id == late).values(ends_at=past))
    hidden = ("Draft survey", "Closed survey", "Hidden module", "In a hidden space", "Ended")
    with town.client() as staff, town.client() as visitor:
        login(staff, town.admin_email, town.admin_password)  # staff first: the shared part
        for client in (staff, visitor):
            for path, section in (("/open", "open-list"), ("/", "open-now")):
                html = client.get(path).text
                assert _titles(_section(html, section)) == ["Shown survey"], path
                # (The home page may show the closed survey as a result.)
                shown = html if path == "/open" else _section(html, section)
                assert not [h for h in hidden if h in shown], path


def test_modules_of_a_plugin_disabled_for_the_town_never_show(make_town):
    town = make_town(plugins=["consultation"])  # no council_space: no idea calls
    _open_survey(town, "Parks survey")
    make_space_with_module(town, "idea_call", phase="vote", module_title="Budget 2027")
    with town.client() as client:
        for path, section in (("/", "open-now"), ("/open", "open-list")):
            html = client.get(path).text
            assert "Parks survey" in _section(html, section), path
            assert "Budget 2027" not in html, path


def _areas(town) -> tuple[int, int]:
    with town.session() as session:
        north = Area(town_id=town.town_id, slug="north", name="North")
        south = Area(town_id=town.town_id, slug="south", name="South")
        session.add_all([north, south])
        session.flush()
        return north.id, south.id


def test_the_area_filter_lists_one_neighbourhood(make_town):
    town = make_town()
    other = make_town("other.example", app=town.app)
    north, south = _areas(town)
    elsewhere, _ = _areas(other)
    _open_survey(town, "North late", days=9, area_id=north)
    _open_survey(town, "North soon", days=2, area_id=north)
    _open_survey(town, "South survey", days=1, area_id=south)
    _open_survey(town, "Town-wide survey")
    with town.client() as client:
        _english(client)
        page = client.get(f"/open?area={north}").text
        assert _titles(_section(page, "open-list")) == ["North soon", "North late"]
        assert "Neighbourhood: North" in page
        assert f'href="/open?area={north}" aria-current="page"' in page
        south_page = client.get(f"/open?area={south}").text
        assert _titles(_section(south_page, "open-list")) == ["South survey"]
        everything = ["South survey", "North soon", "North late", "Town-wide survey"]
        assert _titles(_section(client.get("/open").text, "open-list")) == everything
        # Another town's area, an unknown id, garbage: the whole town, said so.
        for forged in (str(elsewhere), "999999", "abc", "1e9", "-1", "%00"):
            response = client.get(f"/open?area={forged}")
            assert response.status_code == 200, forged
            assert _titles(_section(response.text, "open-list")) == everything, forged
            assert "This neighbourhood was not found" in response.text, forged
        # A neighbourhood with nothing open: an empty state leading back to the whole town.
        with town.session() as session:
            for module in session.scalars(select(Module).join(Space).where(Space.area_id == south)):
                module.phase = "closed"
        empty = client.get(f"/open?area={south}").text
        assert "Nothing is open in this neighbourhood right now." in empty
        assert "South survey" not in empty
        assert 'href="/open"' in _section(empty, "open-list")


def _home_poll(town, title: str, label: str, *, days: float | None = None):
    """An open quick poll shown on the home page (two choices), ending in ``days``."""
    from parvis_consultation.models import CHOICE, Option, Question, Section, Survey

    poll = make_space_with_module(town, "poll", phase="open", module_title=title)
    with town.session() as session:
        session.add(Survey(module_id=poll.module_id, show_on_home=True))
        section = Section(module_id=poll.module_id, title="Poll", position=1)
        session.add(section)
        session.flush()
        question = Question(
            module_id=poll.module_id, section_id=section.id, kind="single", label=label
        )
        session.add(question)
        session.flush()
        session.add_all(
            Option(question_id=question.id, role=CHOICE, label=choice, position=i)
            for i, choice in enumerate(("Green", "Blue"))
        )
        if days is not None:
            ends = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
            session.add(PhaseDates(module_id=poll.module_id, phase="open", ends_at=ends))
    return poll


def test_open_page_lists_quick_polls_shown_on_home(town, client):
    """A quick poll the consultation shows on the home page itself (``listed=False``) is no
    home card, but "everything open" lists it as a card to its page."""
    poll = _home_poll(town, "Bench colour", "Which colour?")
    _english(client)
    home_html = client.get("/").text
    assert "Which colour?" in home_html  # the consultation's own home slot, answerable there
    assert "Bench colour" not in _section(home_html, "open-now")
    listed = _section(client.get("/open").text, "open-list")
    assert _titles(listed) == ["Bench colour"]
    assert f'href="{poll.url}"' in listed


def test_the_home_polls_first_in_order_take_no_card_s_place(town, client):
    """The two quick polls the home page shows as polls, soonest first, are not cards: the
    "open now" cards are the next ``OPEN_NOW_SHOWN`` open modules, all of them."""
    for i in range(2):
        _home_poll(town, f"Quick poll {i}", f"Question {i}?", days=1 + i)
    expected = _mixed_town(town, undated=home.OPEN_NOW_SHOWN, dated=0)
    _english(client)
    page = client.get("/").text
    assert _titles(_section(page, "open-now")) == expected
    assert "Question 0?" in page and "Question 1?" in page  # shown as polls
    listed = _titles(_section(client.get("/open").text, "open-list"))
    assert listed == ["Quick poll 0", "Quick poll 1", *expected]


def test_statements_do_not_grow_with_the_open_modules(make_town):
    few = make_town("few.example", fragment_cache_mb=0)  # the full render, every time
    many = make_town("many.example", app=few.app)
    for town, count in ((few, 10), (many, 60)):
        for i in range(count):
            _open_survey(town, f"Survey {i}", days=(i % 7) + 1 if i % 2 else None)
    counts: dict[str, list[int]] = {"/": [], "/open": []}
    for town in (few, many):
        with town.client() as client:
            for path, found in counts.items():
                client.get(path)  # warm the per-process caches
                with town.parvis.db.count_queries() as counter:
                    response = client.get(path, headers={"cache-control": "no-cache"})
                    assert response.status_code == 200
                found.append(counter.count)
    assert counts["/"][0] == counts["/"][1], counts
    assert counts["/open"][0] == counts["/open"][1], counts


def test_anonymous_open_page_sets_no_cookie_and_answers_304(town, client):
    _open_survey(town, "Parks survey", days=3)
    first = client.get("/open")
    assert first.status_code == 200
    assert "set-cookie" not in first.headers
    assert first.headers["cache-control"].startswith("public")
    tag = first.headers["etag"]
    again = client.get("/open", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b""
    assert not client.cookies
    _open_survey(town, "Library survey", days=4)
    after = client.get("/open", headers={"If-None-Match": tag})
    assert after.status_code == 200 and "Library survey" in after.text


def test_a_theme_with_its_own_card_keeps_it_on_the_open_page(town, tmp_path):
    from theme_helpers import theme_with_its_own_card

    from parvis.models import Town

    theme_with_its_own_card(tmp_path)
    town.parvis.themes_dir = tmp_path
    _open_survey(town, "My survey", days=2)
    with town.session() as session:
        session.get(Town, town.town_id).theme = "mine"
    with town.client() as client:
        html = client.get("/open").text
    assert '<li class="my-card">My survey</li>' in _section(html, "open-list")


def test_a_draft_due_to_open_is_listed_once_it_opens(town, client):
    """``/open`` reads the modules with dates like the home page: a draft whose opening date
    has passed moves on when the page is read and is listed."""
    due = make_space_with_module(town, "survey", phase="draft", module_title="Due survey")
    with town.session() as session:
        now = dt.datetime.now(dt.UTC)
        session.add(
            PhaseDates(
                module_id=due.module_id,
                phase="open",
                starts_at=now - dt.timedelta(hours=1),
                ends_at=now + dt.timedelta(days=3),
            )
        )
    assert _titles(_section(client.get("/open").text, "open-list")) == ["Due survey"]
    with town.session() as session:
        assert session.get(Module, due.module_id).phase == "open"


def test_the_open_page_reads_no_module_that_may_only_have_results(make_town):
    """``/open`` reads the open modules and those with dates (they may be due to move on), not
    the closed ones, which grow with the town's history; the home page reads those too, for its
    recent results."""
    town = make_town()
    opened = _open_survey(town, "Open survey")
    closed = make_space_with_module(town, "survey", phase="closed", module_title="Closed").module_id
    dated = make_space_with_module(town, "survey", phase="closed", module_title="Dated").module_id
    with town.session() as session:
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
        session.add(PhaseDates(module_id=dated, phase="decided", starts_at=later))
    ours = {opened, closed, dated}
    registry = town.parvis.registry
    with town.session() as session:
        spaces = list(session.scalars(select(Space.id).where(Space.town_id == town.town_id)))

        dialect = session.get_bind().dialect.name
        home_read = home_candidates(registry, dialect, open_limit=9, results_limit=12)
        read = {row[1] for row in session.execute(home_read, {"spaces": spaces})}
        assert read & ours == {opened, closed, dated}
        read = {row[0] for row in session.execute(showable(registry, dialect), {"spaces": spaces})}
        assert read & ours == {opened, dated}
    with town.client() as client:
        listed = _titles(_section(client.get("/open").text, "open-list"))
    assert listed == ["Open survey"]


def test_the_home_page_reads_only_the_newest_modules_that_may_have_results(make_town):
    """A town's closed consultations pile up over the years: the home page reads the newest
    ``RESULTS_BATCH`` of them, not all (its cost must not grow with the town's history), and
    shows the newest results first; a dated one, older, is read for its dates but not shown."""
    town = make_town(fragment_cache_mb=0)
    first = make_space_with_module(town, "survey", phase="closed", module_title="Closed 0")
    with town.session() as session:
        session.add_all(
            Module(
                space_id=first.space_id,
                type="survey",
                slug=f"closed-{i}",
                title=f"Closed {i}",
                phase="closed",
                position=i,
                published=True,
            )
            for i in range(1, 30)
        )
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
        session.add(PhaseDates(module_id=first.module_id, phase="decided", starts_at=later))
    registry = town.parvis.registry
    with town.session() as session:
        ids = list(
            session.scalars(
                select(Module.id).where(Module.space_id == first.space_id).order_by(Module.id)
            )
        )
        dialect = session.get_bind().dialect.name
        statement = home_candidates(
            registry, dialect, open_limit=home.OPEN_BATCH + 1, results_limit=home.RESULTS_BATCH
        )
        rows = session.execute(statement, {"spaces": [first.space_id]}).all()
    recent = [row[1] for row in rows if row[0] == 2]  # the rows' part
    assert recent == ids[::-1][: home.RESULTS_BATCH]
    dated = {row[1] for row in rows if row[0] == 1}
    assert dated == {first.module_id}
    with town.client() as client:
        shown = _titles(_section(client.get("/").text, "results-h"))
    assert shown == [f"Closed {i}" for i in range(29, 29 - home.RECENT_RESULTS, -1)]


def _home_read(town, enabled: frozenset[str] | None = None) -> dict[int, list[int]]:
    """The home page's statement run on the town's spaces: each part's module ids, in order."""
    registry = town.parvis.registry
    enabled = enabled or frozenset(registry.module_types[k].plugin for k in registry.module_types)
    opened, results = town_pairs(registry, enabled)
    with town.session() as session:
        spaces = list(session.scalars(select(Space.id).where(Space.town_id == town.town_id)))
        statement = home_candidates(
            registry,
            session.get_bind().dialect.name,
            open_limit=home.OPEN_BATCH + 1,
            results_limit=home.RESULTS_BATCH,
        )
        rows = session.execute(statement, {"spaces": spaces, **opened, **results}).all()
    parts: dict[int, list[int]] = {0: [], 1: [], 2: []}
    for row in rows:
        parts[row[0]].append(row[1])
    return parts


def test_the_home_page_reads_its_first_open_modules_not_all(make_town):
    """Of the open modules without dates, the home page reads the first ``OPEN_BATCH + 1`` in
    the town's order (one more than it summarises: whether to link to the rest), and every
    dated one; not the dozens after them."""
    town = make_town()
    undated = [_open_survey(town, f"Undated {i:02d}") for i in range(20)]
    dated = [_open_survey(town, f"Due {i}", days=i + 1) for i in range(2)]
    parts = _home_read(town)
    assert parts[0] == undated[: home.OPEN_BATCH + 1]
    assert sorted(parts[1]) == dated


def test_modules_of_a_disabled_plugin_take_no_place_among_the_first_read(make_town):
    """The town's disabled plugins' modules are not read at all: the first open modules read
    are the town's own, however many others come before them."""
    town = make_town(plugins=["consultation"])  # no council_space: no idea calls
    for i in range(home.OPEN_BATCH + 2):
        make_space_with_module(town, "idea_call", phase="submission", module_title=f"Call {i}")
    survey = _open_survey(town, "Parks survey")
    parts = _home_read(town, frozenset({"consultation", *town.parvis.core_plugins}))
    assert parts[0] == [survey]
    with town.client() as client:
        assert _titles(_section(client.get("/").text, "open-now")) == ["Parks survey"]


def test_when_home_polls_take_the_first_places_the_next_open_modules_are_shown(make_town):
    """Quick polls the home page shows as polls take no card: when they are more of the first
    open modules read than the cards can spare, the home page reads the rest and still shows
    ``OPEN_NOW_SHOWN`` cards in the same order as "everything open", with the link to it."""
    town = make_town(fragment_cache_mb=0)  # the full render, every time
    with town.session() as session:
        session.get(Town, town.town_id).settings = {"consultation": {"home_polls": 5}}
    for i in range(5):
        _home_poll(town, f"Quick poll {i}", f"Question {i}?")
    expected = _mixed_town(town, undated=home.OPEN_NOW_SHOWN + 1, dated=1)
    assert len(_home_read(town)[0]) == home.OPEN_BATCH + 1  # the rest left unread at first
    with town.client() as client:
        _english(client)
        page = client.get("/").text
        section = _section(page, "open-now")
        assert _titles(section) == expected[: home.OPEN_NOW_SHOWN]
        assert "See everything open now" in section
        assert all(f"Question {i}?" in page for i in range(5))  # shown as polls
        listed = _titles(_section(client.get("/open").text, "open-list"))
        assert listed[:1] + listed[6:] == expected


def test_a_dated_module_in_a_phase_its_type_no_longer_declares_shows_nowhere(make_town):
    """A plugin upgrade may drop a phase some module is still in: with dates, the home page and
    "everything open" read it, and leave it out (neither open nor with results), without error."""
    town = make_town(fragment_cache_mb=0)
    _open_survey(town, "Parks survey")
    stale = make_space_with_module(town, "survey", phase="open", module_title="Stale survey")
    with town.session() as session:
        session.get(Module, stale.module_id).phase = "withdrawn"
        later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
        session.add(PhaseDates(module_id=stale.module_id, phase="withdrawn", ends_at=later))
    assert stale.module_id in _home_read(town)[1]
    with town.client() as client:
        for path, section in (("/", "open-now"), ("/open", "open-list")):
            response = client.get(path)
            assert response.status_code == 200, path
            assert _titles(_section(response.text, section)) == ["Parks survey"], path
            assert "Stale survey" not in response.text, path


def test_only_spaces_holding_modules_are_searched_and_a_first_module_shows(make_town):
    """The spaces the home page searches for modules are those holding one (the others cost a
    probe per (type, phase) pair for nothing); a space's first module shows at once."""
    town = make_town()
    built = make_space_with_module(town, "survey", phase="open", module_title="First survey")
    with town.session() as session:
        session.execute(delete(Module).where(Module.id == built.module_id))
        empty_space = Space(town_id=town.town_id, slug="empty", title="Empty", kind="general")
        session.add(empty_space)
        session.commit()
    other = _open_survey(town, "Parks survey")
    with town.session() as session:
        other_space = session.get(Module, other).space_id
    ran: list[tuple[str, object]] = []

    def spy(_conn, _cursor, statement, parameters, _context, _many) -> None:
        ran.append((statement, parameters))

    event.listen(town.parvis.db.engine, "before_cursor_execute", spy)
    try:
        with town.client() as client:
            _english(client)
            html = client.get("/").text
    finally:
        event.remove(town.parvis.db.engine, "before_cursor_execute", spy)
    assert _titles(_section(html, "open-now")) == ["Parks survey"]
    # The spaces searched: the statement's one parameter of keys (SQLite: positional, the
    # first JSON array; PostgreSQL: named, an array's text).
    searched = [
        p["spaces"] if isinstance(p, dict) else next(v for v in p if str(v).startswith("["))
        for s, p in ran
        if "p_o" in s
    ]
    assert searched, "the home page's statement was not run"
    assert {int(k) for k in re.findall(r"\d+", str(searched[0]))} == {other_space}
    with town.session() as session:
        session.add(
            Module(space_id=built.space_id, type="survey", slug="fresh", title="Fresh survey",
                   phase="open")
        )  # fmt: skip
        session.commit()
    with town.client() as client:
        _english(client)
        assert "Fresh survey" in _titles(_section(client.get("/").text, "open-now"))
        assert "Fresh survey" in client.get("/open").text
