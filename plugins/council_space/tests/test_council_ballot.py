"""The ballot page without JavaScript: add and remove one project at a time with the choices kept
in the page's address, refusals beside the project, a summary before casting, a receipt."""

from __future__ import annotations

import re

from council_helpers import make_council, sign_in
from sqlalchemy import select

from parvis.testing import post_form
from parvis_council_space.models import Ballot, BallotChoice


def _setup(council, costs=(3000, 5000, 8000), **config):
    ids = [
        council.add_idea(
            None, title=f"Projet {n}", estimated_cost=c, final_cost=c, status="feasible"
        )
        for n, c in enumerate(costs, 1)
    ]
    council.configure(**config)
    council.set_phase("vote")
    return ids


def _english(client):
    post_form(client, "/language", {"locale": "en"})


def _cast(town, module_id):
    with town.session() as s:
        rows = s.execute(
            select(BallotChoice.idea_id, BallotChoice.points)
            .join(Ballot, Ballot.id == BallotChoice.ballot_id)
            .where(Ballot.module_id == module_id)
            .order_by(BallotChoice.idea_id)
        )
        return [tuple(r) for r in rows]


def _chosen(html):
    """Ids of the projects the page shows in the ballot (their button removes them)."""
    return sorted(int(v) for v in re.findall(r'name="remove" value="(\d+)"', html))


def test_add_and_remove_keep_the_choices_in_the_address(town, council, client, resident):
    a, b, _c = _setup(council, ballot_rule="approval", max_projects=2)
    sign_in(client, resident.email)
    page = council.url("vote")
    r = post_form(client, page, [("add", str(b))], page=page)
    assert r.status_code == 303 and r.headers["location"].endswith(f"?choices={b}#project-{b}")
    html = client.get(r.headers["location"]).text
    assert _chosen(html) == [b]
    r = post_form(client, page, [("idea", str(b)), ("add", str(a))], page=page)
    html = client.get(r.headers["location"]).text
    assert _chosen(html) == [a, b]
    assert "Pas encore envoyé" in html  # said in the running total
    r = post_form(client, page, [("idea", str(b)), ("idea", str(a)), ("remove", str(b))], page=page)
    assert r.headers["location"].endswith(f"?choices={a}#project-{b}")
    assert _chosen(client.get(r.headers["location"]).text) == [a]
    assert _cast(town, council.module_id) == []  # nothing is cast by choosing


def test_an_addition_over_the_limit_is_refused_beside_the_project(town, council, client, resident):
    a, b, c = _setup(council, ballot_rule="approval", max_projects=2)
    sign_in(client, resident.email)
    _english(client)
    page = council.url("vote")
    r = post_form(client, page, [("idea", str(a)), ("idea", str(b)), ("add", str(c))], page=page)
    # Back to the page at that project (the anchor), the choices kept without the refused one.
    assert r.status_code == 303
    assert r.headers["location"].endswith(f"?choices={a}%2C{b}&refused={c}#project-{c}")
    html = client.get(r.headers["location"]).text
    assert _chosen(html) == [a, b]
    error = re.search(rf'<p class="error" id="card-error-{c}">(.*?)</p>', html).group(1)
    assert "already chosen 2 projects, the most this vote allows" in error
    assert f'value="{c}" class="ballot-toggle" aria-describedby="card-error-{c}"' in html
    # Once there is room, the same address says nothing.
    assert "card-error" not in client.get(page + f"?choices={a}&refused={c}").text


def test_a_budget_ballot_refuses_a_project_that_does_not_fit(town, council, client, resident):
    a, b, c = _setup(council, ballot_rule="knapsack", budget=10000)
    sign_in(client, resident.email)
    _english(client)
    page = council.url("vote")
    r = post_form(client, page, [("idea", str(b)), ("add", str(c))], page=page)
    html = client.get(r.headers["location"]).text
    assert "costs €8,000.00 and €5,000.00 of the budget is left" in html
    assert _chosen(html) == [b]
    r = post_form(client, page, [("idea", str(b)), ("add", str(a))], page=page)
    html = client.get(r.headers["location"]).text
    assert 'data-field="cost">€8,000.00</strong>' in html  # the running total
    assert 'data-field="left">€2,000.00</span>' in html


def test_review_then_cast_then_receipt(town, council, client, resident):
    a, b, _c = _setup(council, ballot_rule="knapsack", budget=10000)
    sign_in(client, resident.email)
    _english(client)
    page = council.url("vote")
    r = post_form(
        client, page, [("idea", str(a)), ("idea", str(b)), ("action", "review")], page=page
    )
    assert r.status_code == 200
    assert "<h1>Check your ballot</h1>" in r.text
    assert "Projet 1" in r.text and "Projet 2" in r.text and "Projet 3" not in r.text
    assert "€8,000.00 of €10,000.00" in r.text
    assert f'name="choices" value="{a},{b}"' in r.text
    assert f'href="{page}?choices={a}%2C{b}#ballot-total"' in r.text  # back, choices kept
    assert _cast(town, council.module_id) == []  # the summary casts nothing
    r = post_form(client, page, [("choices", f"{a},{b}"), ("action", "cast")], page=page)
    assert r.status_code == 303 and r.headers["location"] == council.url("vote/receipt?cast=1")
    assert _cast(town, council.module_id) == [(a, 1), (b, 1)]
    html = client.get(r.headers["location"]).text
    assert "Your ballot is recorded. You can change it until the vote closes." in html
    receipt = html[html.index("<h1>") :]
    assert "Projet 1" in receipt and "Projet 2" in receipt and "Projet 3" not in receipt
    assert "Recorded on" in receipt and "€8,000.00" in receipt
    # The page then shows the ballot as cast.
    html = client.get(page).text
    assert "You have voted." in html and _chosen(html) == [a, b]


def test_a_ballot_that_breaks_a_rule_is_not_summarised(town, council, client, resident):
    _a, b, c = _setup(council, ballot_rule="knapsack", budget=10000)
    sign_in(client, resident.email)
    _english(client)
    page = council.url("vote")
    r = post_form(
        client, page, [("idea", str(b)), ("idea", str(c)), ("action", "review")], page=page
    )
    assert r.status_code == 400
    error = re.search(r'<p class="error" id="ballot-error">(.*?)</p>', r.text).group(1)
    assert "more than the budget of €10,000.00" in error
    assert 'id="error-summary"' in r.text and _chosen(r.text) == [b, c]
    r = post_form(client, page, [("action", "review")], page=page)
    assert r.status_code == 400 and "Choose at least one project." in r.text


def test_points_typed_wrong_are_kept_beside_their_field(town, council, client, resident):
    a, b, _c = _setup(council, ballot_rule="cumulative", max_points=5)
    sign_in(client, resident.email)
    _english(client)
    page = council.url("vote")
    r = post_form(
        client,
        page,
        [(f"points-{a}", "2"), (f"points-{b}", "deux"), ("action", "update")],
        page=page,
    )
    assert r.status_code == 400
    assert f'name="points-{b}" value="deux" aria-invalid="true"' in r.text
    assert f'<p class="error" id="card-error-{b}">Points must be whole numbers' in r.text
    assert f'name="points-{a}" value="2"' in r.text
    r = post_form(
        client, page, [(f"points-{a}", "2"), (f"points-{b}", "3"), ("action", "update")], page=page
    )
    html = client.get(r.headers["location"]).text
    assert 'data-field="points">5</strong>' in html and 'data-field="left">0</span>' in html
    r = post_form(
        client, page, [(f"points-{a}", "4"), (f"points-{b}", "3"), ("action", "review")], page=page
    )
    assert r.status_code == 400 and "You gave 7 points, but you have 5 to share." in r.text


def test_enter_in_the_ballot_reviews_it(town, council, client, resident):
    """Pressing Enter in a field submits the form's first button: in the ballot it is "Review
    my ballot" (in the running total), never a filter or an addition."""
    _setup(council, ballot_rule="cumulative", max_points=5)
    sign_in(client, resident.email)
    html = client.get(council.url("vote")).text
    form = html[html.index('id="ballot-form"') :]
    first = re.search(r"<button[^>]*>", form).group(0)
    assert 'name="action" value="review"' in first


def test_project_details_open_in_the_page_and_lead_back(town, council, client, resident):
    a, b, _c = _setup(council, ballot_rule="approval", max_projects=2)
    sign_in(client, resident.email)
    _english(client)
    html = client.get(council.url("vote") + f"?choices={b}").text
    card = html[html.index(f'id="project-{a}"') :]
    assert '<details class="ballot-details">' in card[: card.index("</li>")]
    link = council.url(f"ideas/{a}") + f"?choices={b}"
    assert f'href="{link}"' in card
    idea = client.get(link).text
    assert f'href="{council.url("vote")}?choices={b}#ballot-total">Back to my ballot' in idea
    assert "Back to my ballot" not in client.get(council.url(f"ideas/{a}")).text


def test_who_may_not_vote_sees_the_projects_without_a_ballot(town, council, client, resident):
    a, *_ = _setup(council)
    page = council.url("vote")
    html = client.get(page).text
    assert "Projet 1" in html and 'name="add"' not in html and "ballot.js" not in html
    r = post_form(client, page, [("idea", str(a)), ("action", "review")])
    assert r.status_code == 303 and "/login" in r.headers["location"]
    r = client.get(council.url("vote/receipt"), follow_redirects=False)
    assert r.status_code == 303 and "/login" in r.headers["location"]
    sign_in(client, resident.email)
    # No ballot yet: the receipt sends to the ballot.
    r = client.get(council.url("vote/receipt"), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == page
    council.set_phase("results")
    html = client.get(page).text
    assert 'name="add"' not in html
    assert (
        post_form(client, page, [("idea", str(a)), ("action", "review")], page="/").status_code
        == 403
    )


def test_another_call_s_project_cannot_be_added(town, council, client, resident):
    a, *_ = _setup(council)
    other = make_council(town, slug="conseil-port")
    foreign = other.add_idea(None, title="Ailleurs", status="feasible")
    sign_in(client, resident.email)
    _english(client)
    page = council.url("vote")
    for forged in (str(foreign), "999999", "abc"):
        r = post_form(client, page, [("idea", str(a)), ("add", forged)], page=page)
        assert r.status_code == 400, forged
        assert "This project is not in this vote." in r.text
    html = client.get(page + f"?choices={a},{foreign},x,99999999999").text
    assert _chosen(html) == [a]


def test_the_ballot_speaks_french(town, council, client, resident):
    a, *_ = _setup(council, ballot_rule="knapsack", budget=10000)
    sign_in(client, resident.email)
    html = client.get(council.url("vote")).text
    for text in (
        "Ajouter à mon bulletin",
        "Mon bulletin",
        "Vérifier mon bulletin",
        "Budget utilisé",
    ):
        assert text in html, text
    r = post_form(client, council.url("vote"), [("idea", str(a)), ("action", "review")], page="/")
    assert "Vérifiez votre bulletin" in r.text
