"""Benchmark of the volunteering plugin: a town of 50,000 residents.

Data: 2,000 missions (one in five recurring, the others with one to three dates in the next
60 days) of 200 associations, 10,000 volunteer profiles (skills, causes, availability,
neighbourhood), 40,000 applications in every state. Then, through the ASGI app (TestClient):

1. "Missions for you" (``/p/volunteering/me/missions``), signed in as 20 different volunteers
   in turn: median and p95 time per page, SQL queries per page;
2. the public list with filters (cause, skill, neighbourhood, remote, dates, places left, in
   rotation): median and p95, queries per page;
3. the same query counts on a town ten times smaller: they must be equal (no N+1);
4. ``send-reminders`` over a day's worth of slots (the reminders due tomorrow, the pending
   nudges and the attendance requests of the last 30 days), then a second run (must send 0);
5. baselines in the same run: the core home page ``/`` (same app, same client) and, for the
   reminders, queueing the same number of e-mails with ``queue_mail`` in one transaction.

Usage::

    .venv/bin/python bench/bench_volunteering.py                 # SQLite and PostgreSQL
    .venv/bin/python bench/bench_volunteering.py --skip-postgres --runs 50

Each database is created for the run and dropped afterwards.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from typing import Any
from zoneinfo import ZoneInfo

from _databases import PG_DEFAULT, migrated_app, temp_database
from sqlalchemy import insert, select
from sqlalchemy.engine import make_url

HOST = "bench.local"
PASSWORD = "bench volunteer password"


def build(
    app: Any, missions: int, profiles: int, applications: int, seed: int = 7
) -> dict[str, Any]:
    """Bulk-insert the town (Core inserts: this is set-up, not what is measured)."""
    from parvis.models import Area, User
    from parvis.passwords import hash_password
    from parvis.towns import create_town
    from parvis_volunteering import clock, terms
    from parvis_volunteering.models import (
        Application,
        Association,
        Manager,
        Mission,
        MissionSkill,
        MissionTime,
        Profile,
        ProfileCause,
        ProfileSkill,
        ProfileTime,
        Slot,
    )

    rng = random.Random(seed)
    causes, skills = list(terms.DEFAULTS["cause"]), list(terms.DEFAULTS["skill"])
    today = clock.today(ZoneInfo("Europe/Paris"))  # the bench town keeps the default zone
    with app.state.parvis.db.session() as s:
        town = create_town(
            s,
            name="Benchville",
            slug="bench",
            hosts=[HOST],
            plugins=["volunteering"],
            admin_email=f"admin@{HOST}",
            admin_password=PASSWORD,
        )
        areas = []
        for i in range(8):
            area = Area(town_id=town.id, slug=f"q{i}", name=f"Quartier {i}", position=i)
            s.add(area)
            areas.append(area)
        s.flush()
        area_ids = [a.id for a in areas]
        hashed = hash_password(PASSWORD)
        now = clock.local_now(ZoneInfo("Europe/Paris"))
        s.execute(
            insert(User),
            [
                {
                    "town_id": town.id,
                    "email": f"v{i}@{HOST}",
                    "password_hash": hashed,
                    "display_name": f"V{i}",
                    "locale": "fr",
                    "confirmed_at": now,
                    "created_at": now,
                    "session_epoch": 0,
                    "notify_followed": True,
                }
                for i in range(profiles)
            ],
        )
        user_ids = list(
            s.scalars(
                select(User.id)
                .where(User.town_id == town.id, User.email.like("v%"))
                .order_by(User.id)
            )
        )
        n_assoc = max(1, missions // 10)
        s.execute(
            insert(Association),
            [
                {
                    "town_id": town.id,
                    "name": f"Association {i}",
                    "purpose": "Bench",
                    "status": "validated",
                    "area_ids": [],
                    "causes": [causes[i % len(causes)]],
                    "created_at": now,
                }
                for i in range(n_assoc)
            ],
        )
        assoc_ids = list(s.scalars(select(Association.id).where(Association.town_id == town.id)))
        s.execute(
            insert(Manager),
            [
                {"association_id": a, "user_id": user_ids[i], "owner": True, "created_at": now}
                for i, a in enumerate(assoc_ids)
            ],
        )
        mission_rows = []
        for i in range(missions):
            remote = rng.random() < 0.1
            mission_rows.append(
                {
                    "town_id": town.id,
                    "association_id": assoc_ids[i % n_assoc],
                    "title": f"Mission {i}",
                    "description": "Bench mission",
                    "cause": rng.choice(causes),
                    "area_id": None if remote else rng.choice(area_ids),
                    "address": "" if remote else f"{i} rue du Banc",
                    "remote": remote,
                    "kind": "recurring" if i % 5 == 0 else "slots",
                    "min_age": 18 if i % 7 == 0 else 0,
                    "accessibility": "",
                    "status": "published" if i % 20 else "closed",
                    "created_at": now,
                }
            )
        s.execute(insert(Mission), mission_rows)
        mission_list = list(
            s.execute(
                select(Mission.id, Mission.kind)
                .where(Mission.town_id == town.id)
                .order_by(Mission.id)
            )
        )
        slot_rows, skill_rows, time_rows = [], [], []
        for mid, kind in mission_list:
            for skill in rng.sample(skills, rng.randint(1, 3)):
                skill_rows.append({"mission_id": mid, "skill": skill})
            if kind == "recurring":
                slot_rows.append(
                    {
                        "mission_id": mid,
                        "date": None,
                        "start": None,
                        "end": None,
                        "places": 5,
                        "taken": 0,
                    }
                )
                for w, p in {(rng.randrange(7), rng.randrange(3)) for _ in range(2)}:
                    time_rows.append({"mission_id": mid, "weekday": w, "part": p})
            else:
                whens = set()
                for _ in range(rng.randint(1, 3)):
                    day = today + dt.timedelta(days=rng.randint(-10, 60))
                    start = dt.time(rng.choice((9, 14, 19)))
                    slot_rows.append(
                        {
                            "mission_id": mid,
                            "date": day,
                            "start": start,
                            "end": dt.time(start.hour + 3),
                            "places": 8,
                            "taken": 0,
                        }
                    )
                    whens.add((day.weekday(), clock.part_of_day(start)))
                time_rows += [{"mission_id": mid, "weekday": w, "part": p} for w, p in whens]
        s.execute(insert(Slot), slot_rows)
        s.execute(insert(MissionSkill), skill_rows)
        s.execute(insert(MissionTime), time_rows)
        s.execute(
            insert(Profile),
            [
                {
                    "town_id": town.id,
                    "user_id": u,
                    "area_id": rng.choice(area_ids),
                    "phone": "",
                    "suggest": True,
                    "contactable": i % 2 == 0,
                    "created_at": now,
                }
                for i, u in enumerate(user_ids)
            ],
        )
        profile_ids = list(
            s.scalars(select(Profile.id).where(Profile.town_id == town.id).order_by(Profile.id))
        )
        s.execute(
            insert(ProfileSkill),
            [
                {"profile_id": p, "skill": k}
                for p in profile_ids
                for k in rng.sample(skills, rng.randint(1, 3))
            ],
        )
        s.execute(
            insert(ProfileCause),
            [
                {"profile_id": p, "cause": c}
                for p in profile_ids
                for c in rng.sample(causes, rng.randint(1, 2))
            ],
        )
        s.execute(
            insert(ProfileTime),
            [
                {"profile_id": p, "weekday": w, "part": q}
                for p in profile_ids
                for w, q in {(rng.randrange(7), rng.randrange(3)) for _ in range(4)}
            ],
        )
        slots = list(
            s.execute(
                select(Slot.id, Slot.mission_id, Slot.places)
                .join(Mission, Mission.id == Slot.mission_id)
                .where(Mission.town_id == town.id)
            )
        )
        taken: dict[int, int] = {}
        seen: set[tuple[int, int]] = set()
        app_rows = []
        states = ["pending"] * 3 + ["accepted"] * 4 + ["refused", "waitlisted", "withdrawn"]
        while len(app_rows) < applications:
            slot_id, mission_id, places = rng.choice(slots)
            user_id = rng.choice(user_ids)
            if (slot_id, user_id) in seen:
                continue
            seen.add((slot_id, user_id))
            status = rng.choice(states)
            if status == "accepted":
                if taken.get(slot_id, 0) >= places:
                    status = "waitlisted"
                else:
                    taken[slot_id] = taken.get(slot_id, 0) + 1
            created = now - dt.timedelta(days=rng.randint(0, 20))
            app_rows.append(
                {
                    "town_id": town.id,
                    "mission_id": mission_id,
                    "slot_id": slot_id,
                    "user_id": user_id,
                    "message": "",
                    "status": status,
                    "reason": "",
                    "invited": False,
                    "created_at": created,
                    "updated_at": created,
                    "answered_at": None
                    if status == "pending"
                    else created + dt.timedelta(hours=rng.randint(1, 72)),
                }
            )
        for start in range(0, len(app_rows), 5000):
            s.execute(insert(Application), app_rows[start : start + 5000])
        for slot_id, count in taken.items():
            s.execute(Slot.__table__.update().where(Slot.id == slot_id).values(taken=count))
    return {"areas": area_ids, "causes": causes, "skills": skills, "users": user_ids}


def timed(client: Any, paths: list[str], runs: int) -> tuple[float, float]:
    times = []
    for i in range(runs):
        t = time.perf_counter()
        response = client.get(paths[i % len(paths)])
        times.append(time.perf_counter() - t)
        assert response.status_code == 200, response.status_code
    times.sort()
    return statistics.median(times) * 1000, times[int(0.95 * (len(times) - 1))] * 1000


def list_paths(built: dict[str, Any]) -> list[str]:
    today = dt.date.today()
    areas, causes, skills = built["areas"], built["causes"], built["skills"]
    week = dt.timedelta(days=7)
    return [
        f"/p/volunteering/?cause={causes[0]}",
        f"/p/volunteering/?skill={skills[1]}&places=1",
        f"/p/volunteering/?area={areas[2]}&remote=no",
        "/p/volunteering/?remote=yes",
        f"/p/volunteering/?from={today + week}&to={today + 2 * week}&places=1",
        f"/p/volunteering/?cause={causes[1]}&skill={skills[2]}&area={areas[3]}&page=2",
        "/p/volunteering/",
    ]


def queries(app: Any, client: Any, path: str) -> int:
    with app.state.parvis.db.count_queries() as counter:
        assert client.get(path).status_code == 200
    return counter.count


def bench(url: str | None, sizes: tuple[int, int, int], runs: int) -> dict[str, Any]:
    from starlette.testclient import TestClient

    from parvis.testing import login
    from parvis_volunteering import reminders

    out: dict[str, Any] = {}
    for label, scale in (("small", 10), ("full", 1)):
        with temp_database(url) as db_url:
            app = migrated_app(db_url, ["volunteering"], rate_limits={"login": [100000, 60]})
            try:
                t = time.perf_counter()
                built = build(app, *(n // scale for n in sizes))
                load_s = time.perf_counter() - t
                with TestClient(app, base_url=f"http://{HOST}") as client:
                    paths = list_paths(built)
                    counts = {"list": max(queries(app, client, p) for p in paths)}
                    login(client, f"v1@{HOST}", PASSWORD)
                    counts["for_you"] = queries(app, client, "/p/volunteering/me/missions")
                    counts["home"] = queries(app, client, "/")
                    out[f"{label}_queries"] = counts
                    if label == "small":
                        continue
                    out["load_s"] = load_s
                    client.get("/p/volunteering/")  # warm the templates
                    out["list_ms"] = timed(client, paths, runs)
                    out["home_ms"] = timed(client, ["/"], runs)
                    for_you = []
                    for i in range(runs):
                        client.cookies.clear()
                        login(client, f"v{(i % 20) * 37}@{HOST}", PASSWORD)
                        t = time.perf_counter()
                        response = client.get("/p/volunteering/me/missions")
                        for_you.append(time.perf_counter() - t)
                        assert response.status_code == 200
                    for_you.sort()
                    out["for_you_ms"] = (
                        statistics.median(for_you) * 1000,
                        for_you[int(0.95 * (len(for_you) - 1))] * 1000,
                    )
                t = time.perf_counter()
                counts_run = reminders.send(app.state.parvis)
                out["reminders_s"] = time.perf_counter() - t
                out["reminders"] = counts_run
                t = time.perf_counter()
                again = reminders.send(app.state.parvis)
                out["reminders_again_s"] = time.perf_counter() - t
                out["reminders_again"] = again
                out["baseline_mail_s"] = baseline_mail(
                    app, counts_run.day_before + counts_run.nudges + counts_run.attendance
                )
                out["database"] = make_url(db_url).get_backend_name()
            finally:
                app.state.parvis.db.dispose()
    return out


def baseline_mail(app: Any, count: int) -> float:
    """Queue ``count`` e-mails in one transaction: the floor under ``send-reminders``."""
    from parvis.api import queue_mail

    t = time.perf_counter()
    with app.state.parvis.db.session() as s:
        for i in range(count):
            queue_mail(s, f"b{i}@{HOST}", "Baseline", "Body", None)
    return time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", default=PG_DEFAULT)
    parser.add_argument("--missions", type=int, default=2000)
    parser.add_argument("--profiles", type=int, default=10_000)
    parser.add_argument("--applications", type=int, default=40_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    sizes = (args.missions, args.profiles, args.applications)
    targets: list[str | None] = [None] if args.skip_postgres else [None, args.postgres_url]
    print(
        f"{args.missions:,} missions, {args.profiles:,} profiles, {args.applications:,} "
        f"applications; {args.runs} requests per page (median / p95, ms)"
    )
    for target in targets:
        r = bench(target, sizes, args.runs)
        q_small, q_full = r["small_queries"], r["full_queries"]
        rem, again = r["reminders"], r["reminders_again"]
        print(f"\n{r['database']} (set-up {r['load_s']:.1f} s)")
        for label, key, counts in (
            ("Missions for you", "for_you_ms", "for_you"),
            ("mission list+filters", "list_ms", "list"),
            ("baseline: home page", "home_ms", "home"),
        ):
            median, p95 = r[key]
            print(
                f"  {label:<22}{median:7.1f} / {p95:7.1f}   queries {q_full[counts]} "
                f"(1/10 size: {q_small[counts]})"
            )
        sent = rem.day_before + rem.nudges + rem.attendance
        resent = again.day_before + again.nudges + again.attendance
        print(
            f"  send-reminders: {r['reminders_s']:.2f} s for {rem.day_before} day-before, "
            f"{rem.nudges} nudges, {rem.attendance} attendance requests; second run "
            f"{r['reminders_again_s']:.2f} s, sent {resent}; "
            f"baseline: queueing {sent} e-mails {r['baseline_mail_s']:.2f} s"
        )


if __name__ == "__main__":
    main()
