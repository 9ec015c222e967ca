"""Listing cards built in Python (``parvis.cards``): the same markup as the ``card`` macro, every
value escaped, and a theme that overrides the components keeps its own card on core's pages."""

from __future__ import annotations

import re

from markupsafe import Markup
from theme_helpers import theme_with_its_own_card

from parvis.api import using_locale
from parvis.models import Space, Town
from parvis.phases import Deadline
from parvis.testing.spaces import make_space_with_module

TEMPLATE = """{% import "ui/components.html" as ui with context %}\
{{ ui.card(*args, **options) }}@@{{ card(*args, **options) }}"""


def _tags(html: str) -> str:
    """Whitespace between tags is not shown; the rest must match byte for byte."""
    return re.sub(r">\s+<", "><", html).strip()


def test_python_card_matches_the_macro_and_escapes_every_value(town):
    env = town.parvis.jinja_env("default")
    hostile = '<script>alert("x")</script>&'
    cases = [
        ((hostile, "/s/a?x=1&y=<2>"), {}),
        (
            (hostile, "/s/a/survey/3/"),
            {
                "image": "/uploads/4?v=<1>",
                "kind": "poll",
                "heading": "h2",
                "summary": hostile,
                "meta": hostile,
                "badge": (hostile, "open"),
                "due": Deadline(hostile, None, 2, True),
                "count": (12345, hostile),
                "action": (hostile, '/vote?"x"'),
            },
        ),
        (("Idée", "/i"), {"kind": "idea_call", "due": Deadline("Vote", None, 9, False)}),
        (("Autre", "/o"), {"kind": "unknown", "count": (0, "réponse")}),
        ((Markup("<em>Déjà</em> vu"), "/m"), {"meta": Markup("<b>x</b> & 'y'")}),
    ]
    with using_locale(town.parvis, "fr"):
        for args, options in cases:
            html = env.from_string(TEMPLATE).render(
                args=args, options=options, url=lambda name, **kw: "/static/core" + kw["path"]
            )
            macro, python = html.split("@@")
            assert _tags(python) == _tags(macro)
            assert "<script>" not in python


def test_a_theme_overriding_the_components_keeps_its_card_on_core_pages(town, client, tmp_path):
    theme_with_its_own_card(tmp_path)
    town.parvis.themes_dir = tmp_path
    board = make_space_with_module(town, "survey", phase="open", module_title="Ma carte")
    with town.session() as s:
        s.get(Town, town.town_id).theme = "mine"
    page = client.get(f"/s/{board.space_slug}").text
    assert '<li class="my-card">Ma carte</li>' in page
    assert '<li class="my-card">Ma carte</li>' in client.get("/").text  # "open now"
    assert town.parvis.jinja_env("mine").globals["theme_cards"] is True
    assert town.parvis.jinja_env("default").globals["theme_cards"] is False
    with town.session() as s:
        s.get(Town, town.town_id).theme = "default"
        s.add(Space(town_id=town.town_id, slug="other", title="Autre", published=True))
    page = client.get(f"/s/{board.space_slug}").text
    assert "my-card" not in page and 'class="card card-media"' in page
    assert "my-card" not in client.get("/").text


def test_repeated_labels_are_escaped_once_but_a_markup_label_stays_markup():
    """Labels are escaped once and kept; a ``Markup`` equal to a kept plain label is its own
    value (already safe), not the plain one's escaped text."""
    from parvis import cards

    plain = cards.card("T", "/t", meta="<b>Parks</b>")
    assert "&lt;b&gt;Parks&lt;/b&gt;" in plain
    safe = cards.card("T", "/t", meta=Markup("<b>Parks</b>"))
    assert '<p class="meta"><b>Parks</b></p>' in safe
    assert cards.card("T", "/t", meta="<b>Parks</b>") == plain


def test_card_values_are_escaped_as_markupsafe_escapes_them_with_or_without_its_c_code():
    """Cards escape through markupsafe's C function when it is there, through plain replaces
    when it is not: both give ``markupsafe.escape``'s entities; safe values stay as they are."""
    from markupsafe import escape

    from parvis import cards

    texts = ['<script>alert("x")</script>', "Tom & Jerry's <café>", "plain", "", "&amp;"]
    for value in [*texts, Markup("<b>safe</b>"), 1234, None]:
        assert cards._e(value) == str(escape(value))
    for text in texts:
        assert cards._replace_escape(text) == str(escape(text))
    title, href = '<i>"A" & B</i>', "/s/a?x=1&y='2'"
    card = cards.framed_card(('<a href="', "</a>"), title, href)
    assert card.startswith(f'<a href="{escape(href)}">{escape(title)}</a>')
    safe = cards.framed_card(('<a href="', "</a>"), Markup("<b>B</b>"), "/b")
    assert safe.startswith('<a href="/b"><b>B</b></a>')


def test_framed_card_list_shares_what_follows_the_titles():
    """``framed_card_list`` writes what follows the titles once per deadline line, count and
    action label: each card still equals ``card`` with its own arguments, the links escaped per
    card, a ``Markup`` label kept as it is (not mistaken for the equal plain string)."""
    from types import SimpleNamespace

    from parvis import cards

    frame = cards.card_frame("survey", ("Open", "open"), "Park")
    due = SimpleNamespace(text="Open until 3 May <soon>", soon=True)
    options = [
        ("A", "/a", None, (0, "answers"), ("Answer", "/a?x=1&y=2")),
        ("B & b", "/b", None, (0, "answers"), ("Answer", "/b/<answer>")),
        ("C", "/c", due, (1234, "answers"), ("Answer", "/c")),
        ("D", "/d", None, (0, "answers"), (Markup("<b>Answer</b>"), "/d")),
        ("E", "/e", None, (0, "answers"), ("<b>Answer</b>", "/e")),
        ("F", "/f", due, None, None),
    ]
    items = [
        SimpleNamespace(frame=frame, title=t, url=u, deadline=d, count=c, action=a)
        for t, u, d, c, a in options
    ]
    expected = "".join(
        cards.card(t, u, "", "survey", "h3", None, "Park", ("Open", "open"), d, c, a)
        for t, u, d, c, a in options
    )
    assert str(cards.framed_card_list(items)) == expected
    assert "<b>Answer</b></a>" in expected and "&lt;b&gt;Answer&lt;/b&gt;</a>" in expected


def test_space_cards_write_what_the_space_card_include_writes(town):
    """``space_cards`` replaces an include per space (each copies the template's context):
    same markup for a published space, an unpublished one with a picture and an area, hostile
    text, and the heading the space list asks for."""
    from types import SimpleNamespace

    env = town.parvis.jinja_env("default")
    hostile = '<script>alert("x")</script>&'
    spaces = [
        SimpleNamespace(
            title="Parc",
            slug="parc",
            image_id=None,
            kind="council",
            summary="",
            area=None,
            published=True,
        ),
        SimpleNamespace(
            title=hostile,
            slug="x",
            image_id=7,
            kind="consultation",
            summary=hostile,
            area=SimpleNamespace(name=hostile),
            published=False,
        ),
    ]
    template = (
        '{% set render_card = card %}{% for s in spaces %}{% include "core/_space_card.html" %}'
        '{% endfor %}@@{{ space_cards(spaces, url, _("Whole town"), _("Not published"), heading) }}'
    )

    def url(name: str, **params: object) -> str:
        return f"/{name}/" + "/".join(str(v) for v in params.values())

    with using_locale(town.parvis, "fr"):
        for heading in ("h3", "h2"):
            html = env.from_string(template).render(
                spaces=spaces, url=url, heading=heading, card_heading=heading
            )
            include, python = html.split("@@")
            assert python == include and python.count("<li") == 2
            assert "<script>" not in python and f"<{heading} " in python


def test_space_page_cards_are_the_macro_cards_whatever_the_type_phase_and_dates(
    town, client, tmp_path
):
    """The space page writes its module cards from frames shared per type and phase
    (``framed_card_list``): the same list as the ``card`` macro given each card's options, which
    a theme holding an exact copy of core's components gets. Modules of several types and
    phases, one dated (deadline line), hostile titles."""
    import datetime as dt
    import shutil
    from pathlib import Path

    import parvis
    from parvis import schedule
    from parvis.models import Module

    types = town.parvis.registry.module_types
    board = make_space_with_module(town, "survey", phase="open", module_title='<b>"Q"</b> & 1')
    with town.session() as s:
        for i, (key, mtype) in enumerate(sorted(types.items())):
            for phase in mtype.phases[:3]:
                module = Module(
                    space_id=board.space_id,
                    type=key,
                    slug=f"{key}-{phase.key}".replace("_", "-"),
                    title=f"<i>{key}</i> '{phase.key}' {i}",
                    phase=phase.key,
                    published=True,
                    settings={},
                )
                s.add(module)
                s.flush()
        end = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
        schedule.set_phase_dates(s, s.get(Module, board.module_id), "open", ends_at=end)
    theme = tmp_path / "copy" / "templates" / "ui"
    theme.mkdir(parents=True)
    core_ui = Path(parvis.__file__).parent / "templates" / "ui" / "components.html"
    shutil.copy(core_ui, theme / "components.html")
    town.parvis.themes_dir = tmp_path

    def cards(page: str) -> str:
        found = re.search(r'<ul class="cards modules">(.*?)</ul>', page, re.S)
        assert found is not None
        return _tags(found.group(1))

    python = client.get(f"/s/{board.space_slug}").text
    with town.session() as s:
        s.get(Town, town.town_id).theme = "copy"
    macro = client.get(f"/s/{board.space_slug}").text
    assert town.parvis.jinja_env("copy").globals["theme_cards"] is True
    assert cards(python) == cards(macro)
    assert cards(python).count("<li") > len(types) and 'class="deadline' in python
    assert "<i>" not in cards(python) and "&lt;b&gt;&#34;Q&#34;&lt;/b&gt; &amp; 1" in python
