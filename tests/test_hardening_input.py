"""Issue 11, bad input: file parts and absurd field names are refused by the form layer (7);
staff-entered numbers are bounded (13). Each failed before its fix."""

from __future__ import annotations

from sqlalchemy import func, select

from parvis.models import Town, User
from parvis.testing import form_errors, login, post_form


def test_a_file_sent_where_text_is_expected_is_bad_input_not_an_error(client):
    files = {"display_name": ("name.txt", b"Awa", "text/plain")}
    data = {"email": "awa@example.org", "password": "long enough pw", "area": ""}
    r = post_form(client, "/signup", data, page="/signup", files=files)
    assert r.status_code == 400
    assert "cannot read" in r.text or "ne peut pas lire" in r.text


def test_a_file_sent_as_the_password_of_a_log_in_is_refused(client, resident):
    files = {"password": ("pw.txt", b"correct horse battery", "text/plain")}
    r = post_form(client, "/login", {"email": resident.email}, page="/login", files=files)
    assert r.status_code == 400
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_a_field_name_of_5000_digits_is_refused(town, client):
    data = {"display_name": "Awa", "email": "a@example.org", "password": "long enough pw"}
    r = post_form(client, "/signup", {**data, "area": "", "9" * 5000: "1"}, page="/signup")
    assert r.status_code == 400
    with town.session() as s:
        assert (
            s.scalar(select(func.count()).select_from(User).where(User.email == "a@example.org"))
            == 0
        )


def test_field_names_with_control_characters_are_refused(client):
    r = post_form(client, "/language", {"locale": "en", "x\x00y": "1"}, page="/")
    assert r.status_code == 400


def _settings_page(client, town):
    login(client, town.admin_email, town.admin_password)
    return "/admin/plugin-settings"


def test_plugin_settings_out_of_bounds_are_refused_beside_the_field(town, client):
    page = _settings_page(client, town)
    for value in ("-1", "9" * 20, "11"):
        r = post_form(
            client,
            page,
            {"consultation__home_polls": value, "council_space__max_pdf_mb": "5"},
            page=page,
        )
        assert r.status_code == 400, value
        assert form_errors(r.text) and f'value="{value}"' in r.text
    r = post_form(
        client, page, {"consultation__home_polls": "3", "council_space__max_pdf_mb": "0"}, page=page
    )
    assert r.status_code == 400


def test_stored_settings_out_of_bounds_are_pulled_into_them(town, client):
    with town.session() as s:
        t = s.get(Town, town.town_id)
        t.settings = {
            "consultation": {"home_polls": -1},
            "council_space": {"max_pdf_mb": 10**20},
        }
    with town.session() as s:
        t = s.get(Town, town.town_id)
        assert town.parvis.setting(t, "consultation", "home_polls") == 0
        assert town.parvis.setting(t, "council_space", "max_pdf_mb") == 10
    assert client.get("/").status_code == 200
