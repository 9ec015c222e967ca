"""The home page as the place to participate: what is open now first (deadline, participation
count, one action each), quick polls, "my neighbourhood", then recent results and decisions;
module types summarise themselves with a constant number of queries."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from parvis.contrib import ModuleRow
from parvis.models import Area, Module, PhaseDates, Space
from parvis.schedule import modules_with_schedules, rows_query
from parvis.spaces import home, home_parts
from parvis.testing import login, make_space_with_module, make_user, post_form
from parvis_council_space.models import Ballot, CountJob


def _english(client) -> None:
    post_form(client, "/language", {"locale": "en"})


def _published_count(town, module_id: int) -> CountJob:
    return CountJob(
        module_id=module_id,
        town_id=town.town_id,
        rule="greedy",
        status="done",
        published_at=dt.datetime.now(dt.UTC),
    )


def _town_with_everything(town) -> dict[str, object]:
    survey = make_space_with_module(town, "survey", phase="open", module_title="Parks survey")
    vote = make_space_with_module(town, "idea_call", phase="vote", module_title="Budget 2027")
    done = make_space_with_module(town, "idea_call", phase="results", module_title="Budget 2025")
    draft = make_space_with_module(town, "survey", phase="draft", module_title="Hidden draft")
    with town.session() as session:
        session.add(
            PhaseDates(
                module_id=vote.module_id,
                phase="vote",
                ends_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=12, hours=1),
            )
        )
        session.add_all(
            Ballot(module_id=vote.module_id, voter_key=f"u:{i}", user_id=None) for i in range(3)
        )
        session.add(_published_count(town, done.module_id))
    return {"survey": survey, "vote": vote, "done": done, "draft": draft}


def test_open_now_comes_first_with_deadline_count_and_one_action(town, client):
    built = _town_with_everything(town)
    _english(client)
    html = client.get("/").text
    open_now = html.index('id="open-now"')
    results = html.index('id="results-h"')
    spaces = html.index('id="spaces-h"')
    assert open_now < results < spaces
    section = html[open_now:results]
    assert "Budget 2027" in section and "Parks survey" in section
    assert "Hidden draft" not in section and "Budget 2025" not in section
    # Soonest deadline first, with the days left and the ballots cast so far.
    assert section.index("Budget 2027") < section.index("Parks survey")
    assert "Vote until" in section and "days left" in section
    assert "<strong>3</strong> ballots" in section
    assert f'href="{built["vote"].url}vote"' in section
    assert f'href="{built["survey"].url}"' in section
    past = html[results:spaces]
    assert "Budget 2025" in past and f'href="{built["done"].url}results"' in past


def test_an_undecided_call_is_not_listed_as_a_result(town, client):
    make_space_with_module(town, "idea_call", phase="results", module_title="Not counted yet")
    html = client.get("/").text
    assert 'id="results-h"' not in html
    assert "Espace de test" in html  # its space is still listed


def test_my_neighbourhood_for_a_resident(town, client):
    with town.session() as session:
        north = Area(town_id=town.town_id, slug="north", name="North")
        south = Area(town_id=town.town_id, slug="south", name="South")
        session.add_all([north, south])
        session.flush()
        session.add(
            Space(
                town_id=town.town_id,
                slug="n",
                title="North council",
                published=True,
                area_id=north.id,
            )
        )
        session.add(
            Space(
                town_id=town.town_id,
                slug="s",
                title="South council",
                published=True,
                area_id=south.id,
            )
        )
        make_user(session, town.town_id, "north@example.org", area=north, locale="en")
        make_user(session, town.town_id, "nowhere@example.org", locale="en")
    assert "My neighbourhood" not in client.get("/").text  # visitors have none
    login(client, "north@example.org")
    html = client.get("/").text
    mine = html[html.index('id="my-area"') : html.index('id="spaces-h"')]
    assert "My neighbourhood: North" in mine
    assert "North council" in mine and "South council" not in mine
    client.cookies.clear()
    login(client, "nowhere@example.org")
    html = client.get("/").text
    assert "Choose my neighbourhood" in html


def test_the_home_page_costs_the_same_for_few_or_many_modules(make_town):
    few = make_town("few.example", fragment_cache_mb=0)  # the full render, every time
    many = make_town("many.example", app=few.app)
    for town, copies in ((few, 1), (many, 6)):
        for i in range(copies):
            make_space_with_module(town, "survey", phase="open", space_slug=f"sv{i}")
            make_space_with_module(town, "poll", phase="open", space_slug=f"pl{i}")
            make_space_with_module(town, "idea_call", phase="vote", space_slug=f"iv{i}")
            make_space_with_module(town, "idea_call", phase="submission", space_slug=f"is{i}")
            make_space_with_module(town, "idea_call", phase="results", space_slug=f"ir{i}")
            make_space_with_module(town, "council_election", phase="voting", space_slug=f"el{i}")
    counts = []
    for town in (few, many):
        with town.client() as client:
            client.get("/")  # warm the per-process caches (not the page's parts: none is kept)
            with town.parvis.db.count_queries() as counter:
                assert client.get("/", headers={"cache-control": "no-cache"}).status_code == 200
            counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_surveys_and_polls_are_counted_together(make_town):
    """The consultation's two module types share one summarize: one count of answers for both,
    and both cards show their figures (the full render: no fragment kept)."""
    town = make_town(fragment_cache_mb=0)
    with town.client() as client:
        _counted_together(town, client)


def _counted_together(town, client) -> None:
    make_space_with_module(town, "survey", phase="open", module_title="Parks survey")
    make_space_with_module(town, "poll", phase="open", module_title="Bench colour")
    _english(client)
    client.get("/")
    with town.parvis.db.count_queries() as counter:
        html = client.get("/", headers={"cache-control": "no-cache"}).text
    counting = [s for s in counter.statements if "FROM consultation_responses" in s]
    assert len(counting) == 1, counting
    assert "Parks survey" in html and "Bench colour" in html
    assert "Answer the survey" in html and "Answer the poll" in html
    assert html.count("0</strong> answers") == 2


def test_council_page_puts_taking_part_before_members_news_and_meetings(town, client):
    call = make_space_with_module(town, "idea_call", phase="vote", kind="council")
    with town.session() as session:
        space = session.get(Space, call.space_id)
        module = session.get(Module, call.module_id)
        assert space.kind == "council" and module is not None
    _english(client)
    html = client.get(f"/s/{call.space_slug}").text
    take_part = html.index("Take part")
    assert f'href="{call.url}vote"' in html[take_part:]
    for later in ("Members", "News", "Meetings"):
        if later in html:
            assert take_part < html.index(later), later
    with town.session() as session:
        assert session.scalar(select(Module.phase).where(Module.id == call.module_id)) == "vote"


def test_results_are_found_past_many_newer_modules_without_any(town, client, monkeypatch):
    """The home page summarises the open modules and the latest that may have results, a dozen
    at a time: a result older than a dozen newer calls without one still shows, and modules
    that cannot show (drafts, closed surveys that are not public yet) are not summarised."""
    done = make_space_with_module(town, "idea_call", phase="results", module_title="Budget 2025")
    draft = make_space_with_module(town, "survey", phase="draft", module_title="Hidden draft")
    with town.session() as session:
        session.add(_published_count(town, done.module_id))
        session.add_all(
            Module(
                space_id=done.space_id,
                type="idea_call",
                slug=f"uncounted-{i}",
                title=f"Uncounted {i}",
                phase="results",
                position=i + 1,
                published=True,
            )
            for i in range(2 * home.RESULTS_BATCH)
        )
    summarised: list[int] = []
    summaries = home.summaries

    def spy(ctx, items):
        summarised.extend(m.id for m, _s in items)
        return summaries(ctx, items)

    monkeypatch.setattr(home, "summaries", spy)
    html = client.get("/").text
    assert "Budget 2025" in html[html.index('id="results-h"') :]
    assert "Uncounted" not in html and "Hidden draft" not in html
    assert done.module_id in summarised and draft.module_id not in summarised


def test_module_rows_carry_every_column_of_module_with_its_value(town):
    """``summarize`` gets ``ModuleRow``s, not ``Module`` objects: a function written for
    ``Module`` keeps working only if every column is there, under its name, with its value."""
    built = make_space_with_module(town, "survey", phase="open", module_title="Parks survey")
    assert all(hasattr(ModuleRow, c.key) for c in Module.__table__.columns)
    with town.session() as session:
        module = session.get(Module, built.module_id)
        rows, _dates = modules_with_schedules(session, rows_query(Module.id == module.id))
        assert len(rows) == 1
        module.settings = {"goal": 500, "label": "Élan"}
        session.flush()
        rows, _dates = modules_with_schedules(session, rows_query(Module.id == module.id))
        for column in Module.__table__.columns:
            assert getattr(rows[0], column.key) == getattr(module, column.key), column.key
        assert rows[0].created_at.tzinfo is not None


def test_space_rows_carry_every_column_of_space_with_its_value(town):
    """On the home page ``summarize`` gets ``SpaceRow``s, not ``Space`` objects: a function
    written for ``Space`` keeps working only if every column is there with its value."""
    from types import SimpleNamespace

    from parvis.contrib import SpaceRow

    with town.session() as session:
        area = Area(town_id=town.town_id, slug="north", name="North")
        session.add(area)
        session.flush()
        space = Space(
            town_id=town.town_id,
            slug="row",
            title="Row",
            summary="A row",
            published=True,
            area_id=area.id,
            settings={"colour": "vert"},
        )
        session.add(space)
        session.flush()
        ctx = SimpleNamespace(session=session, town=SimpleNamespace(id=town.town_id))
        areas = [home_parts.AreaRow(area.id, area.name)]
        rows = [r for r in home_parts.published_spaces(ctx, areas).rows if r.id == space.id]
        assert len(rows) == 1
        assert all(hasattr(SpaceRow, c.key) for c in Space.__table__.columns)
        for column in Space.__table__.columns:
            assert getattr(rows[0], column.key) == getattr(space, column.key), column.key
        assert rows[0].created_at.tzinfo is not None
        assert rows[0].area == (area.id, "North")


def test_module_urls_are_each_module_url(town, client, monkeypatch):
    """Summaries link modules in one call per route (``ctx.module_urls``, ``module_link``):
    the same links as ``module_url`` for each module, whatever its type and space."""
    make_space_with_module(town, "survey", phase="open", module_title="Parks survey")
    make_space_with_module(town, "idea_call", phase="vote", module_title="Budget 2027")
    make_space_with_module(town, "idea_call", phase="submission", module_title="Budget 2028")
    seen: list[tuple[object, list]] = []
    summaries = home.summaries

    def spy(ctx, items):
        seen.append((ctx, list(items)))
        return summaries(ctx, items)

    monkeypatch.setattr(home, "summaries", spy)
    assert client.get("/").status_code == 200
    ctx, items = seen[0]
    assert {m.type for m, _s in items} >= {"survey", "idea_call"}
    assert len({s.id for _m, s in items}) >= 3
    assert ctx.module_urls(items) == {m.id: ctx.module_url(m, s) for m, s in items}
    calls = [(m, s) for m, s in items if m.type == "idea_call"]
    for route in ("vote", "propose", "results"):
        assert ctx.module_urls(calls, route) == {
            m.id: ctx.module_url(m, s, route) for m, s in calls
        }
        for m, s in calls:
            head, tail = ctx.module_link(m.type, s, route)
            assert f"{head}{m.id}{tail}" == ctx.module_url(m, s, route)
            assert ctx.module_url(m, s, route) == ctx.url(
                f"idea_call:{route}", space=s.slug, module=m.id
            )
