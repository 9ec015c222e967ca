"""A server process killed with SIGKILL in the middle of a load of ballots and survey answers
leaves no half-written record; an outbox worker killed while sending resumes without sending
any mail twice. Real processes, a real database, a real SMTP server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter

import httpx2 as httpx
from sqlalchemy import func, select

from parvis.mail import queue_mail, send_pending
from parvis.models import Area, Module, Space
from parvis.testing import csrf_token_from, make_user
from parvis.testing.helpers import DEFAULT_PASSWORD
from parvis_consultation.models import Answer, Option, Question, Response, Section, Survey
from parvis_council_space.config import CallConfig
from parvis_council_space.models import Ballot, BallotChoice, Idea

SERVER = """
import os, sys
from argon2 import PasswordHasher
from parvis import passwords
passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
import uvicorn
from parvis.app import create_app
from parvis.config import Config
app = create_app(Config(database_url=os.environ["DB"], secret_key=os.environ["SECRET"],
                        instance_dir=os.environ["INSTANCE"], mail_backend="null"))
uvicorn.run(app, host="127.0.0.1", port=int(os.environ["PORT"]), log_level="critical")
"""
VOTERS = 40
CHOICES = 2  # every ballot names two projects; every response answers three questions


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _world(town):
    """A vote (approval of two projects) and a three-question survey, open to 40 residents."""
    with town.session() as s:
        area = Area(town_id=town.town_id, slug="centre", name="Centre", position=1)
        s.add(area)
        s.flush()
        space = Space(town_id=town.town_id, slug="crash", title="Crash", published=True)
        s.add(space)
        s.flush()
        call = Module(space_id=space.id, type="idea_call", slug="v", title="V", phase="vote")
        survey = Module(space_id=space.id, type="survey", slug="s", title="S", phase="open")
        s.add_all([call, survey])
        s.flush()
        config = CallConfig.of(call)
        config.ballot_rule, config.max_projects = "approval", CHOICES
        config.save(call)
        ideas = [
            Idea(
                module_id=call.id,
                title=f"P{n}",
                description="",
                estimated_cost=10,
                area_id=area.id,
                status="feasible",
            )
            for n in range(4)
        ]
        s.add_all(ideas)
        s.add(Survey(module_id=survey.id))
        section = Section(module_id=survey.id, title="Tout", position=1)
        s.add(section)
        s.flush()
        questions = [
            Question(
                module_id=survey.id,
                section_id=section.id,
                position=position,
                kind=kind,
                label=label,
                required=True,
            )
            for position, (kind, label) in enumerate(
                [("single", "Un"), ("number", "Deux"), ("short_text", "Trois")], start=1
            )
        ]
        s.add_all(questions)
        s.flush()
        single, number, text = questions
        option = Option(question_id=single.id, position=0, label="Oui")
        s.add(option)
        users = [make_user(s, town.town_id, f"v{n}@crash.test").email for n in range(VOTERS)]
        s.flush()
        answers = {f"q{single.id}": str(option.id), f"q{number.id}": "7", f"q{text.id}": "abc"}
        return {
            "vote": f"/s/crash/idea_call/{call.id}/vote",
            "survey": f"/s/crash/survey/{survey.id}/",
            "ideas": [i.id for i in ideas],
            "answers": answers,
            "users": users,
            "call_id": call.id,
            "survey_id": survey.id,
        }


def _start_server(town, parvis_config, port):
    env = {
        **os.environ,
        "DB": parvis_config.database_url,
        "SECRET": parvis_config.secret_key,
        "INSTANCE": parvis_config.instance_dir,
        "PORT": str(port),
    }
    server = subprocess.Popen([sys.executable, "-c", SERVER], env=env)
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", headers={"host": town.host}, timeout=1)
            return server
        except httpx.TransportError:
            time.sleep(0.05)
    server.kill()
    raise AssertionError("the server did not start")


def test_sigkill_during_ballots_and_answers_leaves_only_whole_records(town, parvis_config):
    world = _world(town)
    port = _free_port()
    server = _start_server(town, parvis_config, port)
    done = Counter()
    stop = threading.Event()

    def voter(n: int) -> None:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, headers={"host": town.host}, timeout=10) as c:
            try:
                token = csrf_token_from(c.get("/login").text)
                c.post(
                    "/login",
                    data={
                        "email": world["users"][n],
                        "password": DEFAULT_PASSWORD,
                        "csrf_token": token,
                    },
                )
                token = csrf_token_from(c.get(world["vote"]).text)
                ideas = world["ideas"]
                while not stop.is_set():
                    pick = [str(ideas[(n + k + done["sent"]) % 4]) for k in range(CHOICES)]
                    c.post(world["vote"], data={"idea": pick, "csrf_token": token})
                    c.post(world["survey"], data={**world["answers"], "csrf_token": token})
                    done["sent"] += 2
            except (httpx.TransportError, AssertionError):
                return  # the server is gone

    threads = [threading.Thread(target=voter, args=(n,)) for n in range(VOTERS)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while done["sent"] < 150 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(server.pid, signal.SIGKILL)  # in the middle of the load
    server.wait()
    stop.set()
    for t in threads:
        t.join()
    assert done["sent"] >= 150, "the load never got going"

    with town.session() as s:
        per_ballot = s.execute(
            select(Ballot.id, func.count(BallotChoice.id))
            .outerjoin(BallotChoice, BallotChoice.ballot_id == Ballot.id)
            .where(Ballot.module_id == world["call_id"])
            .group_by(Ballot.id)
        ).all()
        per_response = s.execute(
            select(Response.id, func.count(Answer.id))
            .outerjoin(Answer, Answer.response_id == Response.id)
            .where(Response.module_id == world["survey_id"])
            .group_by(Response.id)
        ).all()
    assert per_ballot and per_response
    assert {count for _id, count in per_ballot} == {CHOICES}, "a ballot is half-written"
    assert {count for _id, count in per_response} == {3}, "a response lacks answers"


def test_a_killed_outbox_worker_resumes_without_sending_a_mail_twice(
    town, parvis_config, smtp_server
):
    with town.session() as s:
        for n in range(150):
            queue_mail(s, f"r{n}@crash.test", f"Message {n}", "Body", town.town_id)
    toml = os.path.join(parvis_config.instance_dir, "parvis.toml")
    os.makedirs(parvis_config.instance_dir, exist_ok=True)
    with open(toml, "w") as fh:
        fh.write(
            f'database_url = "{parvis_config.database_url}"\n'
            f'secret_key = "{parvis_config.secret_key}"\n'
            f'instance_dir = "{parvis_config.instance_dir}"\nmail_backend = "smtp"\n'
            f'smtp_host = "127.0.0.1"\nsmtp_port = {smtp_server.port}\n'
        )
    worker = subprocess.Popen(
        [sys.executable, "-c", "from parvis.cli import main; main()", "--config", toml, "worker"]
    )
    deadline = time.monotonic() + 60
    while len(smtp_server.messages) < 40 and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    assert 40 <= len(smtp_server.messages) < 150, "kill the worker in the middle of its work"

    town.parvis.config.mail_backend = "smtp"
    town.parvis.config.smtp_port = smtp_server.port
    while send_pending(town.parvis):
        pass
    time.sleep(0.5)
    received = Counter(to for m in smtp_server.messages for to in m.to)
    assert max(received.values()) == 1, "a mail was sent twice"
    # At most the one mail in flight at the kill is missing (it may have left: never resent).
    assert len(received) >= 149
