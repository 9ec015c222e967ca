"""The example plugin's own tests, using only the fixtures of the ``parvis`` pytest plugin."""

from __future__ import annotations

import json

from parvis.testing import DEFAULT_PASSWORD, login, make_space_with_module, make_user, post_form
from parvis_petitions import plugin


def _petition(town, phase="collecting"):
    board = make_space_with_module(town, "petition", phase=phase, space_slug="p")
    return board.space_id, board.module_id


def test_installed_plugin_is_loaded_from_its_entry_point(town):
    info = town.parvis.infos["petitions"]
    assert info.version == "1.0.0"
    assert "petition" in town.parvis.registry.module_types


def test_resident_signs_once_and_sees_the_french_count(town, client, resident):
    _, module_id = _petition(town)
    url = f"/s/p/petition/{module_id}/"
    assert "0 signature" in client.get(url).text
    login(client, resident.email)
    response = post_form(client, url + "sign", {}, page=url)
    assert response.status_code == 303
    page = client.get(url, headers={"accept-language": "fr"}).text
    assert "1 signature" in page and "Vous avez signé cette pétition." in page
    post_form(client, url + "sign", {}, page=url)
    assert "1 signature" in client.get(url).text
    assert [e.name for e in plugin.RECEIVED_EVENTS][-1] == "petitions.signed"


def test_visitor_cannot_sign_and_closed_petition_refuses(town, client, resident):
    _, module_id = _petition(town, phase="closed")
    url = f"/s/p/petition/{module_id}/"
    response = post_form(client, url + "sign", {}, page=url)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    login(client, resident.email)
    assert post_form(client, url + "sign", {}, page=url).status_code == 403


def test_english_page_menu_slot_and_export(town, client, resident):
    _, module_id = _petition(town)
    url = f"/s/p/petition/{module_id}/"
    login(client, resident.email)
    post_form(client, url + "sign", {}, page=url)
    # The resident's own language (French) wins over the browser's.
    home = client.get("/", headers={"accept-language": "en"})
    assert "À propos des pétitions" in home.text  # menu item
    assert "1 signature" in home.text  # home slot
    with town.client() as visitor:
        assert "About petitions" in visitor.get("/", headers={"accept-language": "en"}).text
    data = json.loads(client.get("/account/export").text)
    assert data["petitions"]["signatures"][0]["module_id"] == module_id


def test_disabled_for_a_town_means_not_found(make_town):
    other = make_town("other.example", plugins=[])
    with other.client() as client:
        assert client.get("/p/petitions/about").status_code == 404


def test_user_deletion_keeps_anonymous_signature(town, client):
    _, module_id = _petition(town)
    with town.session() as session:
        make_user(session, town.town_id, "sig@example.org")
    url = f"/s/p/petition/{module_id}/"
    login(client, "sig@example.org")
    post_form(client, url + "sign", {}, page=url)
    post_form(client, "/account/delete", {"password": DEFAULT_PASSWORD}, page="/account")
    assert "1 signature" in client.get(url).text
