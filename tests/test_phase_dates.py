"""Dated phases: staff give phases dates; a module moves on by itself once a date passes (on
read, once, recorded and told to followers); residents read the deadline and the timeline."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select

from parvis.contrib import Phase
from parvis.models import AuditEntry, Follow, Module, OutboxMail, PhaseDates
from parvis.schedule import (
    advance,
    due_phase,
    modules_with_schedules,
    move_phase,
    phase_end,
    rows_query,
)
from parvis.testing import form_errors, login, make_user, post_form

NOW = dt.datetime(2027, 3, 2, 9, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
PHASES = [
    Phase("submission", "Submission", frozenset({"x.propose"})),
    Phase("review", "Review"),
    Phase("vote", "Vote", frozenset({"x.vote"})),
    Phase("results", "Results"),
]


def test_dates_move_a_module_forward_only():
    assert due_phase(PHASES, "vote", {"vote": (None, NOW - DAY)}, NOW) == "results"
    assert due_phase(PHASES, "vote", {"vote": (None, NOW + DAY)}, NOW) == "vote"
    # A later phase that has started wins, skipping the ones between.
    assert due_phase(PHASES, "submission", {"vote": (NOW - DAY, None)}, NOW) == "vote"
    # Several ends passed while nobody looked: it moves on through them.
    passed = {"submission": (None, NOW - 3 * DAY), "review": (None, NOW - 2 * DAY)}
    assert due_phase(PHASES, "submission", passed, NOW) == "vote"
    # Never back: an earlier phase's dates mean nothing once past it.
    assert due_phase(PHASES, "results", {"vote": (NOW - DAY, NOW + DAY)}, NOW) == "results"
    # The last phase has nowhere to go.
    assert due_phase(PHASES, "results", {"results": (None, NOW - DAY)}, NOW) == "results"
    assert phase_end(PHASES, "review", {"vote": (NOW + DAY, None)}) == NOW + DAY


def _dated_call(town, space_with_module, *, ends_at):
    call = space_with_module("idea_call", phase="vote")
    with town.session() as session:
        session.add(PhaseDates(module_id=call.module_id, phase="vote", ends_at=ends_at))
    return call


def _audit_count(town, module_id, action="module.phase_auto"):
    with town.session() as session:
        return session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == action, AuditEntry.target == f"module:{module_id}")
        )


def _phase(town, module_id):
    with town.session() as session:
        return session.get(Module, module_id).phase


def test_a_passed_end_moves_the_module_on_when_read_once(town, client, space_with_module):
    call = _dated_call(town, space_with_module, ends_at=dt.datetime.now(dt.UTC) - DAY)
    with town.session() as session:
        follower = make_user(session, town.town_id, "follower@example.org")
        session.add(Follow(user_id=follower.id, space_id=call.space_id))
    page = client.get(call.url)
    assert page.status_code == 200
    assert _phase(town, call.module_id) == "results"
    # The reader already sees the new phase, not the one its request started with.
    assert 'aria-current="step"' in page.text
    client.get(call.url)
    client.get(f"/s/{call.space_slug}")
    assert _audit_count(town, call.module_id) == 1
    with town.session() as session:
        entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "module.phase_auto"))
        assert entry.actor_id is None and entry.details["old"] == "vote"
        mails = session.scalars(
            select(OutboxMail).where(OutboxMail.to_address == "follower@example.org")
        ).all()
    assert len(mails) == 1 and "/s/" in mails[0].body


def test_a_vote_sent_after_the_end_is_refused(town, client, space_with_module):
    call = _dated_call(town, space_with_module, ends_at=dt.datetime.now(dt.UTC) - DAY)
    with town.session() as session:
        make_user(session, town.town_id, "voter@example.org", verified=True)
    login(client, "voter@example.org")
    # The POST is the first request to read the module since the end passed.
    refused = post_form(client, call.url_for("vote"), {}, page="/")
    assert refused.status_code in (403, 404)
    assert _phase(town, call.module_id) == "results"


def test_residents_read_the_deadline_on_the_card_and_the_module_page(
    town, client, space_with_module
):
    ends = dt.datetime.now(dt.UTC) + 12 * DAY
    call = _dated_call(town, space_with_module, ends_at=ends)
    post_form(client, "/language", {"locale": "en"})
    space = client.get(f"/s/{call.space_slug}").text
    assert "Vote until" in space and "days left" in space
    module = client.get(call.url).text
    assert "Vote until" in module and 'class="timeline' in module
    assert _phase(town, call.module_id) == "vote"


def test_a_module_with_several_dated_phases_is_listed_once_with_its_deadline(
    town, client, space_with_module
):
    """Lists read the dated phases in the same statement as the modules (one row per phase)."""
    ends = dt.datetime.now(dt.UTC) + 12 * DAY
    call = _dated_call(town, space_with_module, ends_at=ends)
    with town.session() as session:
        session.add(PhaseDates(module_id=call.module_id, phase="submission", ends_at=NOW - DAY))
        session.add(PhaseDates(module_id=call.module_id, phase="results", starts_at=ends))
    post_form(client, "/language", {"locale": "en"})
    for page in (f"/s/{call.space_slug}", "/"):
        html = client.get(page).text
        assert html.count(f'href="{call.url}"') == 1, page
        assert "Vote until" in html and "days left" in html, page
    assert _phase(town, call.module_id) == "vote"


def _admin(town, client):
    login(client, town.admin_email, town.admin_password)
    post_form(client, "/language", {"locale": "en"})


def test_staff_set_dates_with_errors_beside_the_fields(town, client, space_with_module):
    call = space_with_module("idea_call", phase="submission")
    url = f"/admin/modules/{call.module_id}/dates"
    _admin(town, client)
    form = client.get(url)
    assert form.status_code == 200 and 'name="end_vote"' in form.text
    bad = post_form(
        client,
        url,
        {"start_vote": "2030-03-10", "end_vote": "2030-03-01", "end_review": "not a date"},
        page=url,
    )
    assert bad.status_code == 400
    errors = form_errors(bad.text)
    assert any("last day cannot come before the first day" in e for e in errors)
    assert len(errors) == 2
    assert 'value="2030-03-10"' in bad.text  # what was typed stays
    clash = post_form(
        client, url, {"end_submission": "2030-03-10", "start_vote": "2030-03-10"}, page=url
    )
    assert clash.status_code == 400
    assert any("the last day of “Submission of ideas”" in e for e in form_errors(clash.text))
    saved = post_form(
        client, url, {"end_submission": "2030-03-09", "start_vote": "2030-03-10"}, page=url
    )
    assert saved.status_code == 303
    with town.session() as session:
        rows = {r.phase: r for r in session.scalars(select(PhaseDates))}
    # Days are on the town's clock (Paris, UTC+1 in March): the last day ends at midnight.
    assert rows["submission"].ends_at == dt.datetime(2030, 3, 9, 23, 0, tzinfo=dt.UTC)
    assert rows["vote"].starts_at == dt.datetime(2030, 3, 9, 23, 0, tzinfo=dt.UTC)
    assert _audit_count(town, call.module_id, "module.dates") == 1
    again = client.get(url).text
    assert 'value="2030-03-09"' in again and "9 March 2030" in again


def test_residents_cannot_set_dates(town, client, resident, space_with_module):
    call = space_with_module("idea_call")
    url = f"/admin/modules/{call.module_id}/dates"
    assert client.get(url, follow_redirects=False).status_code in (302, 303)
    login(client, resident.email)
    assert client.get(url).status_code == 403
    assert post_form(client, url, {"end_submission": "2030-01-01"}).status_code == 403
    with town.session() as session:
        assert session.scalar(select(func.count()).select_from(PhaseDates)) == 0


def test_a_hand_move_back_sticks_past_its_dates(town, client, space_with_module):
    call = _dated_call(town, space_with_module, ends_at=dt.datetime.now(dt.UTC) - DAY)
    client.get(call.url)
    assert _phase(town, call.module_id) == "results"
    _admin(town, client)
    url = f"/admin/modules/{call.module_id}/phase"
    ask = post_form(client, url, {"phase": "vote"}, page=f"/admin/spaces/{call.space_id}")
    assert "dates that have passed are removed" in ask.text
    post_form(client, url, {"phase": "vote", "confirm": "1"}, page=f"/admin/spaces/{call.space_id}")
    client.get(call.url)
    assert _phase(town, call.module_id) == "vote"
    with town.session() as session:
        assert session.scalar(select(PhaseDates.ends_at)) is None


def _two_readers_move_once(town, call):
    """Two units of work read the module in "vote", then both try to move it."""
    parvis = town.parvis
    first_moved = threading.Event()
    results: dict[str, bool] = {}
    with parvis.db.session() as first, parvis.db.session() as second:
        mine = first.get(Module, call.module_id)
        theirs = second.get(Module, call.module_id)
        assert mine.phase == theirs.phase == "vote"

        def other() -> None:
            first_moved.wait(5)
            results["second"] = move_phase(
                second, parvis, theirs, "results", expected="vote", actor_id=None, automatic=True
            )

        thread = threading.Thread(target=other)
        thread.start()
        results["first"] = move_phase(
            first, parvis, mine, "results", expected="vote", actor_id=None, automatic=True
        )
        first_moved.set()
        # The second waits on the row lock, then finds the phase no longer "vote".
        first.commit()
        thread.join(10)
    return results


@pytest.mark.postgres_only
def test_two_simultaneous_readers_move_it_once(town, space_with_module):
    call = _dated_call(town, space_with_module, ends_at=dt.datetime.now(dt.UTC) - DAY)
    results = _two_readers_move_once(town, call)
    assert sorted(results.values()) == [False, True]
    assert _audit_count(town, call.module_id) == 1
    assert _phase(town, call.module_id) == "results"


def test_many_simultaneous_page_reads_move_it_once(town, space_with_module):
    call = _dated_call(town, space_with_module, ends_at=dt.datetime.now(dt.UTC) - DAY)
    start = threading.Barrier(6)
    statuses = []

    def read() -> None:
        with town.client() as client:
            start.wait(5)
            statuses.append(client.get(call.url).status_code)

    threads = [threading.Thread(target=read) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert statuses == [200] * 6
    assert _audit_count(town, call.module_id) == 1


@pytest.mark.parametrize("page", ["space", "home"])
def test_a_listing_page_read_first_moves_the_module_on_and_shows_its_new_phase(
    town, client, space_with_module, page
):
    """Listing pages read modules as plain rows (``ModuleRow``): the move still happens once,
    and the page already shows the phase it moved to."""
    call = _dated_call(town, space_with_module, ends_at=dt.datetime.now(dt.UTC) - DAY)
    post_form(client, "/language", {"locale": "en"})
    html = client.get(f"/s/{call.space_slug}" if page == "space" else "/").text
    assert _phase(town, call.module_id) == "results"
    assert _audit_count(town, call.module_id) == 1
    assert "Vote until" not in html and "Cast my ballot" not in html
    if page == "space":
        assert '<span class="badge badge-closed">Results</span>' in html


def test_advance_moves_module_rows_in_a_writing_unit_of_work(town, space_with_module):
    call = _dated_call(town, space_with_module, ends_at=dt.datetime.now(dt.UTC) - DAY)
    with town.parvis.db.session(write=True) as session:
        query = rows_query(Module.id == call.module_id)
        rows, schedules = modules_with_schedules(session, query)
        advance(town.parvis, session, rows, schedules=schedules)
        assert [r.phase for r in rows] == ["results"]
    assert _phase(town, call.module_id) == "results"
    assert _audit_count(town, call.module_id) == 1


def test_a_hand_move_between_the_home_page_s_reads_is_not_undone(
    town, client, space_with_module, monkeypatch
):
    """The home page reads the modules with their dates, then loads the due ones in a second
    statement, outside a transaction: staff moving one by hand in between (and clearing its
    passed dates) must not see it moved on by the dates the first statement read."""
    from parvis.spaces import home

    now = dt.datetime.now(dt.UTC)
    call = space_with_module("idea_call", phase="submission")
    with town.session() as session:
        session.add(PhaseDates(module_id=call.module_id, phase="submission", ends_at=now - DAY))
        session.add(PhaseDates(module_id=call.module_id, phase="vote", ends_at=now - DAY / 2))
    load, moved = home._load, []

    def staff_move_first(ctx, ids):
        if call.module_id in ids and not moved:  # staff move it on to the vote by hand,
            moved.append(True)  # clearing the vote's passed end
            with town.session() as session:
                session.get(Module, call.module_id).phase = "vote"
                dates = session.scalar(
                    select(PhaseDates).where(
                        PhaseDates.module_id == call.module_id, PhaseDates.phase == "vote"
                    )
                )
                dates.ends_at = None
        return load(ctx, ids)

    monkeypatch.setattr(home, "_load", staff_move_first)
    assert client.get("/").status_code == 200
    assert _phase(town, call.module_id) == "vote"
    assert _audit_count(town, call.module_id) == 0


def test_two_app_processes_reading_the_home_page_at_once_move_it_once(
    town, space_with_module, parvis_config
):
    """Two app instances (two processes) on one database, their home pages read at once, each
    reading outside a transaction: the module moves once, one audit entry, one mail."""
    from starlette.testclient import TestClient

    from parvis.app import create_app

    call = _dated_call(town, space_with_module, ends_at=dt.datetime.now(dt.UTC) - DAY)
    with town.session() as session:
        follower = make_user(session, town.town_id, "follower@example.org")
        session.add(Follow(user_id=follower.id, space_id=call.space_id))
    other = create_app(parvis_config)
    start = threading.Barrier(6)
    statuses: list[int] = []

    def read(app) -> None:
        with TestClient(app, base_url=f"http://{town.host}") as client:
            start.wait(10)
            statuses.append(client.get("/").status_code)

    try:
        threads = [threading.Thread(target=read, args=(app,)) for app in [town.app, other] * 3]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        other.state.parvis.db.dispose()
    assert statuses == [200] * 6
    assert _phase(town, call.module_id) == "results"
    assert _audit_count(town, call.module_id) == 1
    with town.session() as session:
        mails = session.scalars(
            select(OutboxMail).where(OutboxMail.to_address == "follower@example.org")
        ).all()
    assert len(mails) == 1
