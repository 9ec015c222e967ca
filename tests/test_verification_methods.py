"""Verification methods: the hook, the resident's page, letter codes, the town list, proofs,
the counter, moving a verification; what residents and other towns' staff may not do."""

from __future__ import annotations

import csv
import datetime as dt
import io
import types

import pytest
from sqlalchemy import select
from verification_helpers import areas, enable, english, key_of, listed, png_bytes

from parvis.api import PersonAlreadyVerified, VerificationMethod, hookimpl, verification_of
from parvis.models import AuditEntry, OutboxMail, User
from parvis.testing import form_errors, login, make_user, post_form
from parvis.verification.models import VerificationClaim

BORN = dt.date(1984, 6, 2)


@hookimpl
def parvis_verification_methods():
    return [
        VerificationMethod(
            "idcheck", "Online identity check", "Show your identity card to your webcam."
        )
    ]


def test_a_plugin_adds_a_method_and_towns_enable_methods_one_by_one(make_town):
    plugin = types.ModuleType("idcheck_plugin")
    plugin.parvis_verification_methods = parvis_verification_methods
    town = make_town(extra_plugins={"idcheck": plugin}, plugins=["idcheck"])
    enable(town, "idcheck", "letter")
    with town.session() as session:
        make_user(session, town.town_id, "r@example.org")
    with town.client() as client:
        login(client, "r@example.org")
        english(client)
        page = client.get("/verify").text
        assert "Online identity check" in page and "Show your identity card" in page
        assert "Letter code" in page and "/verify/letter" in page
        assert "Proof of address" not in page  # not enabled by this town
        assert client.get("/verify/proof").status_code == 404
        assert client.get("/verify/letter").status_code == 200
        # Staff see every method of the deployment, and save the town's choice.
        client.cookies.clear()
        login(client, town.admin_email, town.admin_password)
        english(client)
        settings = client.get("/admin/verification").text
        assert "Online identity check" in settings and "At the town hall" in settings
        post_form(
            client,
            "/admin/verification",
            [("methods", "proof"), ("months", "24")],
            page="/admin/verification",
        )
    with town.session() as session:
        entry = session.scalar(
            select(AuditEntry).where(AuditEntry.action == "verification.settings")
        )
        assert entry.details == {"methods": ["proof"], "months": 24}


def test_the_verify_page_needs_an_account_and_says_when_nothing_is_open(town, client, resident):
    assert client.get("/verify", follow_redirects=False).status_code == 303
    login(client, resident.email)
    english(client)
    assert "has not opened online verification yet" in client.get("/verify").text


def _letter_codes(town, client) -> dict[str, str]:
    """Staff make a batch and download it: {family name: code}."""
    login(client, town.admin_email, town.admin_password)
    r = post_form(
        client, "/admin/verification/letters", {"days": "60"}, page="/admin/verification/letters"
    )
    assert r.status_code == 303
    response = client.get("/admin/verification/letters/1.csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    for bad in ("²", "9" * 30, "0"):
        assert client.get(f"/admin/verification/letters/1/sheet?page={bad}").status_code == 200
    sheet = client.get("/admin/verification/letters/1/sheet").text
    codes = {row[0]: row[5] for row in rows[1:]}
    assert all(code in sheet for code in codes.values())
    client.cookies.clear()
    return codes


def test_a_letter_code_verifies_once_and_never_twice(town, client):
    (area,) = areas(town, "Les Tilleuls")
    enable(town, "letter")
    listed(town, "Lefèvre", "Ana", BORN, area)
    listed(town, "Martin", "Paul", dt.date(1990, 1, 1), area)
    codes = _letter_codes(town, client)
    assert set(codes) == {"Lefèvre", "Martin"}
    with town.session() as session:
        first = make_user(session, town.town_id, "ana@example.org")
        make_user(session, town.town_id, "other@example.org")
    login(client, "ana@example.org")
    english(client)
    data = {"code": codes["Lefèvre"].lower(), "birth_date": BORN.isoformat()}
    assert post_form(client, "/verify/letter", data, page="/verify/letter").status_code == 303
    with town.session() as session:
        verification = verification_of(session, session.get(User, first.id))
        assert verification.method == "letter" and verification.area_id == area
        assert verification.person_key == key_of(town, "Lefevre", "ana", BORN)
    # The same code, on another account: spent.
    client.cookies.clear()
    login(client, "other@example.org")
    english(client)
    again = post_form(client, "/verify/letter", data, page="/verify/letter")
    assert again.status_code == 400
    assert "already been used" in " ".join(form_errors(again.text))
    assert 'value="' + codes["Lefèvre"].lower() + '"' in again.text  # the input is kept
    # A wrong date of birth does not tell whether the code exists.
    wrong = post_form(
        client,
        "/verify/letter",
        {"code": codes["Martin"], "birth_date": "1990-01-02"},
        page="/verify/letter",
    )
    assert "do not match a letter" in " ".join(form_errors(wrong.text))


def test_guessing_letter_codes_is_throttled(town, client, resident):
    (area,) = areas(town, "Les Tilleuls")
    enable(town, "letter")
    listed(town, "Lefèvre", "Ana", BORN, area)
    codes = _letter_codes(town, client)
    login(client, resident.email)
    english(client)
    for attempt in range(5):
        guess = {"code": f"ABCDE-2345{attempt}", "birth_date": BORN.isoformat()}
        r = post_form(client, "/verify/letter", guess, page="/verify/letter")
        assert "do not match a letter" in " ".join(form_errors(r.text))
    # Even the right code is refused once the account tried too often.
    right = {"code": codes["Lefèvre"], "birth_date": BORN.isoformat()}
    r = post_form(client, "/verify/letter", right, page="/verify/letter")
    assert "Too many attempts" in " ".join(form_errors(r.text))
    with town.session() as session:
        assert verification_of(session, session.get(User, resident.id)) is None


def test_the_town_list_verifies_and_refuses_a_second_account_of_the_same_person(town, client):
    (area,) = areas(town, "Les Tilleuls")
    enable(town, "census")
    listed(town, "Lefèvre", "Ana", BORN, area, postcode="44100")
    with town.session() as session:
        make_user(session, town.town_id, "ana@example.org")
        make_user(session, town.town_id, "ana2@example.org")
    details = {
        "family_name": "LEFEVRE",
        "given_names": "ana",
        "birth_date": BORN.isoformat(),
        "postcode": "44 100",
    }
    login(client, "ana@example.org")
    english(client)
    wrong = post_form(client, "/verify/list", {**details, "postcode": "75001"}, page="/verify/list")
    assert "Nobody with these details" in " ".join(form_errors(wrong.text))
    assert post_form(client, "/verify/list", details, page="/verify/list").status_code == 303
    client.cookies.clear()
    login(client, "ana2@example.org")
    english(client)
    second = post_form(client, "/verify/list", details, page="/verify/list")
    message = " ".join(form_errors(second.text))
    assert "already verified on another account (a•••@e•••.org)" in message
    assert "Forgotten password" in message and "move the verification" in message


def test_a_proof_is_checked_then_refused_with_a_reason_then_accepted(town, client, resident):
    (area,) = areas(town, "Les Tilleuls")
    enable(town, "proof")
    login(client, resident.email)
    english(client)
    identity = {
        "family_name": "Resident",
        "given_names": "Rita",
        "birth_date": "1975-03-04",
        "area": str(area),
        "address": "2 rue Haute",
    }
    bad = client.post(
        "/verify/proof",
        data={**identity, "csrf_token": _csrf(client, "/verify/proof")},
        files={"proof": ("proof.exe", b"MZ\x90\x00 not an image", "application/octet-stream")},
    )
    assert bad.status_code == 400 and "not a photo" in " ".join(form_errors(bad.text))
    assert 'value="2 rue Haute"' in bad.text
    big = client.post(
        "/verify/proof",
        data={**identity, "csrf_token": _csrf(client, "/verify/proof")},
        files={"proof": ("big.pdf", b"%PDF-1.4" + b"0" * (5 * 1024 * 1024), "application/pdf")},
    )
    assert "larger than 5 MB" in " ".join(form_errors(big.text))
    sent = client.post(
        "/verify/proof",
        data={**identity, "csrf_token": _csrf(client, "/verify/proof")},
        files={"proof": ("bill.png", png_bytes(), "image/png")},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    client.cookies.clear()
    login(client, town.admin_email, town.admin_password)
    english(client)
    assert "Rita Resident" in client.get("/admin/verification/proofs").text or resident.email in (
        client.get("/admin/verification/proofs").text
    )
    proof = client.get(f"/admin/verification/account/{resident.id}/proof")
    assert proof.status_code == 200 and proof.headers["content-type"] == "image/jpeg"
    assert proof.headers["cache-control"] == "no-store"
    page = f"/admin/verification/account/{resident.id}"
    post_form(
        client, page + "/refuse", {"reason": "The bill is older than three months."}, page=page
    )
    with town.session() as session:
        claim = session.scalar(
            select(VerificationClaim).where(VerificationClaim.user_id == resident.id)
        )
        assert claim.status == "refused" and claim.proof_data is None
        mail = session.scalar(select(OutboxMail).where(OutboxMail.to_address == resident.email))
        assert "older than three months" in mail.body
    # The resident reads the reason, sends a new proof; staff accept it: the file is gone.
    client.cookies.clear()
    login(client, resident.email)
    english(client)
    assert "older than three months" in client.get("/verify").text
    client.post(
        "/verify/proof",
        data={**identity, "csrf_token": _csrf(client, "/verify/proof")},
        files={"proof": ("bill.png", png_bytes(), "image/png")},
        follow_redirects=False,
    )
    client.cookies.clear()
    login(client, town.admin_email, town.admin_password)
    accepted = post_form(client, page, identity, page=page)
    assert accepted.status_code == 303
    with town.session() as session:
        verification = verification_of(session, session.get(User, resident.id))
        assert verification.method == "proof" and verification.area_id == area
        assert session.scalar(select(VerificationClaim)) is None


def _csrf(client, page: str) -> str:
    from parvis.testing import csrf_token_from

    return csrf_token_from(client.get(page).text)


def test_staff_verify_at_the_counter_and_move_a_verification_to_another_account(town, client):
    (area,) = areas(town, "Les Tilleuls")
    with town.session() as session:
        old = make_user(session, town.town_id, "old@example.org", name="Ana (old)")
        new = make_user(session, town.town_id, "new@example.org", name="Ana")
    identity = {
        "family_name": "Lefèvre",
        "given_names": "Ana",
        "birth_date": BORN.isoformat(),
        "area": str(area),
    }
    login(client, town.admin_email, town.admin_password)
    english(client)
    found = client.get("/admin/verification/counter?q=ana").text
    assert "old@example.org" in found and "new@example.org" in found
    old_page = f"/admin/verification/account/{old.id}"
    assert post_form(client, old_page, identity, page=old_page).status_code == 303
    new_page = f"/admin/verification/account/{new.id}"
    refused = post_form(client, new_page, identity, page=new_page)
    assert refused.status_code == 400 and "old@example.org" in refused.text
    for bad in ("²", "9" * 30, "-1"):  # "²".isdigit() is true, int("²") fails: never a 500
        refused = post_form(client, new_page + "/transfer", {"holder": bad}, page=new_page)
        assert refused.status_code == 404, bad
    moved = post_form(client, new_page + "/transfer", {"holder": str(old.id)}, page=new_page)
    assert moved.status_code == 303
    with town.session() as session:
        assert verification_of(session, session.get(User, old.id)) is None
        assert verification_of(session, session.get(User, new.id)).area_id == area
        actions = set(session.scalars(select(AuditEntry.action)))
        assert {"verification.verify", "verification.transfer", "verification.search"} <= actions


STAFF_GETS = [
    "/admin/verification",
    "/admin/verification/counter?q=ana",
    "/admin/verification/account/{user}",
    "/admin/verification/account/{user}/proof",
    "/admin/verification/proofs",
    "/admin/verification/census",
    "/admin/verification/census/{imp}",
    "/admin/verification/census/{imp}/mapping",
    "/admin/verification/letters",
    "/admin/verification/letters/1.csv",
    "/admin/verification/letters/1/sheet",
]
STAFF_POSTS = [
    "/admin/verification",
    "/admin/verification/account/{user}",
    "/admin/verification/account/{user}/transfer",
    "/admin/verification/account/{user}/revoke",
    "/admin/verification/account/{user}/refuse",
    "/admin/verification/census",
    "/admin/verification/census/{imp}/mapping",
    "/admin/verification/census/purge",
    "/admin/verification/letters",
]


def test_every_staff_page_is_denied_to_residents_visitors_and_other_towns_staff(make_town, town):
    from parvis.verification.models import CensusImport

    with town.session() as session:
        target = make_user(session, town.town_id, "target@example.org", verified=True)
        imp = CensusImport(town_id=town.town_id, filename="l.csv", data=b"a,b,c\n1,2,3\n")
        session.add(imp)
        session.flush()
        ids = {"user": target.id, "imp": imp.id}
        make_user(session, town.town_id, "plain@example.org")
    other = make_town("autre.test", app=town.app)
    urls = [u.format(**ids) for u in STAFF_GETS]
    posts = [u.format(**ids) for u in STAFF_POSTS]
    with town.client() as client:
        for url in urls:
            assert client.get(url, follow_redirects=False).status_code == 303, url  # log in
        login(client, "plain@example.org")
        for url in urls:
            assert client.get(url).status_code == 403, url
        for url in posts:
            assert post_form(client, url, {"holder": "1", "reason": "x"}).status_code == 403, url
    # Another town's administrator, on their own site, cannot reach this town's records.
    with other.client() as client:
        login(client, other.admin_email, other.admin_password)
        for url in urls[2:4] + urls[6:8]:
            assert client.get(url).status_code == 404, url
        assert client.get("/admin/verification").status_code == 200
    with town.session() as session:
        assert verification_of(session, session.get(User, target.id)) is not None


@pytest.mark.postgres_only
def test_two_accounts_racing_for_one_letter_code_only_one_is_verified(town):
    import threading

    from parvis.verification import letters

    (area,) = areas(town, "Les Tilleuls")
    entry_id = listed(town, "Lefèvre", "Ana", BORN, area)
    secret = town.parvis.config.secret_key
    with town.session() as session:
        batch, _ = letters.generate(session, secret, town.town_id, 30)
        code = letters.code_for(secret, town.town_id, batch, entry_id)
        ids = [make_user(session, town.town_id, f"race{i}@example.org").id for i in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(user_id: int) -> None:
        try:
            with town.session() as session:
                user = session.get(User, user_id)
                barrier.wait()
                letters.redeem(session, secret, user, code, BORN, None)
            outcomes.append("verified")
        except (letters.LetterRefused, PersonAlreadyVerified):
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "verified"]
