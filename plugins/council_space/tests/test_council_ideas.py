"""Submission, editing, support, comments, review and filters of an idea call."""

from __future__ import annotations

from council_helpers import idea_ids, sign_in
from sqlalchemy import select

from parvis.api import Area
from parvis.testing import form_errors, post_form
from parvis_council_space.models import Comment, Idea, Support

REQUIRED = "This field is required."


def _english(client):
    post_form(client, "/language", {"locale": "en"})


def test_submission_validation_errors_keep_the_input(town, council, client, resident):
    sign_in(client, resident.email)
    _english(client)
    page = council.url("propose")
    assert client.get(page).status_code == 200
    r = post_form(
        client,
        page,
        {
            "title": "Bancs au square",
            "description": "Des bancs à l'ombre",
            "estimated_cost": "-5",
            "area": "",
            "location": "Square Lamartine",
        },
        page=page,
    )
    assert r.status_code == 400
    errors = form_errors(r.text)
    assert "The cost cannot be negative." in errors
    assert REQUIRED in errors  # neighbourhood missing
    assert 'value="Bancs au square"' in r.text
    assert "Square Lamartine" in r.text
    r = post_form(
        client,
        page,
        {"title": "", "description": "", "estimated_cost": "beaucoup", "area": "999999"},
        page=page,
    )
    assert r.status_code == 400
    errors = form_errors(r.text)
    assert errors.count(REQUIRED) >= 2  # title, description
    assert "Enter a whole number, such as 3500 or 3 500." in errors, errors  # and only that
    assert any("valid choice" in e for e in errors), errors  # forged neighbourhood
    r = post_form(
        client,
        page,
        {"title": "Bancs", "description": "d", "estimated_cost": "5", "area": str(council.area_id)},
        page=page,
        files={"image": ("x.png", b"not an image", "image/png")},
    )
    assert r.status_code == 400
    assert "This file is not an image we can read (JPEG or PNG)." in form_errors(r.text)
    assert idea_ids(town, council.module_id) == []


def test_propose_and_see_the_idea(town, council, client, resident):
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (20, 20), "red").save(buf, "PNG")
    sign_in(client, resident.email)
    page = council.url("propose")
    r = post_form(
        client,
        page,
        {
            "title": "Bancs au square",
            "description": "Des bancs à l'ombre",
            "estimated_cost": "4500",
            "area": str(council.area_id),
            "location": "Square Lamartine",
        },
        page=page,
        files={"image": ("bancs.png", buf.getvalue(), "image/png")},
    )
    assert r.status_code == 303
    with town.session() as s:
        idea = s.scalar(select(Idea))
        assert idea.author_id == resident.id and idea.estimated_cost == 4500
        assert idea.image_id is not None and idea.status == "submitted"
    html = client.get(r.headers["location"]).text
    assert "Bancs au square" in html and "Square Lamartine" in html and "Les Tilleuls" in html


def test_anonymous_and_unconfirmed_cannot_propose(town, council, client):
    r = client.get(council.url("propose"), follow_redirects=False)
    assert r.status_code == 303 and "/login" in r.headers["location"]
    council.user("new@example.org", confirmed=False)
    sign_in(client, "new@example.org")
    assert client.get(council.url("propose")).status_code == 403


def test_propose_closed_outside_submission(town, council, client, resident):
    council.set_phase("review")
    sign_in(client, resident.email)
    assert client.get(council.url("propose")).status_code == 403


def test_edit_only_own_idea_and_only_during_submission(town, council, client, resident):
    mine = council.add_idea(resident.id, title="Mine")
    other = council.user("other@example.org")
    theirs = council.add_idea(other, title="Theirs")
    sign_in(client, resident.email)
    page = council.url(f"ideas/{mine}/edit")
    assert client.get(page).status_code == 200
    r = post_form(
        client,
        page,
        {"title": "Mine, better", "description": "d", "estimated_cost": "10", "area": ""},
        page=page,
    )
    assert r.status_code == 400 and 'value="Mine, better"' in r.text
    r = post_form(
        client,
        page,
        {
            "title": "Mine, better",
            "description": "d",
            "estimated_cost": "10",
            "area": str(council.other_area_id),
        },
        page=page,
    )
    assert r.status_code == 303
    assert client.get(council.url(f"ideas/{theirs}/edit")).status_code == 403
    r = post_form(
        client,
        council.url(f"ideas/{theirs}/edit"),
        {
            "title": "Hijack",
            "description": "d",
            "estimated_cost": "1",
            "area": str(council.area_id),
        },
    )
    assert r.status_code == 403
    council.set_phase("review")
    assert client.get(page).status_code == 403
    with town.session() as s:
        assert s.get(Idea, mine).title == "Mine, better"
        assert s.get(Idea, mine).area_id == council.other_area_id
        assert s.get(Idea, theirs).title == "Theirs"


def test_support_and_comment_permissions(town, council, client, resident):
    idea = council.add_idea(None, title="Jardin")
    url_support, url_comment = (
        council.url(f"ideas/{idea}/support"),
        council.url(f"ideas/{idea}/comment"),
    )
    r = post_form(client, url_support, {"support": "1"})
    assert r.status_code == 303 and "/login" in r.headers["location"]
    sign_in(client, resident.email)
    page = council.url(f"ideas/{idea}")
    assert post_form(client, url_support, {"support": "1"}, page=page).status_code == 303
    assert post_form(client, url_support, {"support": "1"}, page=page).status_code == 303
    r = post_form(client, url_comment, {"body": ""}, page=page)
    assert r.status_code == 400 and form_errors(r.text)
    assert post_form(client, url_comment, {"body": "Bonne idée"}, page=page).status_code == 303
    with town.session() as s:
        assert s.get(Idea, idea).support_count == 1
        assert s.scalar(select(Comment.body)) == "Bonne idée"
        assert s.get(Idea, idea).comment_count == 1
    assert post_form(client, url_support, {"support": "0"}, page=page).status_code == 303
    with town.session() as s:
        assert s.get(Idea, idea).support_count == 0
    council.set_phase("vote")
    assert post_form(client, url_support, {"support": "1"}, page=page).status_code == 403
    assert post_form(client, url_comment, {"body": "Trop tard"}, page=page).status_code == 403
    with town.session() as s:
        assert s.scalar(select(Support)) is None


def test_forged_and_foreign_idea_ids_are_not_found(town, make_town, council, client, resident):
    from council_helpers import make_council

    other_call = make_council(town, slug="conseil-port")
    foreign = other_call.add_idea(None, title="Ailleurs")
    sign_in(client, resident.email)
    assert client.get(council.url(f"ideas/{foreign}")).status_code == 404
    r = post_form(client, council.url(f"ideas/{foreign}/support"), {"support": "1"})
    assert r.status_code == 404
    assert client.get(council.url("ideas/999999")).status_code == 404
    other_town = make_town(host="ailleurs.example", app=town.app)
    with other_town.client() as c2:
        assert c2.get(council.url()).status_code == 404


def _reviewer(council, client, create=True):
    if create:
        council.user("elu@example.org", roles=(f"councillor@{council.space_id}",))
    sign_in(client, "elu@example.org")
    _english(client)


def test_review_feasibility_reason_and_final_cost(town, council, client, resident):
    idea = council.add_idea(resident.id, title="Fontaine", estimated_cost=8000)
    council.set_phase("review")
    sign_in(client, resident.email)
    r = post_form(client, council.url(f"ideas/{idea}/review"), {"feasible": "1", "reason": "x"})
    assert r.status_code == 403  # residents do not review
    client.cookies.clear()
    _reviewer(council, client)
    page = council.url(f"ideas/{idea}")
    assert "Review this idea" in client.get(page).text
    r = post_form(
        client,
        council.url(f"ideas/{idea}/review"),
        {"feasible": "", "reason": "", "final_cost": "-3"},
        page=page,
    )
    assert r.status_code == 400
    errors = form_errors(r.text)
    assert len(errors) >= 3, errors
    r = post_form(
        client,
        council.url(f"ideas/{idea}/review"),
        {"feasible": "1", "reason": "Faisable par la voirie.", "final_cost": "9500"},
        page=page,
    )
    assert r.status_code == 303
    with town.session() as s:
        row = s.get(Idea, idea)
        assert (row.status, row.final_cost, row.review_reason) == (
            "feasible",
            9500,
            "Faisable par la voirie.",
        )
    client.cookies.clear()
    html = client.get(page).text  # the reason is public
    assert "Faisable par la voirie." in html
    council.set_phase("vote")
    _reviewer(council, client, create=False)
    r = post_form(client, council.url(f"ideas/{idea}/review"), {"feasible": "0", "reason": "x"})
    assert r.status_code == 403  # review is closed


def test_not_feasible_keeps_cost(town, council, client):
    idea = council.add_idea(None, estimated_cost=300)
    council.set_phase("review")
    _reviewer(council, client)
    r = post_form(
        client,
        council.url(f"ideas/{idea}/review"),
        {"feasible": "0", "reason": "Terrain privé."},
        page=council.url(f"ideas/{idea}"),
    )
    assert r.status_code == 303
    with town.session() as s:
        assert s.get(Idea, idea).status == "not_feasible"


def test_merge_duplicates_moves_supports(town, council, client):
    keep = council.add_idea(None, title="Pistes cyclables")
    dup = council.add_idea(None, title="Vélo rue Haute")
    a, b = council.user("a@example.org"), council.user("b@example.org")
    with town.session() as s:
        s.add_all(
            [
                Support(idea_id=keep, user_id=a),
                Support(idea_id=dup, user_id=a),
                Support(idea_id=dup, user_id=b),
            ]
        )
    council.set_phase("review")
    _reviewer(council, client)
    page = council.url(f"ideas/{dup}")
    r = post_form(
        client,
        council.url(f"ideas/{dup}/merge"),
        {"merge_into": str(dup), "reason": "x"},
        page=page,
    )
    assert r.status_code == 400 and "An idea cannot be merged into itself." in form_errors(r.text)
    r = post_form(
        client, council.url(f"ideas/{dup}/merge"), {"merge_into": "", "reason": ""}, page=page
    )
    assert r.status_code == 400
    r = post_form(
        client,
        council.url(f"ideas/{dup}/merge"),
        {"merge_into": str(keep), "reason": "Même projet."},
        page=page,
    )
    assert r.status_code == 303
    with town.session() as s:
        d, k = s.get(Idea, dup), s.get(Idea, keep)
        assert (d.status, d.merged_into_id, d.review_reason) == ("merged", keep, "Même projet.")
        assert k.support_count == 2  # a once, b moved
        assert s.scalar(select(Support).where(Support.idea_id == dup)) is None
    html = client.get(page).text
    assert "Pistes cyclables" in html and "Même projet." in html


def test_filters_by_neighbourhood_status_and_cost(town, council, client):
    council.add_idea(None, title="Alpha", estimated_cost=100)
    council.add_idea(None, title="Bravo", estimated_cost=5000, area_id=council.other_area_id)
    council.add_idea(None, title="Charlie", estimated_cost=900, status="feasible", final_cost=2000)
    base = council.url()

    def titles(query):
        html = client.get(base + query).text
        found = [t for t in ("Alpha", "Bravo", "Charlie") if f">{t}</a>" in html]
        return sorted(found, key=lambda t: html.index(f">{t}</a>"))

    assert titles("") == ["Charlie", "Bravo", "Alpha"]  # newest first
    assert titles(f"?area={council.other_area_id}") == ["Bravo"]
    assert titles("?status=feasible") == ["Charlie"]
    assert titles("?min_cost=1000") == ["Charlie", "Bravo"]  # final cost counts
    assert titles("?max_cost=1000&sort=cost_asc") == ["Alpha"]
    html = client.get(base + "?sort=cost_desc").text
    assert html.index(">Bravo<") < html.index(">Charlie<") < html.index(">Alpha<")
    assert titles("?status=bogus&area=abc&sort=drop") == ["Charlie", "Bravo", "Alpha"]


def test_ideas_list_has_no_n_plus_one(town, council, client):
    with town.session() as s:
        areas = [Area(town_id=town.town_id, slug=f"q{i}", name=f"Q{i}") for i in range(5)]
        s.add_all(areas)
        s.flush()
        area_ids = [a.id for a in areas]
    for i in range(3):
        council.add_idea(council.user(f"u{i}@example.org"), title=f"I{i}", area_id=area_ids[i])
    client.get(council.url())
    with town.parvis.db.count_queries() as few:
        client.get(council.url())
    for i in range(3, 25):
        council.add_idea(council.user(f"u{i}@example.org"), title=f"I{i}", area_id=area_ids[i % 5])
    client.get(council.url())  # warm again: the writes made the process re-read what it keeps
    with town.parvis.db.count_queries() as many:
        html = client.get(council.url()).text
    assert "I24" in html
    assert many.count == few.count, many.statements


def test_costs_typed_the_french_way(town, council, client, resident):
    """ "3 500" (with a narrow no-break space, as phones type it) is a cost; "3 500,50" is not
    a whole number of euros: said beside the field, what was typed kept."""
    sign_in(client, resident.email)
    page = council.url("propose")
    fields = {
        "title": "Bancs",
        "description": "Trois bancs.",
        "area": str(council.area_id),
        "estimated_cost": "3\u202f500,50",
    }
    r = post_form(client, page, fields, page=page)
    assert r.status_code == 400
    assert "Saisissez un nombre entier, sans décimales." in r.text
    assert 'value="3\u202f500,50"' in r.text
    assert idea_ids(town, council.module_id) == []
    r = post_form(client, page, {**fields, "estimated_cost": "3\u202f500"}, page=page)
    assert r.status_code == 303
    with town.session() as s:
        assert s.get(Idea, idea_ids(town, council.module_id)[0]).estimated_cost == 3500


def test_call_budget_typed_the_french_way(town, council, client):
    from parvis.testing import login
    from parvis_council_space.config import CallConfig

    login(client, town.admin_email, town.admin_password)
    page = council.url("settings")
    form = {
        "budget": "60 000",
        "ballot_rule": "knapsack",
        "counting_rule": "greedy",
        "max_projects": "5",
        "max_points": "10",
    }
    assert post_form(client, page, form, page=page).status_code == 303
    with town.session() as s:
        from parvis.api import Module

        assert CallConfig.of(s.get(Module, council.module_id)).budget == 60000
    r = post_form(client, page, {**form, "budget": "soixante mille"}, page=page)
    assert r.status_code == 400 and 'value="soixante mille"' in r.text
