"""The town list: upload, column mapping, import with an error per line, re-import (who left or
moved loses a census-based verification, with an e-mail), purge, GDPR export."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import func, select
from verification_helpers import areas, enable, english, key_of

from parvis.accounts.services import export_data
from parvis.api import enqueue_job, run_jobs, verification_of, verify_user
from parvis.models import OutboxMail, User
from parvis.testing import (
    csrf_token_from,
    form_errors,
    leave_jobs_running,
    login,
    make_user,
    post_form,
)
from parvis.verification.census_import import run_import
from parvis.verification.models import CensusEntry, CensusImport
from parvis.verification.views_census import CENSUS_JOB as JOB


def _queued(town, data: bytes, mapping: dict, delimiter: str = ",") -> int:
    with town.session() as session:
        imp = CensusImport(
            town_id=town.town_id,
            filename="liste.csv",
            data=data,
            encoding="utf-8-sig",
            delimiter=delimiter,
            mapping=mapping,
            status="queued",
        )
        session.add(imp)
        session.flush()
        return imp.id


MAPPING = {"family_name": 0, "given_names": 1, "birth_date": 2, "postcode": 3, "area": 4}


def _csv(rows: list[tuple[str, ...]]) -> bytes:
    lines = ["nom,prenoms,naissance,cp,quartier", *(",".join(r) for r in rows)]
    return ("\n".join(lines) + "\n").encode()


def test_staff_upload_map_columns_and_see_every_bad_line(town, client):
    areas(town, "Les Tilleuls", "Port-Neuf")
    data = (
        "NOM;Prénoms;Date de naissance;Code postal;Quartier\n"
        "Lefèvre;Ana;02/06/1984;44100;Les Tilleuls\n"
        "Martin;Paul;1990-13-01;44100;Les Tilleuls\n"
        ";Zoé;01/01/2000;44100;Port-Neuf\n"
        "Durand;Léo;03/03/1970;44100;Atlantis\n"
        "LEFEVRE;ana;02/06/1984;44100;Port-Neuf\n"
        "Nguyen;Minh;04/04/1980;44200;port-neuf\n"
    ).encode("cp1252")
    login(client, town.admin_email, town.admin_password)
    english(client)
    bad = client.post(
        "/admin/verification/census",
        data={"csrf_token": csrf_token_from(client.get("/admin/verification/census").text)},
        files={"file": ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "image/png")},
    )
    assert bad.status_code == 400 and form_errors(bad.text)
    sent = client.post(
        "/admin/verification/census",
        data={"csrf_token": csrf_token_from(client.get("/admin/verification/census").text)},
        files={"file": ("liste.csv", data, "text/csv")},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    mapping_url = sent.headers["location"]
    page = client.get(mapping_url).text
    assert "Lefèvre" in page and "Prénoms" in page  # read as Windows-1252, sample shown
    # The columns are guessed from their headings; staff confirm.
    form = {"family_name": "0", "given_names": "1", "birth_date": "2", "postcode": "3", "area": "4"}
    assert (
        post_form(client, mapping_url, {**form, "given_names": "0"}, page=mapping_url).status_code
        == 400
    )
    started = post_form(client, mapping_url, form, page=mapping_url)
    assert started.status_code == 303
    import_id = int(mapping_url.rstrip("/").split("/")[-2])
    assert run_jobs(town.parvis) == 1  # core's job queue runs the import, outside the request
    with town.session() as session:
        imp = session.get(CensusImport, import_id)
        assert (imp.status, imp.imported_rows, imp.error_count) == ("done", 2, 4)
        assert imp.data is None  # the file is not kept
    report = client.get(f"/admin/verification/census/{import_id}").text
    assert "1990-13-01" in report and "Atlantis" in report and "Same person as line 2" in report
    assert "The family name or the given names are missing." in report


def test_fifty_thousand_rows_import_with_bad_lines_reported(town):
    areas(town, "Les Tilleuls", "Port-Neuf")
    rng = random.Random(8)
    rows = []
    bad_lines = set()
    for n in range(50_000):
        birth = dt.date(1930, 1, 1) + dt.timedelta(days=rng.randrange(30_000))
        row = (
            f"Nom{n}",
            f"Prénom{n}",
            birth.strftime("%d/%m/%Y"),
            "44100",
            rng.choice(["Les Tilleuls", "Port-Neuf"]),
        )
        if n % 1000 == 7:
            row = (row[0], row[1], "31/02/1990", row[3], row[4])
            bad_lines.add(n + 2)
        rows.append(row)
    import_id = _queued(town, _csv(rows), MAPPING)
    run_import(town.parvis, import_id)
    with town.session() as session:
        imp = session.get(CensusImport, import_id)
        assert imp.status == "done"
        assert (imp.processed_rows, imp.imported_rows, imp.error_count) == (50_000, 49_950, 50)
        assert {line for line, _code, _params in imp.errors} == bad_lines
        count = session.scalar(select(func.count(CensusEntry.id)))
        assert count == 49_950


def test_reimport_ends_census_verifications_of_people_who_left_or_moved_with_an_email(town):
    tilleuls, _port = areas(town, "Les Tilleuls", "Port-Neuf")
    enable(town, "census")
    people = [
        ("Lefèvre", "Ana", "02/06/1984", "44100", "Les Tilleuls"),
        ("Martin", "Paul", "01/01/1990", "44100", "Les Tilleuls"),
        ("Durand", "Léo", "03/03/1970", "44100", "Les Tilleuls"),
    ]
    run_import(town.parvis, _queued(town, _csv(people), MAPPING))
    with town.session() as session:
        users = {}
        for family, given, born, *_rest in people:
            user = make_user(session, town.town_id, f"{given.lower()}@example.org", locale="en")
            birth = dt.datetime.strptime(born, "%d/%m/%Y").date()
            verify_user(
                session,
                user,
                person_key=key_of(town, family, given, birth),
                method="census" if given != "Léo" else "counter",
                area_id=tilleuls,
                birth_date=birth,
            )
            users[given] = user.id
    # Ana left, Paul moved; Léo, verified at the counter, is no longer listed either.
    second = [("Martin", "Paul", "01/01/1990", "44100", "Port-Neuf")]
    run_import(town.parvis, _queued(town, _csv(second * 1), MAPPING))
    with town.session() as session:
        ana, paul, leo = (session.get(User, users[n]) for n in ("Ana", "Paul", "Léo"))
        assert verification_of(session, ana) is None
        assert verification_of(session, paul) is None
        assert verification_of(session, leo) is not None  # not from the list: kept
        mails = {m.to_address: m for m in session.scalars(select(OutboxMail))}
        assert "no longer on the town's list" in mails["ana@example.org"].body
        assert "another neighbourhood" in mails["paul@example.org"].body
        assert "leo@example.org" not in mails
        assert session.scalar(select(func.count(CensusEntry.id))) == 1


def test_a_file_with_too_many_bad_lines_marks_nobody_as_left(town):
    areas(town, "Les Tilleuls")
    run_import(
        town.parvis,
        _queued(town, _csv([("A", "B", "01/01/1990", "44100", "Les Tilleuls")]), MAPPING),
    )
    wrong = _csv(
        [
            ("A", "B", "not a date", "44100", "Les Tilleuls"),
            ("C", "D", "x", "44100", "Les Tilleuls"),
        ]
    )
    import_id = _queued(town, wrong, MAPPING)
    run_import(town.parvis, import_id)
    with town.session() as session:
        assert session.scalar(select(func.count(CensusEntry.id))) == 1
        imp = session.get(CensusImport, import_id)
        assert imp.errors[0][:2] == [0, "too_many_errors"]


def test_purge_keeps_keys_and_the_export_gives_a_resident_their_entry(town, client):
    (tilleuls,) = areas(town, "Les Tilleuls")
    run_import(
        town.parvis,
        _queued(town, _csv([("Lefèvre", "Ana", "02/06/1984", "44100", "Les Tilleuls")]), MAPPING),
    )
    born = dt.date(1984, 6, 2)
    with town.session() as session:
        ana = make_user(session, town.town_id, "ana@example.org")
        verify_user(
            session,
            ana,
            person_key=key_of(town, "Lefèvre", "Ana", born),
            method="census",
            area_id=tilleuls,
            birth_date=born,
        )
        exported = export_data(session, town.parvis.pm, ana)["verification"]
        assert exported["census_entries"][0]["family_name"] == "Lefèvre"
    login(client, town.admin_email, town.admin_password)
    post_form(client, "/admin/verification/census/purge", page="/admin/verification/census")
    with town.session() as session:
        entry = session.scalar(select(CensusEntry))
        assert entry.family_name == "" and entry.address == "" and entry.purged_at is not None
        assert entry.person_key == key_of(town, "Lefevre", "ANA", born)
        assert verification_of(session, session.get(User, ana.id)) is not None


def test_an_import_whose_worker_died_is_failed_once_its_lease_expired(town):
    import_id = _queued(town, _csv([("Martin", "Léa", "1990-01-02", "44000", "Centre")]), MAPPING)
    with town.session() as session:
        enqueue_job(
            session, "verification.census_import", {"import": import_id}, town_id=town.town_id
        )
        session.get(CensusImport, import_id).status = "running"  # taken, then the worker was killed
    leave_jobs_running(town, JOB, seconds_ago=600)
    assert run_jobs(town.parvis) == 0
    with town.session() as session:
        assert session.get(CensusImport, import_id).status == "running"
    leave_jobs_running(town, JOB, seconds_ago=3601)
    assert run_jobs(town.parvis) == 0
    with town.session() as session:
        imp = session.get(CensusImport, import_id)
        assert (imp.status, imp.errors[0][1], imp.data) == ("failed", "crashed", None)
