"""Voting: rules, validation, one ballot per person, who may vote and when."""

from __future__ import annotations

import threading

import pytest
from council_helpers import make_council, sign_in
from sqlalchemy import func, select

from parvis.api import Module
from parvis.testing import DEFAULT_PASSWORD, post_form, set_permission
from parvis_council_space import ballot_box
from parvis_council_space.models import Ballot, BallotChoice, Idea


def _setup(council, costs=(3000, 5000, 8000), **config):
    ids = [
        council.add_idea(
            None, title=f"Projet {n}", estimated_cost=c, final_cost=c, status="feasible"
        )
        for n, c in enumerate(costs, 1)
    ]
    council.add_idea(None, title="Refusé", status="not_feasible")
    council.configure(**config)
    council.set_phase("vote")
    return ids


def _english(client):
    post_form(client, "/language", {"locale": "en"})


def _errors(html):
    import re

    found = re.search(r'<p class="error" id="ballot-error">(.*?)</p>', html, re.S)
    return found.group(1) if found else ""


def _choices(town, module_id):
    with town.session() as s:
        rows = s.execute(
            select(Ballot.voter_key, BallotChoice.idea_id, BallotChoice.points)
            .join(BallotChoice, BallotChoice.ballot_id == Ballot.id)
            .where(Ballot.module_id == module_id)
            .order_by(BallotChoice.idea_id)
        )
        return [tuple(r) for r in rows]


def test_approval_vote_errors_then_cast_then_change(town, council, client, resident):
    a, b, c = _setup(council, ballot_rule="approval", max_projects=2)
    sign_in(client, resident.email)
    _english(client)
    page = council.url("vote")
    html = client.get(page).text
    assert "Projet 1" in html and "Refusé" not in html
    r = post_form(client, page, [("idea", str(a)), ("idea", str(b)), ("idea", str(c))], page=page)
    assert r.status_code == 400
    assert "You chose 3 projects; you may choose 2 at most." in _errors(r.text)
    assert r.text.count('name="remove"') == 3  # the selection is kept
    r = post_form(client, page, [], page=page)
    assert r.status_code == 400 and "Choose at least one project." in _errors(r.text)
    r = post_form(client, page, [("idea", str(a)), ("idea", str(b))], page=page)
    assert r.status_code == 303
    assert _choices(town, council.module_id) == [
        (f"u:{resident.id}", a, 1),
        (f"u:{resident.id}", b, 1),
    ]
    assert "Your ballot is recorded." in client.get(r.headers["location"]).text
    html = client.get(page).text
    assert "You have voted." in html and html.count('name="remove"') == 2
    assert "Your ballot is recorded." not in html  # said once, on the receipt
    r = post_form(client, page, [("idea", str(c))], page=page)
    assert r.status_code == 303
    assert _choices(town, council.module_id) == [(f"u:{resident.id}", c, 1)]
    assert "Your ballot is changed." in client.get(r.headers["location"]).text
    assert "Your ballot is" not in client.get(council.url("vote/receipt")).text
    with town.session() as s:
        assert s.scalar(select(func.count(Ballot.id))) == 1


def test_a_ballot_bumps_no_content_version_and_is_stored_whole(town, council, client, resident):
    """Ballots are ``parvis_unseen`` (only a count an anonymous page may show a minute late):
    a ballot leaves the town's row alone, so ballots never queue on its lock. On PostgreSQL the
    ballot and its choices are one ``WITH`` statement: both are stored."""
    from parvis.api import Town

    a, b, _c = _setup(council, ballot_rule="approval", max_projects=2)
    sign_in(client, resident.email)
    page = council.url("vote")

    def version():
        with town.session() as s:
            return s.get(Town, town.town_id).content_version

    before = version()
    r = post_form(client, page, [("idea", str(a)), ("idea", str(b))], page=page)
    assert r.status_code == 303
    assert version() == before
    assert _choices(town, council.module_id) == [
        (f"u:{resident.id}", a, 1),
        (f"u:{resident.id}", b, 1),
    ]


def test_knapsack_total_must_fit_budget(town, council, client, resident):
    a, b, c = _setup(council, ballot_rule="knapsack", budget=10000)
    sign_in(client, resident.email)
    _english(client)
    page = council.url("vote")
    r = post_form(client, page, [("idea", str(b)), ("idea", str(c))], page=page)
    assert r.status_code == 400
    assert "cost €13,000.00 in all, more than the budget of €10,000.00" in _errors(r.text)
    r = post_form(client, page, [("idea", str(a)), ("idea", str(b))], page=page)
    assert r.status_code == 303


def test_cumulative_points(town, council, client, resident):
    a, b, c = _setup(council, ballot_rule="cumulative", max_points=5)
    sign_in(client, resident.email)
    _english(client)
    page = council.url("vote")
    r = post_form(client, page, {f"points-{a}": "4", f"points-{b}": "3"}, page=page)
    assert r.status_code == 400
    assert "You gave 7 points, but you have 5 to share." in _errors(r.text)
    assert 'value="4"' in r.text and 'value="3"' in r.text
    r = post_form(client, page, {f"points-{a}": "-1"}, page=page)
    assert r.status_code == 400 and "whole numbers" in _errors(r.text)
    r = post_form(client, page, {f"points-{a}": "abc"}, page=page)
    assert r.status_code == 400 and "whole numbers" in _errors(r.text)
    r = post_form(client, page, {f"points-{a}": "0", f"points-{b}": ""}, page=page)
    assert r.status_code == 400 and "Choose at least one project." in _errors(r.text)
    r = post_form(
        client, page, {f"points-{a}": "3", f"points-{c}": "2", f"points-{b}": "0"}, page=page
    )
    assert r.status_code == 303
    uid = f"u:{resident.id}"
    assert _choices(town, council.module_id) == [(uid, a, 3), (uid, c, 2)]


def test_forged_and_foreign_ids_are_refused(town, council, client, resident):
    a, *_ = _setup(council, ballot_rule="approval", max_projects=3)
    other = make_council(town, slug="conseil-port")
    foreign = other.add_idea(None, title="Ailleurs", status="feasible")
    with town.session() as s:
        refused = s.scalar(select(Idea.id).where(Idea.title == "Refusé"))
    sign_in(client, resident.email)
    _english(client)
    page = council.url("vote")
    for forged in (str(foreign), str(refused), "999999", "abc", "-1"):
        r = post_form(client, page, [("idea", str(a)), ("idea", forged)], page=page)
        assert r.status_code == 400, forged
        assert "not in this vote" in _errors(r.text)
    r = post_form(client, page, {f"points-{a}": "1", "idea": str(a)}, page=page)
    assert r.status_code == 303
    assert _choices(town, council.module_id) == [(f"u:{resident.id}", a, 1)]


def test_vote_denied_to_anonymous_unconfirmed_and_when_closed(town, council, client, resident):
    a, *_ = _setup(council)
    page = council.url("vote")
    r = post_form(client, page, [("idea", str(a))])
    assert r.status_code == 303 and "/login" in r.headers["location"]
    council.user("new@example.org", confirmed=False)
    sign_in(client, "new@example.org")
    _english(client)
    assert "Confirm your e-mail address first." in client.get(page).text
    assert post_form(client, page, [("idea", str(a))], page=page).status_code == 403
    client.cookies.clear()
    sign_in(client, resident.email)
    council.set_phase("results")
    assert post_form(client, page, [("idea", str(a))], page="/").status_code == 403
    assert _choices(town, council.module_id) == []


def test_vote_restricted_to_verified_residents_of_the_councils_neighbourhood(town, council, client):
    a, *_ = _setup(council, area_only=True)
    council.user("loin@example.org", area_id=council.other_area_id, verified=True)
    council.user("nowhere@example.org", area_id=None, verified=True)
    # The neighbourhood alone is a profile setting anyone may choose: it is not enough.
    council.user("claims@example.org")
    page = council.url("vote")
    for email in ("loin@example.org", "nowhere@example.org", "claims@example.org"):
        client.cookies.clear()
        sign_in(client, email)
        _english(client)
        html = client.get(page).text
        assert "Only verified residents of Les Tilleuls may take part" in html, email
        assert "set your neighbourhood in your profile" not in html
        r = post_form(client, page, [("idea", str(a))], page=page)
        assert r.status_code == 403, email
    assert _choices(town, council.module_id) == []
    client.cookies.clear()
    council.user("ici@example.org", verified=True)
    sign_in(client, "ici@example.org")
    assert post_form(client, page, [("idea", str(a))], page=page).status_code == 303


def test_area_only_call_counts_one_ballot_per_person_across_accounts(town, council, client):
    a, b, _ = _setup(council, area_only=True)
    person = "c" * 64
    council.user("first@example.org", verified=True, person_key=person)
    page = council.url("vote")
    sign_in(client, "first@example.org")
    assert post_form(client, page, [("idea", str(a))], page=page).status_code == 303
    # The resident deletes their account, signs up again and is verified again as themselves.
    r = post_form(client, "/account/delete", {"password": DEFAULT_PASSWORD}, page="/account")
    assert r.status_code == 303
    council.user("again@example.org", verified=True, person_key=person)
    client.cookies.clear()
    sign_in(client, "again@example.org")
    assert post_form(client, page, [("idea", str(b))], page=page).status_code == 303
    # Still one ballot, the person's, now with their new choice.
    assert _choices(town, council.module_id) == [(f"p:{person}", b, 1)]


def test_town_rule_can_restrict_vote_to_verified(town, council, client, resident):
    a, *_ = _setup(council)
    set_permission(town, "resident", "council_space.vote", allow=False)
    set_permission(town, "verified", "council_space.vote", allow=True)
    sign_in(client, resident.email)
    page = council.url("vote")
    assert post_form(client, page, [("idea", str(a))], page=page).status_code == 403


def test_one_ballot_per_voter_in_the_service(town, council):
    a, b, _ = _setup(council)
    with town.session() as s:
        module = s.get(Module, council.module_id)
        ballot_box.cast_ballot(s, module, "u:1", {a: 1})
    with town.session() as s:
        module = s.get(Module, council.module_id)
        ballot_box.cast_ballot(s, module, "u:1", {b: 1})
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), town.session() as s:
        s.add(Ballot(module_id=council.module_id, voter_key="u:1"))
        s.flush()
    assert _choices(town, council.module_id) == [("u:1", b, 1)]


@pytest.mark.postgres_only
@pytest.mark.parametrize("autocommit", [False, True], ids=["transaction", "autocommit"])
def test_concurrent_ballots_of_one_person_make_one_ballot(town, council, autocommit):
    ids = _setup(council, max_projects=3)
    user_id = council.user("racer@example.org")
    db = town.parvis.db
    barrier = threading.Barrier(8)
    failures = []

    def cast(n):
        try:
            barrier.wait()
            with db.session(autocommit=autocommit) as s:  # the vote view's: in autocommit
                module = s.get(Module, council.module_id)
                ballot_box.cast_ballot(s, module, f"u:{user_id}", {ids[n % 3]: 1}, user_id)
        except Exception as exc:  # pragma: no cover - reported below
            failures.append(repr(exc))

    threads = [threading.Thread(target=cast, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    with town.session() as s:
        assert s.scalar(select(func.count(Ballot.id))) == 1
        assert s.scalar(select(func.count(BallotChoice.id))) == 1


@pytest.mark.postgres_only
def test_concurrent_http_ballots_make_one_ballot(town, council, resident):
    ids = _setup(council, max_projects=3)
    page = council.url("vote")
    clients = []
    for _ in range(6):
        c = town.client()
        c.__enter__()
        sign_in(c, resident.email)
        clients.append(c)
    barrier = threading.Barrier(len(clients))
    codes = []

    def go(n, c):
        from parvis.testing import csrf_token_from

        token = csrf_token_from(c.get(page).text)
        barrier.wait()
        r = c.post(
            page, data={"idea": str(ids[n % 3]), "csrf_token": token}, follow_redirects=False
        )
        codes.append(r.status_code)

    threads = [threading.Thread(target=go, args=(n, c)) for n, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in clients:
        c.__exit__(None, None, None)
    assert codes == [303] * len(clients)
    with town.session() as s:
        assert s.scalar(select(func.count(Ballot.id))) == 1
        assert s.scalar(select(func.count(BallotChoice.id))) == 1


def test_vote_page_filters_keep_hidden_choices(town, council, client, resident):
    a, b, c = _setup(council, ballot_rule="approval", max_projects=3)
    with town.session() as s:
        s.get(Idea, c).area_id = council.other_area_id
    sign_in(client, resident.email)
    page = council.url("vote")
    assert (
        post_form(client, page, [("idea", str(a)), ("idea", str(c))], page=page).status_code == 303
    )
    filtered = page + f"?area={council.other_area_id}&sort=cost_desc"
    html = client.get(filtered).text
    assert "Projet 3" in html and "Projet 1" not in html
    assert f'<input type="hidden" name="idea" value="{a}">' in html  # chosen, filtered out
    r = post_form(
        client, filtered, [("idea", str(a)), ("idea", str(c)), ("idea", str(b))], page=filtered
    )
    assert r.status_code == 303
    uid = f"u:{resident.id}"
    assert _choices(town, council.module_id) == [(uid, a, 1), (uid, b, 1), (uid, c, 1)]
    html = client.get(page + "?max_cost=4000").text
    assert "Projet 1" in html and "Projet 2" not in html


def _form(html, start):
    form = html[html.index(start) :]
    return form[: form.index("</form>")]


def test_filtering_keeps_the_unsaved_selection_without_casting(town, council, client, resident):
    a, b, c = _setup(council, ballot_rule="approval", max_projects=3)
    with town.session() as s:
        s.get(Idea, c).area_id = council.other_area_id
    sign_in(client, resident.email)
    page = council.url("vote")
    assert post_form(client, page, [("idea", str(a))], page=page).status_code == 303
    # Add Projet 2 (not cast): the page comes back with both choices in its address.
    r = post_form(client, page, [("idea", str(a)), ("add", str(b))], page=page)
    assert r.status_code == 303
    assert r.headers["location"].endswith(f"/vote?choices={a}%2C{b}#project-{b}")
    html = client.get(r.headers["location"]).text
    assert html.count('name="remove"') == 2
    # The filters are a form of their own (GET) carrying the choices not cast yet, so the
    # Enter key in a filter field filters, and in the ballot it never does.
    filters = _form(html, '<form method="get" class="filters')
    assert f'name="choices" value="{a},{b}"' in filters and "csrf_token" not in filters
    ballot = _form(html, '<form method="post" action="' + page)
    assert 'name="area"' not in ballot.split("ballot-chosen")[0].split("ballot-total")[1]
    html = client.get(page + f"?choices={a},{b}&area={council.other_area_id}&sort=title").text
    assert "Projet 3" in html and "Projet 1" not in html and "Projet 2" not in html
    assert f'<input type="hidden" name="idea" value="{a}">' in html
    assert f'<input type="hidden" name="idea" value="{b}">' in html  # unsaved choice kept
    assert f'<option value="{council.other_area_id}" selected>' in html
    uid = f"u:{resident.id}"
    assert _choices(town, council.module_id) == [(uid, a, 1)]  # nothing was cast
    r = post_form(client, page, [("choices", f"{a},{b}"), ("action", "cast")], page=page)
    assert r.status_code == 303
    assert _choices(town, council.module_id) == [(uid, a, 1), (uid, b, 1)]


def test_filtering_keeps_unsaved_points(town, council, client, resident):
    a, b, _c = _setup(council, ballot_rule="cumulative", max_points=10)
    sign_in(client, resident.email)
    page = council.url("vote")
    r = post_form(
        client,
        page,
        [(f"points-{a}", "4"), (f"points-{b}", "6"), ("max_cost", "6000"), ("action", "update")],
        page=page,
    )
    assert r.status_code == 303
    html = client.get(r.headers["location"]).text
    assert f'name="points-{a}" value="4"' in html and f'name="points-{b}" value="6"' in html
    assert "Projet 3" not in html  # 8000 > 6000
    assert _choices(town, council.module_id) == []
    # Anonymous visitors may look (filter) but nothing is cast.
    with town.client() as anon:
        r = post_form(anon, page, [(f"points-{a}", "4"), ("action", "filter")], page=page)
        assert r.status_code == 303
    assert _choices(town, council.module_id) == []


@pytest.mark.postgres_only
def test_a_first_ballot_is_one_statement_committed_alone(
    town, council, client, resident, monkeypatch
):
    """The vote view reads outside a transaction (``@view(autocommit=True)``) and a first
    ballot, one statement, is committed when it returns; a replacement opens a transaction
    (its upsert, DELETE and INSERT commit together)."""
    from psycopg import pq

    a, b, _c = _setup(council, ballot_rule="approval", max_projects=2)
    seen = []
    cast = ballot_box.cast_ballot

    def spy(session, *args, **kwargs):
        driver = session.connection().connection.driver_connection
        before = driver.info.transaction_status
        replaced = cast(session, *args, **kwargs)
        seen.append((before, driver.info.transaction_status, _choices(town, council.module_id)))
        return replaced

    monkeypatch.setattr(ballot_box, "cast_ballot", spy)
    sign_in(client, resident.email)
    page = council.url("vote")
    assert post_form(client, page, [("idea", str(a))], page=page).status_code == 303
    assert post_form(client, page, [("idea", str(b))], page=page).status_code == 303
    key = f"u:{resident.id}"
    assert seen == [
        (pq.TransactionStatus.IDLE, pq.TransactionStatus.IDLE, [(key, a, 1)]),
        (pq.TransactionStatus.IDLE, pq.TransactionStatus.INTRANS, [(key, a, 1)]),
    ]
    assert _choices(town, council.module_id) == [(key, b, 1)]
