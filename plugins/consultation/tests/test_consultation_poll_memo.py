"""The quick-poll widget is each viewer's own (written in Python, ``widget.py``): each resident
gets their own CSRF token, their own vote and their own language, and the page stays private.
(Once kept in the render memo; the name of this file stayed.)"""

from __future__ import annotations

import re

from consultation_builders import build_poll, english_user

from parvis.testing import login, make_user, post_form

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _widget(html: str) -> str:
    start = html.index('<section class="consultation-polls"')
    return html[start : html.index("</section>", start)]


def _residents(town, *emails: str, english: bool = True) -> None:
    with town.session() as session:
        for email in emails:
            (english_user if english else make_user)(session, town.town_id, email)


def test_each_resident_gets_their_own_token_in_a_shared_widget(town):
    b = build_poll(town)
    page = f"/s/{b.space_slug}"
    _residents(town, "a@example.org", "b@example.org")
    with town.client() as a, town.client() as b_client:
        login(a, "a@example.org")
        login(b_client, "b@example.org")
        first = a.get(page).text
        second = b_client.get(page).text
        tokens = {}
        for name, html in (("a", first), ("b", second)):
            widget = _widget(html)
            (token,) = TOKEN.findall(widget)
            # The token the rest of the page (the log-out form) holds: the visitor's own.
            assert token in TOKEN.findall(html.replace(widget, ""))
            tokens[name] = token
        assert tokens["a"] != tokens["b"]
        assert "\x00" not in first + second
        # The page holds a form: never shared with a proxy.
        assert "private" in b_client.get(page).headers["cache-control"]


def test_a_residents_own_vote_stays_theirs(town):
    b = build_poll(town, poll_results="answered")
    page = f"/s/{b.space_slug}"
    _residents(town, "a@example.org", "b@example.org", "c@example.org")
    button = f'name="q{b.q["poll"]}" value="{b.o["poll"][0]}"'
    with town.client() as a, town.client() as b_client, town.client() as c:
        for client, email in (
            (a, "a@example.org"),
            (b_client, "b@example.org"),
            (c, "c@example.org"),
        ):
            login(client, email)
        assert (
            post_form(a, b.url, {f"q{b.q['poll']}": b.o["poll"][0]}, page=page).status_code == 303
        )
        mine = _widget(a.get(page).text)
        assert button not in mine and "100%" in mine
        for other in (b_client, c):
            theirs = _widget(other.get(page).text)
            assert button in theirs and "100%" not in theirs


def test_each_language_gets_its_own_widget(town):
    b = build_poll(town)
    page = f"/s/{b.space_slug}"
    _residents(town, "en@example.org")
    _residents(town, "fr@example.org", english=False)
    with town.client() as en, town.client() as fr, town.client() as visitor:
        login(en, "en@example.org")
        login(fr, "fr@example.org")
        for order in ((en, fr), (fr, en)):  # in both orders
            pages = {client: _widget(client.get(page).text) for client in order}
            assert "Quick polls" in pages[en] and "Sondages express" not in pages[en]
            assert "Sondages express" in pages[fr] and "Quick polls" not in pages[fr]
        # A visitor who is not signed in is asked to log in, not given a signed-in widget.
        html = _widget(visitor.get(page).text)
        assert "Se connecter pour voter" in html and "Voir le sondage" not in html
