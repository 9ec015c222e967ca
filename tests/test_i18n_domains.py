"""A template is translated in its own plugin's domain first: two plugins may translate the same
English msgid differently ("Status" is "État" for consultation, "Statut" for council_space)."""

from __future__ import annotations

from parvis import i18n
from parvis.models import Module, Space
from parvis.testing import login


def test_plugin_templates_use_their_own_domain_first(town, client):
    with i18n.use_locale(town.parvis.catalogs, "fr"):
        # The same word, translated differently by two plugins: the test can tell them apart.
        assert i18n.Translator("parvis_consultation").gettext("Status") == "État"
        assert i18n.Translator("parvis_council_space").gettext("Status") == "Statut"
    with town.session() as session:
        space = Space(town_id=town.town_id, slug="c", title="C", published=True, kind="council")
        session.add(space)
        session.flush()
        module = Module(space_id=space.id, type="idea_call", slug="b", title="B", phase="results")
        session.add(module)
        session.flush()
        module_id = module.id
    login(client, town.admin_email, town.admin_password)
    page = client.get(f"/s/c/idea_call/{module_id}/").text
    assert '<label for="f-status">Statut</label>' in page
