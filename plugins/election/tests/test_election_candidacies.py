"""Candidacies: eligible residents apply, staff accept or refuse with a reason the candidate
sees, the list and candidate pages, the ballot order; set-up pages and their audit."""

from __future__ import annotations

import io
import re

from election_helpers import make_election, sign_in, voter
from PIL import Image
from sqlalchemy import select

from parvis.api import SPACE_ADMIN, TOWN_ADMIN
from parvis.testing import audit_entries, form_errors, post_form
from parvis_election.models import Candidacy

STATEMENT = "Je veux un conseil ouvert, des permanences et des comptes rendus publiés."


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _apply(client, election, **data):
    url = election.url + "apply"
    token_page = client.get(url)
    from parvis.testing import csrf_token_from

    fields = {"name": "Ana Lima", "statement": STATEMENT, "gender": "", **data}
    fields["csrf_token"] = csrf_token_from(token_page.text)
    files = {"photo": ("me.png", _png(), "image/png")}
    return client.post(url, data=fields, files=files, follow_redirects=False)


def test_resident_applies_staff_refuse_with_a_reason_the_candidate_sees(town, client):
    election = make_election(town, phase="candidacies", candidates=0)
    voter(town, "ana@example.org", election)
    voter(town, "staff@example.org", election, roles=(TOWN_ADMIN,))
    sign_in(client, "ana@example.org")
    assert _apply(client, election).status_code == 303
    with town.session() as session:
        cand = session.scalar(select(Candidacy))
        assert (cand.name, cand.status, cand.photo_id is not None) == (
            "Ana Lima",
            "submitted",
            True,
        )
        assert cand.constituency_id == election.constituencies["nord"]
    # Not public before review and the campaign.
    client.cookies.clear()
    assert client.get(election.url + f"candidates/{cand.id}").status_code == 404
    sign_in(client, "staff@example.org")
    url = election.url + "review"
    missing = post_form(
        client, url, {"candidacy": cand.id, f"c{cand.id}-decision": "refuse"}, page=url
    )
    assert missing.status_code == 400 and form_errors(missing.text)
    refused = post_form(
        client,
        url,
        {
            "candidacy": cand.id,
            f"c{cand.id}-decision": "refuse",
            f"c{cand.id}-reason": "Pas de photo lisible.",
        },
        page=url,
    )
    assert refused.status_code == 303
    assert audit_entries(town, "election.review")[0].details["status"] == "refused"
    sign_in(client, "ana@example.org")
    assert "Pas de photo lisible." in client.get(election.url).text
    assert "Pas de photo lisible." in client.get(election.url + f"candidates/{cand.id}").text


def test_accepted_candidates_are_listed_once_the_campaign_opens(town, client):
    election = make_election(town, phase="candidacies", candidates=0)
    voter(town, "ana@example.org", election)
    voter(town, "staff@example.org", election, roles=(TOWN_ADMIN,))
    sign_in(client, "ana@example.org")
    _apply(client, election)
    with town.session() as session:
        cand = session.scalar(select(Candidacy))
    sign_in(client, "staff@example.org")
    url = election.url + "review"
    post_form(client, url, {"candidacy": cand.id, f"c{cand.id}-decision": "accept"}, page=url)
    client.cookies.clear()
    assert "Ana Lima" not in client.get(election.url).text  # candidacies phase: not yet public
    with town.session() as session:
        from parvis.api import Module

        session.get(Module, election.module_id).phase = "campaign"
    page = client.get(election.url)
    assert "Ana Lima" in page.text
    assert STATEMENT in client.get(election.url + f"candidates/{cand.id}").text


def test_ineligible_residents_cannot_apply_and_parity_needs_a_gender(town, client):
    election = make_election(town, phase="candidacies", candidates=0, parity=True, min_age=18)
    voter(
        town,
        "young@example.org",
        election,
        birth_date=__import__("datetime").date.today().replace(year=2015),
    )
    voter(town, "nov@example.org", election, verified=False)
    voter(town, "ana@example.org", election)
    for email in ("young@example.org", "nov@example.org"):
        sign_in(client, email)
        assert _apply(client, election).status_code == 403
    sign_in(client, "ana@example.org")
    response = _apply(client, election)
    assert response.status_code == 400
    assert any("genre" in e or "gender" in e for e in form_errors(response.text))
    assert 'value="Ana Lima"' in response.text  # what was typed is kept
    assert _apply(client, election, gender="f").status_code == 303
    with town.session() as session:
        assert session.scalar(select(Candidacy.gender)) == "f"


def test_applying_outside_the_candidacy_phase_and_reviewing_as_a_resident_are_refused(town, client):
    election = make_election(town, phase="campaign", candidates=1)
    voter(town, "ana@example.org", election)
    sign_in(client, "ana@example.org")
    assert _apply(client, election).status_code == 403
    cand = election.candidates["nord"][0]
    url = election.url + "review"
    assert client.get(url).status_code == 403
    assert (
        post_form(
            client, url, {"candidacy": cand, f"c{cand}-decision": "refuse"}, page=election.url
        ).status_code
        == 403
    )


def test_ballot_order_alphabetical_or_random_per_voter(town, client):
    alpha = make_election(town, ballot_order="alphabetical", candidates=6, slug="a")
    shuffled = make_election(town, ballot_order="random", candidates=6, slug="b")
    voter(town, "ana@example.org", alpha)
    with town.session() as session:
        from parvis.api import Area

        area = session.scalar(select(Area).where(Area.slug == "nord"))
    assert area.id == shuffled.areas["nord"]
    sign_in(client, "ana@example.org")

    def order(election):
        return [
            int(i) for i in re.findall(r'for="cand-(\d+)"', client.get(election.url + "vote").text)
        ]

    assert order(alpha) == alpha.candidates["nord"]
    orders = {tuple(order(shuffled)) for _ in range(8)}
    assert len(orders) > 1


def test_setup_is_staff_only_audited_and_frozen_once_voting_opens(town, client, make_town):
    election = make_election(town, phase="setup", candidates=0)
    voter(town, "ana@example.org", election)
    voter(town, "staff@example.org", election, roles=(TOWN_ADMIN,))
    url = election.url + "manage"
    sign_in(client, "ana@example.org")
    assert client.get(url).status_code == 403
    sign_in(client, "staff@example.org")
    data = {
        "method": "stv",
        "min_age": "18",
        "ballot_order": "alphabetical",
        "election_day": "2027-03-14",
        "tie_seed": "tirage",
    }
    assert post_form(client, url, data, page=url).status_code == 303
    (entry,) = audit_entries(town, "election.settings")
    assert entry.details["method"] == "stv" and entry.details["min_age"] == 18
    bad = post_form(client, url, {**data, "min_age": "deux"}, page=url)
    assert bad.status_code == 400 and 'value="deux"' in bad.text and form_errors(bad.text)
    # A constituency must be a neighbourhood of this town.
    other = make_town("other.example")
    with other.session() as session:
        from parvis.api import Area

        foreign = Area(town_id=other.town_id, slug="ailleurs", name="Ailleurs")
        session.add(foreign)
        session.flush()
        foreign_id = foreign.id
    add = election.url + "manage/constituencies"
    assert post_form(client, add, {"area": foreign_id, "seats": "3"}, page=url).status_code == 400
    with town.session() as session:
        from parvis.api import Area, Module

        est = Area(town_id=town.town_id, slug="est", name="Est")
        session.add(est)
        session.flush()
        est_id = est.id
    assert post_form(client, add, {"area": est_id, "seats": "3"}, page=url).status_code == 303
    assert audit_entries(town, "election.constituency_add")
    with town.session() as session:
        session.get(Module, election.module_id).phase = "voting"
    assert post_form(client, url, data, page=url).status_code == 403
    assert post_form(client, add, {"area": est_id, "seats": "3"}, page=url).status_code == 403


def test_space_admin_of_another_space_cannot_manage(town, client):
    election = make_election(town, phase="setup", candidates=0)
    with town.session() as session:
        from parvis.api import Space

        other = Space(town_id=town.town_id, slug="autre", title="Autre", published=True)
        session.add(other)
        session.flush()
        other_id = other.id
    voter(town, "admin2@example.org", election, roles=(f"{SPACE_ADMIN}@{other_id}",))
    sign_in(client, "admin2@example.org")
    assert client.get(election.url + "manage").status_code == 403
