"""Voting: only eligible residents see the ballot, one ballot per person, confirmation, receipt;
and every denial (neighbourhood, age, unverified, second account, phase, days, forged ids,
another town)."""

from __future__ import annotations

import datetime as dt

from election_helpers import cast, make_election, sign_in, text, voter
from sqlalchemy import func, select

from parvis.api import Area, User, Verification, utcnow, verify_user
from parvis.testing import make_user, post_form, second_worker
from parvis_election.models import Ballot, Participation


def _counts(town):
    with town.session() as session:
        return (
            session.scalar(select(func.count()).select_from(Participation)),
            session.scalar(select(func.count()).select_from(Ballot)),
        )


def test_eligible_resident_reviews_confirms_and_gets_a_receipt(town, client):
    election = make_election(town, method="block", seats=2)
    voter(town, "ana@example.org", election)
    sign_in(client, "ana@example.org")
    page = client.get(election.url + "vote")
    assert page.status_code == 200
    nord = election.candidates["nord"]
    assert f'value="{nord[0]}"' in page.text and "Sud 1" not in page.text
    url = election.url + "vote"
    review = post_form(
        client, url, [("candidate", nord[0]), ("candidate", nord[2]), ("step", "review")], page=url
    )
    assert review.status_code == 200
    assert "Nord 1" in text(review.text) and "Nord 3" in text(review.text)
    assert _counts(town) == (0, 0)  # nothing is cast before the confirmation
    done = post_form(
        client, url, [("candidate", nord[0]), ("candidate", nord[2]), ("step", "cast")], page=url
    )
    assert done.status_code == 303 and done.headers["location"].endswith("/receipt")
    receipt = client.get(done.headers["location"])
    assert "Votre vote est enregistré" in receipt.text or "Your vote is recorded" in receipt.text
    assert "Nord 1" not in text(receipt.text)  # the receipt never shows the choices
    assert _counts(town) == (1, 1)
    with town.session() as session:
        stored = session.scalar(select(Ballot.choices))
        assert sorted(int(c) for c in stored.split()) == sorted([nord[0], nord[2]])
    # Back on the ballot: straight to the receipt, no second ballot.
    assert client.get(url, follow_redirects=False).headers["location"].endswith("/receipt")
    again = post_form(client, url, [("candidate", nord[1]), ("step", "cast")], page=election.url)
    assert again.status_code == 303
    assert _counts(town) == (1, 1)


def test_change_step_brings_the_ballot_back_with_the_choices(town, client):
    election = make_election(town)
    voter(town, "ana@example.org", election)
    sign_in(client, "ana@example.org")
    url = election.url + "vote"
    first = election.candidates["nord"][1]
    page = post_form(client, url, [("candidate", first), ("step", "change")], page=url)
    assert page.status_code == 200
    assert f'value="{first}" checked' in page.text
    assert _counts(town) == (0, 0)


def test_second_account_of_the_same_person_cannot_vote_again(town, client):
    election = make_election(town)
    key = "a" * 64
    voter(town, "one@example.org", election, person_key=key)
    voter(town, "two@example.org", election, verified=False)
    sign_in(client, "one@example.org")
    assert (
        cast(client, election, [("candidate", election.candidates["nord"][0])]).status_code == 303
    )
    with town.session() as session:
        # The person's verification moves to their second account: same person key.
        first = session.scalar(select(User).where(User.email == "one@example.org"))
        live = session.scalar(select(Verification).where(Verification.user_id == first.id))
        live.ended_at = utcnow()
        session.flush()
        second = session.scalar(select(User).where(User.email == "two@example.org"))
        verify_user(
            session,
            second,
            person_key=key,
            method="counter",
            area_id=election.areas["nord"],
            birth_date=dt.date(1990, 5, 17),
        )
    sign_in(client, "two@example.org")
    response = cast(client, election, [("candidate", election.candidates["nord"][1])])
    assert response.status_code == 303 and response.headers["location"].endswith("/receipt")
    assert _counts(town) == (1, 1)


def test_resident_of_another_neighbourhood_has_no_ballot(town, client):
    election = make_election(town, areas=("nord", "sud"))
    voter(town, "zoe@example.org", election, area="sud")
    with town.session() as session:
        session.add(Area(town_id=town.town_id, slug="est", name="Est"))
    with town.session() as session:
        est = session.scalar(select(Area).where(Area.slug == "est"))
        user = make_user(session, town.town_id, "est@example.org", area_id=est.id)
        verify_user(
            session,
            user,
            person_key="e" * 64,
            method="counter",
            area_id=est.id,
            birth_date=dt.date(1980, 1, 1),
        )
    sign_in(client, "est@example.org")
    page = client.get(election.url + "vote")
    assert 'name="candidate"' not in page.text
    assert "élit personne" in page.text
    response = post_form(
        client,
        election.url + "vote",
        [("candidate", election.candidates["nord"][0]), ("step", "cast")],
        page=election.url,
    )
    assert response.status_code == 403
    # The sud resident sees only the sud candidates, and a nord candidate id is refused.
    sign_in(client, "zoe@example.org")
    page = client.get(election.url + "vote")
    assert "Sud 1" in page.text and "Nord 1" not in page.text
    forged = cast(client, election, [("candidate", election.candidates["nord"][0])])
    assert forged.status_code == 400
    assert _counts(town) == (0, 0)


def test_too_young_on_election_day_is_refused(town, client):
    election = make_election(town, min_age=16, election_day="2027-03-14")
    voter(town, "teen@example.org", election, birth_date=dt.date(2011, 3, 15))
    voter(town, "just@example.org", election, birth_date=dt.date(2011, 3, 14))
    sign_in(client, "teen@example.org")
    page = client.get(election.url + "vote")
    assert 'name="candidate"' not in page.text and "16" in page.text
    assert (
        cast(client, election, [("candidate", election.candidates["nord"][0])]).status_code == 403
    )
    sign_in(client, "just@example.org")  # 16 on the day itself: eligible
    assert (
        cast(client, election, [("candidate", election.candidates["nord"][0])]).status_code == 303
    )
    assert _counts(town) == (1, 1)


def test_unverified_and_anonymous_are_refused(town, client):
    election = make_election(town)
    voter(town, "nov@example.org", election, verified=False)
    anonymous = client.get(election.url + "vote", follow_redirects=False)
    assert anonymous.status_code == 303 and "/login" in anonymous.headers["location"]
    sign_in(client, "nov@example.org")
    page = client.get(election.url + "vote")
    assert 'name="candidate"' not in page.text
    assert (
        cast(client, election, [("candidate", election.candidates["nord"][0])]).status_code == 403
    )
    assert _counts(town) == (0, 0)


def test_outside_the_voting_phase_or_days_nobody_votes(town, client):
    campaign = make_election(town, phase="campaign")
    voter(town, "ana@example.org", campaign)
    sign_in(client, "ana@example.org")
    response = post_form(
        client,
        campaign.url + "vote",
        [("candidate", campaign.candidates["nord"][0]), ("step", "cast")],
        page=campaign.url,
    )
    assert response.status_code == 403
    closed = make_election(town, phase="voting", voting_end="2020-01-01", slug="old")
    page = client.get(closed.url + "vote")
    assert 'name="candidate"' not in page.text
    assert cast(client, closed, [("candidate", closed.candidates["nord"][0])]).status_code == 403
    assert _counts(town) == (0, 0)


def test_forged_and_malformed_candidate_ids_are_refused_beside_the_ballot(town, client):
    election = make_election(town, method="block", seats=2)
    voter(town, "ana@example.org", election)
    sign_in(client, "ana@example.org")
    nord = election.candidates["nord"]
    for bad in (["²"], ["999999999999999999999999"], ["-1"], [str(nord[0]), str(nord[0])], []):
        response = cast(client, election, [("candidate", v) for v in bad])
        assert response.status_code == 400, bad
        assert 'id="ballot-error"' in response.text
    too_many = cast(client, election, [("candidate", c) for c in nord])  # 3 for 2 seats
    assert too_many.status_code == 400 and "2" in text(too_many.text)
    assert _counts(town) == (0, 0)


def test_stv_ballot_is_a_ranking_without_gaps(town, client):
    election = make_election(town, method="stv", seats=1, candidates=3)
    voter(town, "ana@example.org", election)
    sign_in(client, "ana@example.org")
    a, b, c = election.candidates["nord"]
    gap = cast(client, election, {f"rank-{a}": "1", f"rank-{b}": "3", f"rank-{c}": ""})
    assert gap.status_code == 400
    assert '<option value="3" selected>' in gap.text  # what was chosen is kept
    done = cast(client, election, {f"rank-{a}": "2", f"rank-{b}": "", f"rank-{c}": "1"})
    assert done.status_code == 303
    with town.session() as session:
        assert session.scalar(select(Ballot.choices)) == f"{c} {a}"


def test_another_towns_election_is_not_found(town, make_town):
    election = make_election(town)
    other = make_town("other.example")
    with other.client() as client:
        assert client.get(election.url).status_code == 404
        assert client.get(election.url + "vote").status_code == 404


def test_a_ballot_does_not_bump_the_towns_content_version(town, client):
    """Ballots and participations change nothing an anonymous page shows: casting one writes no
    town row (a bump per ballot would make every vote wait on that one row)."""
    from parvis.api import Town

    election = make_election(town, method="block", seats=2)
    voter(town, "ana@example.org", election)
    sign_in(client, "ana@example.org")

    def version() -> int:
        with town.session() as session:
            return session.get(Town, town.town_id).content_version

    before = version()
    assert (
        cast(client, election, [("candidate", election.candidates["nord"][0])]).status_code == 303
    )
    assert _counts(town) == (1, 1)
    assert version() == before


def test_cast_step_alone_refuses_ids_of_another_constituency_election_or_town(
    town, client, make_town
):
    """The cast step checks the chosen ids itself (it does not trust the review step): an id of
    the other constituency, of another election, of another town or of a candidacy not accepted
    is refused with the ballot shown again, and nothing is stored."""
    from parvis_election.models import Candidacy

    election = make_election(town, method="block", seats=2)
    other_election = make_election(town, method="block", seats=2, slug="autres")
    elsewhere = make_town("elsewhere.example")
    foreign = make_election(elsewhere, method="block", seats=2)
    with town.session() as session:
        pending = Candidacy(
            module_id=election.module_id,
            constituency_id=election.constituencies["nord"],
            name="Pas encore acceptée",
            status="submitted",
        )
        session.add(pending)
        session.flush()
        pending_id = pending.id
    voter(town, "ana@example.org", election)
    sign_in(client, "ana@example.org")
    url = election.url + "vote"
    nord = election.candidates["nord"]
    for forged in (
        election.candidates["sud"][0],
        other_election.candidates["nord"][0],
        foreign.candidates["nord"][0],
        pending_id,
    ):
        response = post_form(
            client, url, [("candidate", nord[0]), ("candidate", forged), ("step", "cast")], page=url
        )
        assert response.status_code == 400, forged
        assert 'id="ballot-error"' in response.text
        assert f'value="{nord[0]}" checked' in response.text  # the valid choice is kept
    assert _counts(town) == (0, 0)
    # The same ballot without the forged id goes in.
    done = post_form(client, url, [("candidate", nord[0]), ("step", "cast")], page=url)
    assert done.status_code == 303 and _counts(town) == (1, 1)


def test_a_candidacy_refused_during_the_vote_is_refused_by_every_app_instance(town, client):
    """The cast path keeps the accepted candidates per process (``ctx.memo``) until the town's
    content changes: refusing a candidacy is seen by the next ballot, in this app instance and
    in another one on the same database (another worker)."""
    from parvis_election.models import Candidacy

    election = make_election(town, method="block", seats=2)
    nord = election.candidates["nord"]
    url = election.url + "vote"

    def cast_only(app_client, candidate):  # the cast step alone checks the ids itself
        return post_form(app_client, url, [("candidate", candidate), ("step", "cast")], page=url)

    for name in ("ana", "bob", "carl", "dan"):
        voter(town, f"{name}@example.org", election)
    with second_worker(town) as other, other.client() as second:
        # Both instances have read the candidates (and keep them).
        sign_in(client, "ana@example.org")
        assert cast_only(client, nord[2]).status_code == 303
        sign_in(second, "bob@example.org")
        assert cast_only(second, nord[2]).status_code == 303
        with town.session() as session:
            session.get(Candidacy, nord[2]).status = "refused"
        for app_client, name in ((client, "carl"), (second, "dan")):
            sign_in(app_client, f"{name}@example.org")
            refused = cast_only(app_client, nord[2])
            assert refused.status_code == 400, name
            assert cast_only(app_client, nord[1]).status_code == 303
    assert _counts(town) == (4, 4)
