"""The layout every page shares (``core/base.html``): templates compiled per language with their
literal strings already translated (``templating._OneLanguage``), kept link paths
(``Parvis.url_path``); nothing of one visitor (language, name, CSRF token, the menu's current
item) reaches another, a theme's own ``base.html`` still applies, a town's change shows at once."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from parvis import i18n, templating
from parvis.app import create_app
from parvis.models import Town
from parvis.testing import csrf_token_from, login, make_user

_CURRENT = re.compile(r'<a href="([^"]*)" aria-current="page">')


def _header(html: str) -> str:
    return html[html.index('<header class="site-header">') : html.index("</header>")]


def test_each_visitor_gets_their_own_language_name_token_and_current_item(town, resident):
    with town.session() as session:
        make_user(session, town.town_id, "ann@example.org", name="Ann English", locale="en")
    with town.client() as french, town.client() as english, town.client() as anonymous:
        login(french, resident.email)
        login(english, "ann@example.org")
        # Alternately, on one app: each page in its visitor's language, whatever came before.
        for _round in range(2):
            fr_page = french.get("/").text
            en_page = english.get("/spaces").text
            anon_en = anonymous.get("/", headers={"accept-language": "en"}).text
            anon_fr = anonymous.get("/spaces", headers={"accept-language": "fr"}).text
            assert "Se déconnecter" in fr_page and "Log out" not in fr_page
            assert "Log out" in en_page and "Se déconnecter" not in en_page
            assert "Log in" in _header(anon_en) and "Se connecter" not in anon_en
            assert "Se connecter" in _header(anon_fr) and "Log in" not in anon_fr
            assert "Powered by Parvis" in en_page and "Powered by Parvis" not in fr_page
        # The name and the token in the header are the visitor's own.
        assert "Ann English" in _header(en_page) and "Ann English" not in fr_page
        assert resident.display_name in _header(fr_page)
        assert resident.display_name not in en_page
        tokens = {csrf_token_from(_header(page)) for page in (fr_page, en_page)}
        assert len(tokens) == 2
        assert "csrf_token" not in _header(anon_en)
        # The menu marks the page being read, and only it.
        assert _CURRENT.findall(fr_page) == ["/"]
        assert _CURRENT.findall(en_page) == ["/spaces"]
        assert _CURRENT.findall(anonymous.get("/login").text) == []


def test_a_town_renamed_shows_at_once_in_another_app(town, parvis_config):
    other = create_app(parvis_config)
    try:
        with town.client() as first, TestClient(other, base_url=f"http://{town.host}") as second:
            for client in (first, second):
                assert "Ville-Avant" not in client.get("/").text
            with town.session() as session:
                session.get(Town, town.town_id).name = "Ville-Avant"
            for client in (first, second):
                assert "<span>Ville-Avant</span>" in _header(client.get("/spaces").text)
    finally:
        other.state.parvis.db.dispose()


THEME_BASE = """{% extends "core:core/base.html" %}
{% block brand %}<a class="brand" href="/"><span>{{ town.name }}</span>
<em class="mine">{{ _("Log in") }}|{% trans %}Sign up{% endtrans %}|{{ _("100%% local") }}</em></a>
{% endblock %}"""


def test_a_theme_overriding_base_html_translates_its_own_words(town, tmp_path):
    folder = tmp_path / "mine" / "templates" / "core"
    folder.mkdir(parents=True)
    (folder / "base.html").write_text(THEME_BASE, encoding="utf-8")
    town.parvis.themes_dir = tmp_path
    with town.session() as session:
        session.get(Town, town.town_id).theme = "mine"
    with town.client() as client:
        for _round in range(2):
            fr_page = client.get("/spaces", headers={"accept-language": "fr"}).text
            en_page = client.get("/spaces", headers={"accept-language": "en"}).text
            assert '<em class="mine">Se connecter|S\'inscrire|100% local</em>' in fr_page
            assert '<em class="mine">Log in|Sign up|100% local</em>' in en_page
            # The rest of core's layout is still there, in the page's language.
            assert "Site réalisé avec Parvis" in fr_page and "Powered by" not in fr_page
            assert "Powered by Parvis" in en_page


def test_only_literal_strings_without_percent_are_compiled_in():
    """``_("...")`` with no variables is written in; a variable, or a ``%`` (Jinja formats
    every translation with ``%``), leaves the call to run at render time as before."""
    calls: list[str] = []

    def translate(message: str, domain: str) -> str:
        calls.append(message)
        return message.upper()

    env = templating.make_environment(None, [], {}, translate=translate)
    template = env.from_string(
        '{{ _("hello") }}|{{ _("<b>bold</b>") }}|{{ _("hi %(who)s", who="<x>") }}|'
        '{{ _("50%% off") }}'
    )
    assert calls == ["hello", "<b>bold</b>", "50%% off"]  # looked up once, when compiled
    i18n.activate(None, "fr")  # render time: no catalog, messages as written
    assert template.render() == "HELLO|<B>BOLD</B>|hi &lt;x&gt;|50% off"


def test_kept_link_paths_are_per_parameters(town):
    parvis, app = town.parvis, town.app
    first = parvis.url_path(app, "spaces:space", {"space": "parks"})
    assert first == "/s/parks"
    assert parvis.url_path(app, "spaces:space", {"space": "library"}) == "/s/library"
    assert parvis.url_path(app, "spaces:space", {"space": "parks"}) == first
    assert parvis.url_path(app, "spaces:upload", {"upload": 7}) != parvis.url_path(
        app, "spaces:upload", {"upload": 8}
    )
