"""Helpers plugins used to copy, now in core (``parvis.api``): strict integers, a town's areas,
its time zone (a town setting), and e-mail to followers in each reader's language."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from parvis.api import (
    Area,
    Follow,
    Space,
    format_date,
    format_datetime,
    notify_followers,
    parse_int,
    town_areas,
    town_time_zone,
)
from parvis.i18n import set_time_zone, use_locale
from parvis.models import OutboxMail, Town
from parvis.plugin_app import App
from parvis.testing import form_errors, login, make_space_with_module, make_user, post_form


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("12", 12),
        (" 7 ", 7),
        ("0", 0),
        (5, 5),
        ("²", None),
        ("-1", None),
        ("1.5", None),
        ("", None),
        (None, None),
        ("1234567890", None),
        ("١٢", None),
    ],
)
def test_parse_int_is_strict(value, expected):
    assert parse_int(value) == expected


def test_parse_int_digits_bound():
    assert parse_int("123456789012", digits=12) == 123456789012
    assert parse_int("1234567890123", digits=12) is None


def test_town_areas_in_display_order_and_only_this_town(town, make_town):
    other = make_town("other.example")
    with town.session() as session:
        session.add_all(
            [
                Area(town_id=town.town_id, slug="b", name="Bellevue", position=2),
                Area(town_id=town.town_id, slug="a", name="Arsenal", position=1),
                Area(town_id=other.town_id, slug="z", name="Ailleurs", position=0),
            ]
        )
    with town.session() as session:
        assert [a.name for a in town_areas(session, town.town_id)] == ["Arsenal", "Bellevue"]
        assert town_areas(session, session.get(Town, town.town_id))[0].slug == "a"


def test_time_zone_is_a_town_setting_with_a_checked_value(town, client):
    with town.session() as session:
        assert str(town_time_zone(session.get(Town, town.town_id))) == "Europe/Paris"
    login(client, town.admin_email, town.admin_password)
    page = client.get("/admin/town").text
    assert 'value="Europe/Paris"' in page
    data = {"name": "Testville", "default_locale": "fr", "theme": "default"}
    refused = post_form(
        client, "/admin/town", {**data, "time_zone": "Mars/Olympus"}, page="/admin/town"
    )
    assert refused.status_code == 400
    assert any("fuseau" in e.lower() for e in form_errors(refused.text))
    assert 'value="Mars/Olympus"' in refused.text  # what was typed is kept
    saved = post_form(
        client, "/admin/town", {**data, "time_zone": "America/Montreal"}, page="/admin/town"
    )
    assert saved.status_code == 303
    with town.session() as session:
        assert str(town_time_zone(session.get(Town, town.town_id))) == "America/Montreal"


def test_times_are_shown_on_the_town_clock():
    noon_utc = dt.datetime(2027, 1, 15, 12, 0, tzinfo=dt.UTC)
    with use_locale(None, "en"):
        set_time_zone("Europe/Paris")
        assert format_datetime(noon_utc, "short") == "15/01/2027, 13:00"
        set_time_zone("America/Montreal")
        assert format_datetime(noon_utc, "short") == "15/01/2027, 07:00"
        set_time_zone("Europe/Paris")


def test_english_dates_read_day_first_on_a_24_hour_clock():
    """The towns are European: English is British English for dates (Babel's "en" would write
    "Jan 15, 2027, 1:00 PM"); French is unchanged."""
    noon_utc = dt.datetime(2027, 1, 15, 12, 0, tzinfo=dt.UTC)
    set_time_zone("Europe/Paris")
    with use_locale(None, "en"):
        assert format_date(noon_utc.date()) == "15 January 2027"
        assert format_date(noon_utc.date(), "short") == "15/01/2027"
        assert format_datetime(noon_utc) == "15 Jan 2027, 13:00"
    with use_locale(None, "fr"):
        assert format_date(noon_utc.date()) == "15 janvier 2027"
        assert format_datetime(noon_utc) == "15 janv. 2027, 13:00"


def test_followers_get_the_news_in_their_language_with_the_unsubscribe_footer(town):
    with town.session() as session:
        space = Space(town_id=town.town_id, slug="parc", title="Parc", published=True)
        session.add(space)
        session.flush()
        for email, locale in (("fr@example.org", "fr"), ("en@example.org", "en")):
            user = make_user(session, town.town_id, email, locale=locale)
            session.add(Follow(user_id=user.id, space_id=space.id))
        quiet = make_user(session, town.town_id, "quiet@example.org", notify_followed=False)
        session.add(Follow(user_id=quiet.id, space_id=space.id))
        unconfirmed = make_user(session, town.town_id, "new@example.org", confirmed=False)
        session.add(Follow(user_id=unconfirmed.id, space_id=space.id))
        sent = notify_followers(
            App(town.parvis), session, space, lambda f: (f"News {f.locale}", "Body")
        )
    assert sent == 2
    with town.session() as session:
        mails = {m.to_address: m for m in session.scalars(select(OutboxMail))}
    assert set(mails) == {"fr@example.org", "en@example.org"}
    assert mails["en@example.org"].subject == "News en"
    assert "To stop every e-mail about the spaces you follow: http://testserver/" in (
        mails["en@example.org"].body
    )
    assert "Pour ne plus recevoir" in mails["fr@example.org"].body
    assert "/unsubscribe/" in mails["fr@example.org"].body


def test_count_by_builds_each_statement_once_and_still_applies_every_condition(town):
    """``count_by`` keeps its statements by column and condition objects: the same constants
    reuse one; conditions built per call are each applied (and cannot grow the cache for ever)."""
    from parvis import db
    from parvis.models import Module

    open_ = make_space_with_module(town, "idea_call", phase="vote")
    make_space_with_module(town, "idea_call", phase="results")
    in_vote = Module.phase == "vote"
    with town.session() as session:
        ids = list(session.scalars(select(Module.id)))
        assert sum(db.count_by(session, Module.type, ["idea_call"]).values()) == len(ids)
        first = db.count_by(session, Module.id, ids, in_vote)
        assert first == {open_.module_id: 1}
        kept = len(db._COUNT_STATEMENTS)
        assert db.count_by(session, Module.id, ids, in_vote) == first
        assert len(db._COUNT_STATEMENTS) == kept
        for _round in range(db._COUNT_STATEMENTS_MAX + 5):
            counted = db.count_by(session, Module.id, ids, Module.phase != "vote")
            assert open_.module_id not in counted and len(counted) == len(ids) - 1
        assert len(db._COUNT_STATEMENTS) <= db._COUNT_STATEMENTS_MAX


def test_count_by_sees_changes_not_yet_flushed_as_a_session_query_would(town):
    """It runs on the session's connection (no ORM work per row) but flushes first."""
    from parvis import db
    from parvis.models import Module

    built = make_space_with_module(town, "idea_call", phase="vote")
    with town.session() as session:
        module = session.get(Module, built.module_id)
        module.phase = "results"
        assert db.count_by(session, Module.phase, ["vote", "results"]) == {"results": 1}
        with session.no_autoflush:
            module.phase = "vote"
            assert db.count_by(session, Module.phase, ["vote", "results"]) == {"results": 1}
