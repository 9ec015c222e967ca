"""``parvis volunteering send-reminders``: the day-before reminder, the nudge about pending
applications, the request to say who came; never twice, even when two runs overlap; and the
volunteer's .ics of accepted slots."""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import func, select, update
from volunteering_helpers import TOWN_ZONE, association, mission, soon, today, user

from parvis.api import Town
from parvis.testing import login, queued_mail, run_command
from parvis_volunteering import clock, reminders
from parvis_volunteering.models import Application, Reminder, Slot


def _world(town) -> dict[str, int]:
    owner = user(town, "owner@example.org")
    ann = user(town, "ann@example.org")
    bob = user(town, "bob@example.org")
    assoc = association(town, owner)
    tomorrow = today() + dt.timedelta(days=1)
    m1, s1 = mission(town, assoc, "Tomorrow's mission", day=tomorrow, places=3)
    m2, s2 = mission(town, assoc, "Later mission", day=soon(20), places=3)
    with town.session() as session:
        session.add(
            Application(
                town_id=town.town_id, mission_id=m1, slot_id=s1, user_id=ann, status="accepted"
            )
        )
        old = clock.local_now(TOWN_ZONE) - dt.timedelta(days=8)
        session.add(
            Application(
                town_id=town.town_id, mission_id=m2, slot_id=s2, user_id=bob, created_at=old
            )
        )
        # A slot that is over with an accepted volunteer: managers are asked who came.
        past = Slot(
            mission_id=m2,
            date=today() - dt.timedelta(days=2),
            start=dt.time(9),
            end=dt.time(12),
            places=2,
            taken=1,
        )
        session.add(past)
        session.flush()
        session.add(
            Application(
                town_id=town.town_id, mission_id=m2, slot_id=past.id, user_id=ann, status="accepted"
            )
        )
        session.execute(update(Slot).where(Slot.id == s1).values(taken=1))
    return {"m1": m1, "m2": m2}


def _mails(town, to: str) -> list[str]:
    return [m.subject for m in queued_mail(town, to)]


def test_each_reminder_once(town):
    _world(town)
    first = reminders.send(town.parvis)
    assert (first.day_before, first.nudges, first.attendance) == (1, 1, 1)
    again = reminders.send(town.parvis)
    assert (again.day_before, again.nudges, again.attendance) == (0, 0, 0)
    assert _mails(town, "ann@example.org") == ["Tomorrow: Tomorrow's mission"]
    owner = sorted(_mails(town, "owner@example.org"))
    assert owner == ["Volunteers are waiting for your answer", "Who came? Later mission"]


def test_two_runs_at_once_send_each_reminder_once(town):
    _world(town)
    barrier = threading.Barrier(2)
    results = []

    def run() -> None:
        barrier.wait()
        results.append(reminders.send(town.parvis))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(r.day_before for r in results) == 1
    assert sum(r.attendance for r in results) == 1
    assert len(_mails(town, "ann@example.org")) == 1
    with town.session() as session:
        assert session.scalar(select(func.count()).select_from(Reminder)) == 3


def test_command_and_real_smtp(make_town, smtp_server):
    town = make_town(
        "mail.example", mail_backend="smtp", smtp_port=smtp_server.port, inline_worker=True
    )
    _world(town)
    result = run_command(town, "volunteering", "send-reminders")
    assert result.exit_code == 0, result.output
    assert "1 day-before reminder(s)" in result.output
    with town.client() as client:  # starts the outbox worker
        client.get("/")
        mail = smtp_server.wait_for("ann@example.org")
    assert mail.subject == "Tomorrow: Tomorrow's mission"
    assert "http://mail.example/p/volunteering/applications/" in mail.body


def test_calendar_of_accepted_slots(town, client):
    _world(town)
    login(client, "ann@example.org")
    response = client.get("/p/volunteering/me/calendar.ics")
    assert response.headers["content-type"].startswith("text/calendar")
    body = response.text
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    assert body.count("BEGIN:VEVENT") == 2  # tomorrow's slot and the past one, both accepted
    assert "SUMMARY:Tomorrow's mission" in body
    tomorrow = (today() + dt.timedelta(days=1)).strftime("%Y%m%d")
    assert f"DTSTART:{tomorrow}T0" in body  # 09:00 in Paris is 07:00 or 08:00 UTC
    login(client, "bob@example.org")
    assert "BEGIN:VEVENT" not in client.get("/p/volunteering/me/calendar.ics").text  # pending only


def test_the_day_before_is_read_on_the_towns_clock(make_town):
    # Kiritimati is UTC+14: at 12:00 UTC on 10 March it is already 11 March there, while it is
    # still 10 March in Paris (core's default), so a date on 12 March is "tomorrow" only there.
    town = make_town("kiritimati.example", name="Kiritimati")
    with town.session() as session:
        session.get(Town, town.town_id).settings = {"core": {"time_zone": "Pacific/Kiritimati"}}
    ann = user(town, "ann@example.org")
    assoc = association(town, user(town, "owner@example.org"))
    mission_id, slot_id = mission(town, assoc, "Reef clean-up", day=dt.date(2027, 3, 12))
    with town.session() as session:
        session.add(
            Application(
                town_id=town.town_id,
                mission_id=mission_id,
                slot_id=slot_id,
                user_id=ann,
                status="accepted",
            )
        )
    evening_there = dt.datetime(2027, 3, 10, 9, tzinfo=dt.UTC)  # 23:00 on 10 March there
    assert reminders.send(town.parvis, now=evening_there).day_before == 0
    next_morning_there = dt.datetime(2027, 3, 10, 12, tzinfo=dt.UTC)  # 02:00 on 11 March
    assert reminders.send(town.parvis, now=next_morning_there).day_before == 1
    assert _mails(town, "ann@example.org") == ["Tomorrow: Reef clean-up"]
