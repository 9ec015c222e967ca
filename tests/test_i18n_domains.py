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


def test_a_lazy_label_read_once_follows_the_language_and_the_plugins_domain(town):
    """``translated`` keeps a lazy label's text per catalogs and language: each language and
    each plugin's domain still gets its own text, and a label of another domain its own."""
    council = i18n.Translator("parvis_council_space").lazy_gettext("Status")
    consultation = i18n.Translator("parvis_consultation").lazy_gettext("Status")
    for _round in range(2):  # the second round reads the kept texts
        with i18n.use_locale(town.parvis.catalogs, "fr"):
            assert i18n.translated(council) == "Statut"
            assert i18n.translated(consultation) == "État"
        with i18n.use_locale(town.parvis.catalogs, "en"):
            assert i18n.translated(council) == "Status"
    assert i18n.translated("plain") == "plain"  # not lazy: as it is
    # Another app's catalogs (its own plugins) keep their own texts.
    other = i18n.Catalogs([("parvis", None)])
    with i18n.use_locale(other, "fr"):
        assert i18n.translated(council) == "Status"
