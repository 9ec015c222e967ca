"""The verification API plugins build on: records, person keys, eligibility, the role."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from parvis import i18n
from parvis.accounts.services import delete_account, export_data
from parvis.api import (
    VERIFIED,
    PersonAlreadyVerified,
    Verification,
    eligible,
    verification_of,
    verify_user,
)
from parvis.models import Area, Town, User
from parvis.permissions import load_actor
from parvis.testing import login, make_user, post_form, verify
from parvis.verification.eligibility import age_on
from parvis.verification.records import person_key

KEY_A = "a" * 64


def _area(session, town_id, slug="tilleuls", name="Les Tilleuls"):
    area = Area(town_id=town_id, slug=slug, name=name)
    session.add(area)
    session.flush()
    return area


def _roles(session, user):
    return load_actor(session, session.get(Town, user.town_id), user).town_roles


@pytest.mark.parametrize(
    ("on", "age"),
    [
        (dt.date(2027, 3, 13), 15),  # the day before the 16th birthday
        (dt.date(2027, 3, 14), 16),  # the day of
        (dt.date(2027, 3, 15), 16),  # the day after
    ],
)
def test_age_is_reached_on_the_birthday(on, age):
    assert age_on(dt.date(2011, 3, 14), on) == age


def test_born_on_29_february_has_their_birthday_on_1_march_in_other_years():
    born = dt.date(2008, 2, 29)
    assert age_on(born, dt.date(2026, 2, 28)) == 17
    assert age_on(born, dt.date(2026, 3, 1)) == 18
    assert age_on(born, dt.date(2028, 2, 28)) == 19
    assert age_on(born, dt.date(2028, 2, 29)) == 20


def test_eligibility_by_age_on_a_date_with_a_readable_reason(town):
    with town.session() as session:
        user = make_user(
            session,
            town.town_id,
            "young@example.org",
            verified=True,
            birth_date=dt.date(2011, 3, 14),
        )
        day_before, day_of, day_after = (dt.date(2027, 3, d) for d in (13, 14, 15))
        with i18n.use_locale(town.parvis.catalogs, "fr"):
            refused = eligible(session, user, min_age=16, on=day_before)
            assert not refused
            assert refused.reason == "Vous devez avoir 16 ans le 13 mars 2027."
        with i18n.use_locale(town.parvis.catalogs, "en"):
            assert eligible(session, user, min_age=16, on=day_before).reason == (
                "You must be 16 on 13 March 2027."
            )
        assert eligible(session, user, min_age=16, on=day_of)
        assert eligible(session, user, min_age=16, on=day_after)
        leap = make_user(
            session,
            town.town_id,
            "leap@example.org",
            verified=True,
            birth_date=dt.date(2008, 2, 29),
        )
        assert not eligible(session, leap, min_age=19, on=dt.date(2027, 2, 28))
        assert eligible(session, leap, min_age=19, on=dt.date(2027, 3, 1))


def test_eligibility_refusals_say_why(town):
    with town.session() as session:
        here = _area(session, town.town_id)
        there = _area(session, town.town_id, "gare", "Gare")
        plain = make_user(session, town.town_id, "plain@example.org", area=here)
        elsewhere = make_user(session, town.town_id, "far@example.org", verified=True, area=there)
        no_birth = make_user(session, town.town_id, "nobirth@example.org", verified=True, area=here)
        with i18n.use_locale(town.parvis.catalogs, "en"):
            assert eligible(session, None).reason == "Log in to take part."
            assert eligible(session, plain, area_id=here.id).reason == (
                "Only verified residents of Les Tilleuls may take part: verify your residence "
                "first."
            )
            far = eligible(session, elsewhere, area_id=here.id)
            assert not far and "verified in another neighbourhood" in far.reason
            assert far.person_key == verification_of(session, elsewhere).person_key
            assert "has no birth date" in eligible(session, no_birth, min_age=16).reason
        with i18n.use_locale(town.parvis.catalogs, "fr"):
            assert eligible(session, None).reason == "Connectez-vous pour participer."
        ok = eligible(session, no_birth, area_id=here.id)
        assert (
            ok
            and ok.reason == ""
            and ok.person_key == verification_of(session, no_birth).person_key
        )
        # The answer names the verification's neighbourhood, refused or not (a caller picking a
        # constituency by neighbourhood reads the verification once).
        assert (ok.area_id, far.area_id, eligible(session, plain).area_id) == (
            here.id,
            there.id,
            None,
        )
        assert eligible(session, no_birth, min_age=16).area_id == here.id


def test_census_identities_of_person_keys(town):
    from parvis.api import census_identities
    from parvis.verification.models import CensusEntry

    born = dt.date(1980, 2, 3)
    key = person_key(
        town.parvis.config.secret_key,
        town.town_id,
        family_name="Lefèvre",
        given_names="Ana Maria",
        birth_date=born,
    )
    with town.session() as session:
        listed = dict(family_name="Lefèvre", given_names="Ana Maria", birth_date=born)
        session.add(CensusEntry(town_id=town.town_id, person_key=key, **listed))
        session.add(
            CensusEntry(
                town_id=town.town_id,
                person_key="p" * 64,
                birth_date=born,
                purged_at=dt.datetime.now(dt.UTC),
            )
        )
        session.flush()
        found = census_identities(session, town.town_id, [key, KEY_A, "p" * 64, key])
        assert list(found) == [key]  # unknown and purged keys are missing
        assert found[key].family_name == "Lefèvre" and found[key].birth_date == born
        assert census_identities(session, town.town_id + 1, [key]) == {}


def test_an_expired_verification_is_not_live_and_says_so(town):
    with town.session() as session:
        user = make_user(session, town.town_id, "old@example.org")
        verify_user(
            session,
            user,
            person_key=KEY_A,
            method="letter",
            area_id=None,
            birth_date=None,
            expires_at=dt.datetime(2020, 6, 30, 12, tzinfo=dt.UTC),
        )
        assert verification_of(session, user) is None
        assert VERIFIED not in _roles(session, user)
        with i18n.use_locale(town.parvis.catalogs, "en"):
            assert "expired on 30 June 2020" in eligible(session, user).reason
        # The expired row no longer holds the person: another account may take it.
        other = make_user(session, town.town_id, "new@example.org")
        verify_user(
            session, other, person_key=KEY_A, method="counter", area_id=None, birth_date=None
        )
        assert VERIFIED in _roles(session, other)


def test_a_second_account_cannot_be_verified_as_the_same_person(town):
    with town.session() as session:
        first = make_user(
            session, town.town_id, "first@example.org", verified=True, person_key=KEY_A
        )
        second = make_user(session, town.town_id, "second@example.org")
        with pytest.raises(PersonAlreadyVerified) as refused:
            verify(session, second, person_key=KEY_A)
        assert refused.value.holder_user_id == first.id
        assert verification_of(session, second) is None
        assert verification_of(session, first).person_key == KEY_A
        # make_user refuses it too: the contract's way to build two accounts of one person.
        with pytest.raises(PersonAlreadyVerified):
            make_user(session, town.town_id, "third@example.org", verified=True, person_key=KEY_A)


def test_the_same_person_in_another_town_is_another_key(town, make_town):
    other = make_town("autre.test", app=town.app)
    born = dt.date(1990, 5, 17)
    secret = town.parvis.config.secret_key
    key = person_key(
        secret, town.town_id, family_name="Lefèvre", given_names="Ana", birth_date=born
    )
    assert key == person_key(
        secret, town.town_id, family_name="LEFEVRE", given_names=" ana ", birth_date=born
    )
    assert len(key) == 64 and int(key, 16) >= 0
    assert key != person_key(
        secret, other.town_id, family_name="Lefèvre", given_names="Ana", birth_date=born
    )
    assert key != person_key(
        secret,
        town.town_id,
        family_name="Lefèvre",
        given_names="Ana",
        birth_date=born.replace(day=18),
    )


def test_verifying_again_replaces_the_previous_verification(town):
    with town.session() as session:
        area = _area(session, town.town_id)
        user = make_user(session, town.town_id, "again@example.org", verified=True)
        first = verification_of(session, user)
        second = verify(session, user, area=area, person_key=first.person_key)
        assert verification_of(session, user).id == second.id
        assert first.ended_at is not None and first.end_reason == "replaced"


def test_the_verified_role_follows_a_live_verification(town, client):
    with town.session() as session:
        user = make_user(session, town.town_id, "role@example.org")
        assert VERIFIED not in _roles(session, user)
        verify(session, user)
        assert VERIFIED in _roles(session, user)
        verification_of(session, user).ended_at = dt.datetime.now(dt.UTC)
        session.flush()
        assert VERIFIED not in _roles(session, user)


def test_deleting_the_account_keeps_the_person_keys_history_only(town):
    born = dt.date(1980, 1, 2)
    with town.session() as session:
        user = make_user(
            session,
            town.town_id,
            "gone@example.org",
            verified=True,
            person_key=KEY_A,
            birth_date=born,
        )
        assert (
            export_data(session, town.parvis.pm, user)["verification"]["verifications"][0][
                "person_key"
            ]
            == KEY_A
        )
        delete_account(session, town.parvis.pm, user)
    with town.session() as session:
        row = session.scalar(select(Verification).where(Verification.person_key == KEY_A))
        assert row.user_id is None and row.birth_date is None
        assert row.ended_at is not None and row.end_reason == "account_deleted"
        # The person may verify a new account.
        again = make_user(
            session, town.town_id, "back@example.org", verified=True, person_key=KEY_A
        )
        assert verification_of(session, again).person_key == KEY_A


def test_staff_verify_from_the_roles_page_at_the_counter_and_unverify(town, client, resident):
    login(client, town.admin_email, town.admin_password)
    r = post_form(
        client, "/admin/roles", {"email": resident.email, "role": "verified"}, page="/admin/roles"
    )
    # Verifying records who the person is: the roles page sends staff to the counter page.
    assert r.status_code == 303
    assert r.headers["location"] == f"/admin/verification/account/{resident.id}"
    with town.session() as session:
        verify(session, session.get(User, resident.id))
    assert resident.email in client.get("/admin/roles").text
    post_form(client, f"/admin/verified/{resident.id}/revoke", page="/admin/roles")
    with town.session() as session:
        user = session.get(User, resident.id)
        assert verification_of(session, user) is None
        assert VERIFIED not in _roles(session, user)


@pytest.mark.postgres_only
def test_two_accounts_racing_for_one_person_only_one_wins(town):
    with town.session() as session:
        ids = [make_user(session, town.town_id, f"race{i}@example.org").id for i in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(user_id: int) -> None:
        try:
            with town.session() as session:
                user = session.get(User, user_id)
                barrier.wait()
                verify(session, user, person_key=KEY_A)
            outcomes.append("ok")
        except PersonAlreadyVerified:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]
    with town.session() as session:
        live = session.scalars(
            select(Verification).where(
                Verification.person_key == KEY_A, Verification.ended_at.is_(None)
            )
        ).all()
        assert len(live) == 1
