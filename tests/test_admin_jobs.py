"""/admin/jobs: a town's failed and stuck background jobs, for its town admins only, with a
"try again" that requeues a failed job (CSRF-protected, audited). Never another town's jobs, nor
jobs of no town; e-mail addresses in errors are cut to their domain."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from parvis.admin.jobs_views import SHOWN
from parvis.api import run_jobs
from parvis.db import utcnow
from parvis.models import Job
from parvis.testing import audit_entries, login, make_space_with_module, make_user, post_form

PAGE = "/admin/jobs"


def _job(town: Any, town_id: int | None = None, **values: Any) -> int:
    ago = values.pop("ago", dt.timedelta(0))
    values.setdefault("name", "core.mail")
    with town.session() as session:
        job = Job(town_id=town_id, run_after=utcnow() - ago, started_at=utcnow() - ago, **values)
        session.add(job)
        session.flush()
        return job.id


@pytest.fixture
def jobs(town: Any, make_town: Any) -> dict[str, int]:
    other = make_town("autre.test", app=town.app)
    hour = dt.timedelta(hours=1)
    return {
        "failed": _job(
            town,
            town.town_id,
            status="failed",
            attempts=5,
            last_error="550 <camille.dupont@exemple.fr>: mailbox full " + "x" * 300,
        ),
        "stuck": _job(town, town.town_id, status="running", attempts=1, ago=2 * hour),
        "waiting": _job(town, town.town_id, status="pending", ago=2 * hour),
        "fresh": _job(town, town.town_id, status="running", attempts=1, last_error="fresh one"),
        "done": _job(town, town.town_id, status="done", attempts=1, last_error="done one"),
        "theirs": _job(town, other.town_id, status="failed", attempts=5, last_error="theirs"),
        "nobody's": _job(town, None, status="failed", attempts=5, last_error="deployment"),
    }


def _status(town: Any, job_id: int) -> tuple[str, int]:
    with town.session() as session:
        job = session.get(Job, job_id)
        return job.status, job.attempts


def test_town_admins_see_this_towns_failed_and_stuck_jobs_in_french(town, client, jobs):
    login(client, town.admin_email, town.admin_password)
    assert 'href="/admin/jobs"' in client.get("/admin").text
    html = client.get(PAGE).text
    assert "<h1>Tâches de fond</h1>" in html and html.count("Envoi d&#39;un e-mail") == 3
    for shown in ("Échouée", "Bloquée en cours d'exécution", "En attente d'exécution"):
        assert shown in html
    assert "550 &lt;…@exemple.fr&gt;: mailbox full" in html and "camille" not in html
    assert "x" * 200 not in html, "the error is shortened"
    for hidden in ("fresh one", "done one", "theirs", "deployment"):
        assert hidden not in html
    assert html.count("Relancer") == 1
    assert f"/admin/jobs/{jobs['failed']}/retry" in html


def test_only_town_admins_open_the_page(town, jobs):
    space = make_space_with_module(town, "survey", phase="open")
    with town.session() as session:
        make_user(session, town.town_id, "resident@example.org")
        make_user(session, town.town_id, "sa@example.org", roles=(f"space_admin@{space.space_id}",))
    retry = f"/admin/jobs/{jobs['failed']}/retry"
    with town.client() as client:
        visitor = client.get(PAGE, follow_redirects=False)
        assert visitor.status_code == 303 and "/login" in visitor.headers["location"]
        assert post_form(client, retry, page="/login").status_code == 303
        login(client, "resident@example.org")
        assert client.get(PAGE).status_code == 403
        assert post_form(client, retry).status_code == 403
    with town.client() as client:
        login(client, "sa@example.org")
        assert client.get(PAGE).status_code == 403
        assert post_form(client, retry, page="/admin").status_code == 403
        assert "/admin/jobs" not in client.get("/admin").text
    assert _status(town, jobs["failed"]) == ("failed", 5)
    assert audit_entries(town, "job.retry") == []


def test_try_again_requeues_a_failed_job_of_this_town_only(town, client, jobs):
    login(client, town.admin_email, town.admin_password)
    for job_id in (jobs["theirs"], jobs["nobody's"], 987654):
        assert post_form(client, f"/admin/jobs/{job_id}/retry", page=PAGE).status_code == 404
    assert post_form(client, "/admin/jobs/abc/retry", page=PAGE).status_code == 404
    assert _status(town, jobs["theirs"]) == ("failed", 5)
    # Without the CSRF token: refused.
    assert client.post(f"/admin/jobs/{jobs['failed']}/retry").status_code == 403
    for kept in ("stuck", "done"):
        response = post_form(client, f"/admin/jobs/{jobs[kept]}/retry", page=PAGE)
        assert response.status_code == 303
        assert "Seule une tâche qui a échoué peut être relancée." in client.get(PAGE).text
    assert _status(town, jobs["stuck"]) == ("running", 1)
    assert _status(town, jobs["done"]) == ("done", 1)
    assert audit_entries(town, "job.retry") == []
    post_form(client, f"/admin/jobs/{jobs['failed']}/retry", page=PAGE)
    html = client.get(PAGE).text
    assert "La tâche sera relancée dans un instant." in html and "Relancer" not in html
    assert _status(town, jobs["failed"]) == ("pending", 0)
    [entry] = audit_entries(town, "job.retry")
    assert entry.target == "core.mail" and entry.details == {"job_id": jobs["failed"]}
    assert "a relancé la tâche de fond core.mail" in client.get("/admin/audit").text
    assert run_jobs(town.parvis, names=["core.mail"]) >= 1
    assert _status(town, jobs["failed"]) == ("done", 1)


def test_a_failed_job_whose_key_is_taken_again_is_not_requeued(town, client):
    failed = _job(town, town.town_id, status="failed", attempts=5, dedupe_key="k")
    _job(town, town.town_id, status="pending", dedupe_key="k")
    login(client, town.admin_email, town.admin_password)
    post_form(client, f"/admin/jobs/{failed}/retry", page=PAGE)
    assert "La même tâche est déjà en attente ou en cours." in client.get(PAGE).text
    assert _status(town, failed) == ("failed", 5)


def test_a_failed_job_that_cannot_run_again_offers_no_try_again(town, client):
    # A census import's file is gone once it failed: trying its job again could do nothing.
    failed = _job(
        town, town.town_id, name="verification.census_import", status="failed", attempts=1
    )
    login(client, town.admin_email, town.admin_password)
    html = client.get(PAGE).text
    assert "Import de la liste de la ville" in html or "verification.census_import" in html
    assert "Relancer" not in html
    assert "ne peut pas être relancée" in html
    post_form(client, f"/admin/jobs/{failed}/retry", page=PAGE)
    assert "ne peut pas être relancée" in client.get(PAGE).text
    assert _status(town, failed) == ("failed", 1)
    assert audit_entries(town, "job.retry") == []


def test_try_all_again_requeues_this_towns_failed_jobs_that_can_run_again(town, client, jobs):
    # After an outage of the mail server: one click, not one per e-mail.
    second = _job(town, town.town_id, status="failed", attempts=5)
    census = _job(
        town, town.town_id, name="verification.census_import", status="failed", attempts=1
    )
    taken = _job(town, town.town_id, status="failed", attempts=5, dedupe_key="k")
    _job(town, town.town_id, status="pending", dedupe_key="k")
    login(client, town.admin_email, town.admin_password)
    html = client.get(PAGE).text
    assert "Relancer les 3 tâches échouées" in html
    # Without the CSRF token: refused, nothing queued.
    assert client.post("/admin/jobs/retry-failed").status_code == 403
    assert _status(town, second) == ("failed", 5)
    post_form(client, "/admin/jobs/retry-failed", page=PAGE)
    assert "2 tâches seront relancées dans un instant." in client.get(PAGE).text
    assert _status(town, jobs["failed"]) == ("pending", 0)
    assert _status(town, second) == ("pending", 0)
    for kept, status in ((census, ("failed", 1)), (taken, ("failed", 5))):
        assert _status(town, kept) == status
    assert _status(town, jobs["theirs"]) == ("failed", 5)
    assert _status(town, jobs["nobody's"]) == ("failed", 5)
    [entry] = audit_entries(town, "job.retry_all")
    assert entry.details == {"count": 2}
    post_form(client, "/admin/jobs/retry-failed", page=PAGE)
    assert "Aucune tâche échouée ne peut être relancée." in client.get(PAGE).text
    assert len(audit_entries(town, "job.retry_all")) == 1


def test_only_town_admins_try_all_again(town, jobs):
    with town.session() as session:
        make_user(session, town.town_id, "resident@example.org")
    with town.client() as client:
        login(client, "resident@example.org")
        assert post_form(client, "/admin/jobs/retry-failed", page="/").status_code == 403
    assert _status(town, jobs["failed"]) == ("failed", 5)
    assert audit_entries(town, "job.retry_all") == []


def test_the_page_says_how_many_jobs_it_does_not_show(town, client):
    with town.session() as session:
        session.add_all(
            Job(town_id=town.town_id, name="core.mail", status="failed", attempts=5)
            for _ in range(SHOWN + 3)
        )
    login(client, town.admin_email, town.admin_password)
    html = client.get(PAGE).text
    assert html.count('class="job-line"') == SHOWN
    assert f"Les {SHOWN} plus récentes des {SHOWN + 3} tâches sont affichées." in html
