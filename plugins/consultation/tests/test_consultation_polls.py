"""Quick polls: one tap, percent visibility rules, slots on the home and space pages."""

from __future__ import annotations

from consultation_builders import build_poll, english_user
from sqlalchemy import delete, func, select

from parvis.api import Module
from parvis.testing import login, post_form
from parvis_consultation.models import Option, Question, Response


def _vote(town, b, email, option_index):
    with town.session() as s:
        english_user(s, town.town_id, email)
    c = town.client()
    login(c, email)
    r = post_form(c, b.url, {f"q{b.q['poll']}": b.o["poll"][option_index]}, page=b.url)
    assert r.status_code == 303
    return c


def test_one_tap_vote_and_results_after_answering(town):
    b = build_poll(town, poll_results="answered")
    with town.session() as s:
        english_user(s, town.town_id, "viewer@example.org")
    viewer = town.client()
    login(viewer, "viewer@example.org")
    page = viewer.get(b.url)
    assert f'name="q{b.q["poll"]}" value="{b.o["poll"][0]}"' in page.text  # a button per option
    assert "%" not in page.text.split("<main")[1]
    _vote(town, b, "a@example.org", 0)
    _vote(town, b, "b@example.org", 0)
    c = _vote(town, b, "c@example.org", 1)
    page = c.get(b.url)
    # 2 of 3 voted Yes: 67 %, 1 of 3 No: 33 %.
    assert "67%" in page.text and "33%" in page.text
    assert '<ul class="bar-list"' in page.text
    # Changing one's vote does not add a vote.
    r = post_form(c, b.url, {f"q{b.q['poll']}": b.o["poll"][0]}, page=b.url)
    assert r.status_code == 303
    assert "100%" in c.get(b.url).text
    with town.session() as s:
        assert s.scalar(select(func.count()).select_from(Response)) == 3
    # Someone who did not vote sees no figures yet.
    assert "67%" not in viewer.get(b.url).text


def test_results_only_after_closing(town):
    b = build_poll(town, poll_results="closed")
    c = _vote(town, b, "a@example.org", 0)
    page = c.get(b.url)
    assert "100%" not in page.text
    assert "results will be shown when the poll closes" in page.text
    assert c.get(b.url + "results").status_code == 403
    with town.session() as s:
        s.get(Module, b.module_id).phase = "closed"
    assert "100%" in c.get(b.url).text
    assert c.get(b.url + "results").status_code == 200


def test_poll_in_home_and_space_slots(town):
    b = build_poll(town, show_on_home=True)
    hidden = build_poll(town, slug="other-polls")
    with town.client() as c:
        home = c.get("/")
        assert "Fan zone?" in home.text
        assert home.text.count("consultation-polls") == 1
        space = c.get(f"/s/{b.space_slug}")
        assert "Fan zone?" in space.text
        # Not flagged for the home page: shown in its space only.
        assert c.get(f"/s/{hidden.space_slug}").text.count('class="poll-card"') == 1
    with town.session() as s:
        english_user(s, town.town_id, "v@example.org")
    with town.client() as c:
        login(c, "v@example.org")
        home = c.get("/")
        r = post_form(c, b.url, {f"q{b.q['poll']}": b.o["poll"][1]}, page="/")
        assert r.status_code == 303
        home = c.get("/")
        assert "100%" in home.text  # results after answering, in the slot too


def test_an_open_poll_shows_once_on_its_space_page(town, client):
    """Answerable in place (the slot), so not a card as well; once closed, a card again."""
    b = build_poll(town)
    page = client.get(f"/s/{b.space_slug}").text
    assert page.count(f'/s/{b.space_slug}/poll/{b.module_id}/"') == 2  # the poll card's links
    assert page.count('class="poll-card"') == 1
    assert 'class="card card-media"' not in page
    # No "Take part" heading over an empty list, nor "nothing to take part in" (French page).
    assert "<h2>Participer</h2>" not in page and "Aucune participation" not in page
    with town.session() as s:
        s.get(Module, b.module_id).phase = "closed"
    page = client.get(f"/s/{b.space_slug}").text
    assert 'class="poll-card"' not in page
    assert page.count('class="card card-media"') == 1 and "<h2>Participer</h2>" in page


def test_poll_forged_option_and_closed(town, client):
    b = build_poll(town)
    with town.session() as s:
        english_user(s, town.town_id, "v@example.org")
    login(client, "v@example.org")
    r = post_form(client, b.url, {f"q{b.q['poll']}": "424242"}, page=b.url)
    assert r.status_code == 400
    assert "This choice is not offered" in r.text
    with town.session() as s:
        s.get(Module, b.module_id).phase = "closed"
    r = post_form(client, b.url, {f"q{b.q['poll']}": b.o["poll"][0]}, page=b.url)
    assert r.status_code == 403
    assert "closed" in r.text


def _titled(town, title, **survey):
    b = build_poll(town, slug=title.lower().replace(" ", "-"), show_on_home=True, **survey)
    with town.session() as s:
        s.get(Module, b.module_id).title = title
    return b


def _section(html, heading_id):
    """One section of the home page, from its heading to its end."""
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def test_home_polls_beyond_the_limit_are_open_cards_and_widgets_are_not(town, client):
    """``home_polls`` (2) widgets answerable in place; the third flagged poll is a card instead."""
    one, two, three = (_titled(town, t) for t in ("Poll one", "Poll two", "Poll three"))
    html = client.get("/").text
    open_now, widgets = _section(html, "open-now"), _section(html, "polls-home-main")
    assert "Poll three" in open_now
    assert "Poll one" not in open_now and "Poll two" not in open_now
    # Each poll shows once: two widgets, one card.
    assert widgets.count('class="poll-card"') == 2
    for b, shown in ((one, True), (two, True), (three, False)):
        assert (f'/s/{b.space_slug}/poll/{b.module_id}/"' in widgets) is shown


def test_a_space_page_reads_no_home_poll(town, client):
    """A space page (and "open now") does not show the home page's polls: it reads none, even
    with a poll flagged for the home page (the summaries know which without a statement)."""
    b = _titled(town, "Flagged poll")
    with town.session() as s:
        english_user(s, town.town_id, "v@example.org")
    login(client, "v@example.org")  # never a cached page
    for page in (f"/s/{b.space_slug}", "/open"):
        with town.parvis.db.count_queries() as counter:
            assert client.get(page).status_code == 200
        assert not [q for q in counter.statements if "AS polls" in q and "LIMIT" in q], page


def test_a_poll_the_widgets_cannot_show_takes_no_home_place(town, client):
    """A flagged poll without a question of two options or more shows no widget: it leaves its
    place to the next open poll (two widgets, as ``home_polls`` allows) and is a card."""
    lone, bare = _titled(town, "Lone option"), _titled(town, "No question")
    one, two = _titled(town, "Poll one"), _titled(town, "Poll two")
    with town.session() as s:
        s.execute(delete(Option).where(Option.id == lone.o["poll"][1]))
        s.execute(delete(Question).where(Question.module_id == bare.module_id))
    html = client.get("/").text
    widgets, open_now = _section(html, "polls-home-main"), _section(html, "open-now")
    assert widgets.count('class="poll-card"') == 2
    for b in (one, two):
        assert f'/s/{b.space_slug}/poll/{b.module_id}/"' in widgets
    assert "Poll one" not in open_now and "Poll two" not in open_now
    assert "Lone option" in open_now and "No question" in open_now


def test_a_closed_home_poll_shows_its_results_on_the_home_page(town, client):
    closed = _titled(town, "Closed poll", phase="closed", poll_results="closed")
    _titled(town, "Open poll")
    html = client.get("/").text
    results = _section(html, "results-h")
    assert f'/s/{closed.space_slug}/poll/{closed.module_id}/results"' in results
    assert "Closed poll" in results and "Closed poll" not in _section(html, "open-now")
    assert html.count('class="poll-card"') == 1  # the open one only


def test_home_polls_cost_the_same_statements_for_one_or_many(town, client):
    """The home poll widgets are read in one statement per page, whatever their number (the
    home cards know which they are from the summaries' own statement)."""
    with town.session() as s:
        english_user(s, town.town_id, "v@example.org")
    login(client, "v@example.org")  # never a cached slot

    def statements():
        with town.parvis.db.count_queries() as counter:
            assert client.get("/").status_code == 200
        chosen = [q for q in counter.statements if "AS polls" in q]
        assert len(chosen) == 1, chosen
        return counter.count

    client.get("/")  # what a process keeps of the town's setup (its areas) read once
    _titled(town, "Poll one", phase="closed")
    _titled(town, "Poll two")
    few = statements()
    for i in range(5):
        _titled(town, f"Poll {i + 3}", phase="closed" if i % 2 else "open")
    assert statements() == few


def test_the_quick_polls_stay_each_residents_own(town):
    """The polls slot is the viewer's own, while the home page's cards are shared by every
    resident: one resident's vote turns their form into results, not the other's."""
    b = build_poll(town, show_on_home=True, poll_results="answered")
    with town.session() as session:
        english_user(session, town.town_id, "a@example.org")
        english_user(session, town.town_id, "b@example.org")
    with town.client() as a, town.client() as b_client:
        login(a, "a@example.org")
        login(b_client, "b@example.org")
        button = f'name="q{b.q["poll"]}" value="{b.o["poll"][0]}"'
        assert button in a.get("/").text and button in b_client.get("/").text
        response = post_form(a, b.url, {f"q{b.q['poll']}": b.o["poll"][0]}, page="/")
        assert response.status_code == 303
        mine = _section(a.get("/").text, "polls-home-main")
        assert button not in mine and "100%" in mine
        theirs = _section(b_client.get("/").text, "polls-home-main")
        assert button in theirs and "100%" not in theirs
