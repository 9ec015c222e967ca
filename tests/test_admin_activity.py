"""The staff dashboard's activity figures: accounts, and participations per module per week
reported by the plugins (``ModuleType.activity``), on the town's clock, for town staff only."""

from __future__ import annotations

import datetime as dt
import re

from parvis.activity import count_by_week, local_midnight, recent_weeks
from parvis.db import utcnow
from parvis.models import Area, User
from parvis.testing import login, make_space_with_module, make_user, post_form
from parvis.towns import town_time_zone
from parvis_consultation.models import Response
from parvis_council_space.models import Ballot, Idea
from parvis_election.models import Constituency, Participation


def _utc(instant: dt.datetime) -> dt.datetime:
    return instant.astimezone(dt.UTC)


def _weeks(town) -> tuple[list[dt.date], object]:
    with town.session() as session:
        from parvis.models import Town

        tz = town_time_zone(session.get(Town, town.town_id))
    return recent_weeks(tz, dt.datetime.now(dt.UTC)), tz


def _figures(html: str, title: str) -> list[int]:
    """The figures of one module's text table, oldest week first."""
    table = html.split(f"Figures for “{title}”", 1)[1].split("</table>", 1)[0]
    return [
        int(n.replace("\u202f", "").replace(",", ""))
        for n in re.findall(r"<td>([\d\u202f,]+)</td>", table)
    ]


def test_participations_per_week_on_the_towns_clock(town, client):
    weeks, tz = _weeks(town)
    this_week, last_week = weeks[-1], weeks[-2]
    monday = local_midnight(this_week, tz)
    survey = make_space_with_module(town, "survey", phase="open", module_title="Parks survey")
    call = make_space_with_module(town, "idea_call", phase="vote", module_title="Budget 2027")
    election = make_space_with_module(
        town, "council_election", phase="voting", module_title="Council of Les Tilleuls"
    )
    with town.session() as session:
        # Sunday 23:30 on the town's clock is last week, Monday 00:30 this week, though both
        # are the same UTC day in winter (Europe/Paris is UTC+1).
        for n, when in enumerate(
            [monday - dt.timedelta(minutes=30), monday + dt.timedelta(minutes=30)]
        ):
            session.add(
                Response(module_id=survey.module_id, token_hash=f"{n:064d}", created_at=_utc(when))
            )
        # Older than the 12 weeks: not counted.
        session.add(
            Response(
                module_id=survey.module_id,
                token_hash="f" * 64,
                created_at=_utc(local_midnight(weeks[0], tz) - dt.timedelta(hours=1)),
            )
        )
        session.add(
            Idea(
                module_id=call.module_id,
                title="Benches",
                estimated_cost=100,
                created_at=_utc(monday - dt.timedelta(days=3)),
            )
        )
        for n in range(3):
            session.add(
                Ballot(
                    module_id=call.module_id,
                    voter_key=f"opaque{n}",
                    created_at=_utc(monday + dt.timedelta(hours=1)),
                )
            )
        area = Area(town_id=town.town_id, slug="tilleuls", name="Les Tilleuls")
        session.add(area)
        session.flush()
        seat = Constituency(module_id=election.module_id, area_id=area.id, seats=3)
        session.add(seat)
        session.flush()
        for n in range(2):
            session.add(
                Participation(
                    module_id=election.module_id,
                    constituency_id=seat.id,
                    person_key=f"person{n}",
                    voted_at=_utc(monday - dt.timedelta(days=8)),
                )
            )
    login(client, town.admin_email, town.admin_password)
    post_form(client, "/language", {"locale": "en"})
    html = client.get("/admin/activity").text
    zero = [0] * 12
    assert _figures(html, "Parks survey") == [*zero[:10], 1, 1]
    assert _figures(html, "Budget 2027") == [*zero[:10], 1, 3]
    assert _figures(html, "Council of Les Tilleuls") == [*zero[:9], 2, 0, 0]
    assert "2 participations in 12 weeks" in html and "4 participations in 12 weeks" in html
    assert "person0" not in html  # counts only, never who
    # Each chart is an image with a name, and its figures are in a table beside it.
    assert html.count('role="img"') == 3 and html.count("<details>") == 3
    assert last_week.strftime("%-d") in html


def test_weeks_are_named_in_the_readers_language(town, client):
    make_space_with_module(town, "survey", phase="open", module_title="Parks survey")
    weeks, _tz = _weeks(town)
    login(client, town.admin_email, town.admin_password)
    post_form(client, "/language", {"locale": "fr"})
    html = client.get("/admin/activity").text
    assert "Participations par semaine" in html and "Chiffres de «\u00a0Parks survey\u00a0»" in html
    from babel.dates import format_date

    assert format_date(weeks[0], "d MMM", locale="fr") in html
    post_form(client, "/language", {"locale": "en"})
    assert format_date(weeks[0], "d MMM", locale="en") in client.get("/admin/activity").text


def test_account_figures(town, client):
    now = utcnow()
    with town.session() as session:
        make_user(session, town.town_id, "new@example.org")
        make_user(session, town.town_id, "unconfirmed@example.org", confirmed=False)
        make_user(session, town.town_id, "verified@example.org", verified=True)
        old = make_user(session, town.town_id, "old@example.org")
        old.created_at = now - dt.timedelta(days=20)
        older = make_user(session, town.town_id, "older@example.org")
        older.created_at = now - dt.timedelta(days=60)
        admin = session.query(User).filter_by(email=town.admin_email).one()
        admin.created_at = now - dt.timedelta(days=90)
    login(client, town.admin_email, town.admin_password)
    post_form(client, "/language", {"locale": "en"})
    html = client.get("/admin/activity").text
    tiles = dict(
        (label, int(value))
        for value, label in re.findall(
            r'<p class="stat-value">(\d+)</p><p class="stat-label">([^<]+)</p>', html
        )
    )
    assert tiles == {
        "accounts": 6,
        "confirmed e-mail addresses": 5,
        "verified residents": 1,
        "new in the last 7 days": 3,
        "new in the last 30 days": 4,
    }


def test_statement_count_does_not_grow_with_modules(make_town):
    few, many = make_town("few.test"), make_town("many.test")
    for town, copies in ((few, 1), (many, 4)):
        for i in range(copies):
            make_space_with_module(town, "survey", phase="open", space_slug=f"s{i}")
            make_space_with_module(town, "poll", phase="open", space_slug=f"p{i}")
            make_space_with_module(town, "idea_call", phase="vote", space_slug=f"i{i}")
            make_space_with_module(town, "council_election", phase="voting", space_slug=f"e{i}")
    counts = []
    for town in (few, many):
        with town.client() as client:
            login(client, town.admin_email, town.admin_password)
            client.get("/admin/activity")
            with town.parvis.db.count_queries() as counter:
                assert client.get("/admin/activity").status_code == 200
            counts.append(counter.count)
            # Surveys and polls share one function: one query for both types.
            answers = [s for s in counter.statements if "FROM consultation_responses" in s]
            assert len(answers) == 1, answers
    assert counts[0] == counts[1], counts


def test_only_town_staff_see_the_figures(town, make_town):
    mine = make_space_with_module(town, "survey", phase="open", module_title="Our survey")
    with town.session() as session:
        make_user(session, town.town_id, "resident@example.org")
        make_user(session, town.town_id, "sa@example.org", roles=(f"space_admin@{mine.space_id}",))
    other = make_town("autre.test", app=town.app)
    make_space_with_module(other, "survey", phase="open", module_title="Their survey")
    with town.client() as client:
        anonymous = client.get("/admin/activity", follow_redirects=False)
        assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
        login(client, "resident@example.org")
        assert client.get("/admin/activity").status_code == 403
        assert "/admin/activity" not in client.get("/").text
    with town.client() as client:
        # A space-only administrator: the figures cover the whole town, so refused outright.
        login(client, "sa@example.org")
        assert client.get("/admin/activity").status_code == 403
        assert "/admin/activity" not in client.get("/admin").text
    with town.client() as client:
        # Another town's administrator cannot log in here, and sees only their own town there.
        refused = post_form(
            client, "/login", {"email": other.admin_email, "password": other.admin_password}
        )
        assert refused.status_code != 303
        assert client.get("/admin/activity", follow_redirects=False).status_code == 303
    with other.client() as client:
        login(client, other.admin_email, other.admin_password)
        html = client.get("/admin/activity").text
        assert "Their survey" in html and "Our survey" not in html


def test_count_by_week_folds_hours_into_local_weeks(town):
    weeks, tz = _weeks(town)
    monday = local_midnight(weeks[-1], tz)
    survey = make_space_with_module(town, "survey", phase="open")
    with town.session() as session:
        for n, minutes in enumerate((-90, -1, 0, 59, 61)):
            when = monday + dt.timedelta(minutes=minutes)
            session.add(
                Response(module_id=survey.module_id, token_hash=f"{n:064d}", created_at=_utc(when))
            )
    with town.session() as session:
        found = count_by_week(
            session,
            Response.module_id,
            Response.created_at,
            [survey.module_id],
            local_midnight(weeks[0], tz),
        )
        assert found == {survey.module_id: {weeks[-2]: 2, weeks[-1]: 3}}
        assert count_by_week(session, Response.module_id, Response.created_at, [], monday) == {}
