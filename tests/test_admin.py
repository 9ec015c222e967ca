"""A town admin builds the site: spaces, modules, phases, areas, roles, rules, town settings."""

from __future__ import annotations

import io
import types

import pytest
from PIL import Image
from sqlalchemy import select
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from parvis.context import get_context
from parvis.contrib import ModuleType, Phase
from parvis.hookspecs import hookimpl
from parvis.models import Area, AuditEntry, Module, PermissionRule, RoleGrant, Space, Upload, User
from parvis.testing import form_errors, login, make_user, post_form
from parvis.web import view


@view
def _index(request):
    ctx = get_context(request)
    return PlainTextResponse(f"{ctx.module.title} in phase {ctx.module.phase}")


@hookimpl
def parvis_module_types():
    return [
        ModuleType(
            "demo",
            "Demo",
            phases=[Phase("draft", "Draft"), Phase("open", "Open")],
            routes=[Route("/", _index, name="index")],
        )
    ]


DEMO_PLUGIN = types.ModuleType("demo_plugin")
DEMO_PLUGIN.parvis_module_types = parvis_module_types


@pytest.fixture
def admin_town(make_town):
    return make_town(extra_plugins={"demo": DEMO_PLUGIN}, plugins=["demo"])


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(buffer, format="PNG")
    return buffer.getvalue()


def test_admin_creates_a_space_adds_a_module_and_moves_its_phase(admin_town):
    with admin_town.client() as client:
        login(client, admin_town.admin_email, admin_town.admin_password)
        empty = post_form(
            client, "/admin/spaces/new", {"title": "", "kind": "general"}, page="/admin/spaces/new"
        )
        assert empty.status_code == 400 and form_errors(empty.text)
        created = post_form(
            client,
            "/admin/spaces/new",
            {
                "title": "Vélodrome",
                "summary": "Un nouveau vélodrome",
                "kind": "general",
                "description": "**Grand** projet",
                "published": "y",
            },
            page="/admin/spaces/new",
            files={"image": ("photo.png", _png(), "image/png")},
        )
        assert created.status_code == 303
        with admin_town.session() as session:
            space = session.scalar(select(Space).where(Space.slug == "velodrome"))
            upload = session.get(Upload, space.image_id)
            assert upload.content_type == "image/jpeg"  # re-encoded
        edit_url = created.headers["location"]
        added = post_form(
            client,
            f"/admin/spaces/{space.id}/modules",
            {"module-type": "demo", "module-title": "Budget 2027"},
            page=edit_url,
        )
        assert added.status_code == 303
        with admin_town.session() as session:
            module = session.scalar(select(Module).where(Module.space_id == space.id))
        assert module.phase == "draft"
        assert client.get(f"/s/velodrome/demo/{module.id}/").text == "Budget 2027 in phase draft"
        moved = post_form(
            client, f"/admin/modules/{module.id}/phase", {"phase": "open"}, page=edit_url
        )
        assert moved.status_code == 303
        assert client.get(f"/s/velodrome/demo/{module.id}/").text == "Budget 2027 in phase open"
        bogus = post_form(
            client, f"/admin/modules/{module.id}/phase", {"phase": "nope"}, page=edit_url
        )
        assert bogus.status_code == 303
        page = client.get("/s/velodrome").text
        assert "<strong>Grand</strong> projet" in page and "Budget 2027" in page
    with admin_town.session() as session:
        assert session.get(Module, module.id).phase == "open"
        actions = session.scalars(select(AuditEntry.action)).all()
        assert {"space.save", "module.add", "module.phase"} <= set(actions)


def test_bad_image_is_refused_beside_the_field_and_the_input_kept(admin_town):
    with admin_town.client() as client:
        login(client, admin_town.admin_email, admin_town.admin_password)
        response = post_form(
            client,
            "/admin/spaces/new",
            {"title": "Parc", "kind": "general"},
            page="/admin/spaces/new",
            files={"image": ("evil.png", b"<?php echo 1;", "image/png")},
        )
    assert response.status_code == 400 and 'value="Parc"' in response.text
    assert 'id="image-error"' in response.text


def test_script_in_description_is_not_rendered(admin_town):
    with admin_town.session() as session:
        session.add(
            Space(
                town_id=admin_town.town_id,
                slug="x",
                title="X",
                published=True,
                description="<script>alert(1)</script> [a](javascript:alert(1))",
            )
        )
    with admin_town.client() as client:
        html = client.get("/s/x").text
    assert "<script>alert" not in html
    assert 'href="javascript' not in html


def test_areas_roles_rules_and_explanations(admin_town):
    with admin_town.session() as session:
        make_user(session, admin_town.town_id, "mod@example.org", name="Mo")
    with admin_town.client() as client:
        login(client, admin_town.admin_email, admin_town.admin_password)
        assert (
            post_form(
                client, "/admin/areas", {"name": "Les Tilleuls"}, page="/admin/areas"
            ).status_code
            == 303
        )
        duplicate = post_form(client, "/admin/areas", {"name": "Les Tilleuls"}, page="/admin/areas")
        assert duplicate.status_code == 400 and form_errors(duplicate.text)
        unknown = post_form(
            client,
            "/admin/roles",
            {"email": "ghost@example.org", "role": "moderator"},
            page="/admin/roles",
        )
        assert unknown.status_code == 400 and 'value="ghost@example.org"' in unknown.text
        granted = post_form(
            client,
            "/admin/roles",
            {"email": "mod@example.org", "role": "moderator"},
            page="/admin/roles",
        )
        assert granted.status_code == 303
        rule = post_form(
            client,
            "/admin/permissions",
            {"action": "spaces.follow", "role": "resident", "space": "", "allow": "0"},
            page="/admin/permissions",
        )
        assert rule.status_code == 303
        explained = post_form(
            client,
            "/admin/permissions",
            {
                "form": "explain",
                "explain-email": "mod@example.org",
                "explain-action": "spaces.follow",
                "explain-space": "",
            },
            page="/admin/permissions",
        )
        assert explained.status_code == 200, form_errors(explained.text)
        assert "resident" in explained.text and "notice error" in explained.text, explained.text[
            -3000:
        ]
    with admin_town.session() as session:
        assert session.scalar(select(Area).where(Area.name == "Les Tilleuls")) is not None
        user = session.scalar(select(User).where(User.email == "mod@example.org"))
        assert (
            session.scalar(select(RoleGrant.role).where(RoleGrant.user_id == user.id))
            == "moderator"
        )
        assert session.scalar(select(PermissionRule.allow)) is False


def test_town_settings_change_language_and_plugins(admin_town):
    with admin_town.client() as client:
        login(client, admin_town.admin_email, admin_town.admin_password)
        response = post_form(
            client,
            "/admin/town",
            {
                "name": "Testville-sur-Mer",
                "default_locale": "en",
                "theme": "default",
                "accessibility_statement": "Partially compliant.\n\nContact: mairie@example.org",
            },
            page="/admin/town",
        )
        assert response.status_code == 303
    with admin_town.client() as visitor:
        page = visitor.get("/accessibility")
        assert 'lang="en"' in page.text and "mairie@example.org" in page.text
        assert "Testville-sur-Mer" in page.text
    with admin_town.session() as session:
        space = Space(town_id=admin_town.town_id, slug="s", title="S", published=True)
        session.add(space)
        session.flush()
        session.add(Module(space_id=space.id, type="demo", slug="m", title="M", phase="draft"))
        session.flush()
        module_id = session.scalar(select(Module.id))
    with admin_town.client() as visitor:  # the plugin is now off for this town
        assert visitor.get(f"/s/s/demo/{module_id}/").status_code == 404


def test_plugin_settings_are_set_per_town_with_typed_fields(make_town):
    from parvis.contrib import Setting

    @hookimpl
    def parvis_settings():
        return [
            Setting("goal", int, 100, "Signatures needed."),
            Setting("public", bool, True, "Show results."),
        ]

    plugin = types.ModuleType("settings_plugin")
    plugin.parvis_settings = parvis_settings
    town = make_town(extra_plugins={"petitionish": plugin}, plugins=["petitionish"])
    with town.client() as client:
        login(client, town.admin_email, town.admin_password)
        page = client.get("/admin/plugin-settings").text
        assert 'value="100"' in page and "Signatures needed." in page
        bad = post_form(
            client,
            "/admin/plugin-settings",
            {"petitionish__goal": "many"},
            page="/admin/plugin-settings",
        )
        assert bad.status_code == 400 and 'value="many"' in bad.text and form_errors(bad.text)
        ok = post_form(
            client,
            "/admin/plugin-settings",
            {"petitionish__goal": "250"},
            page="/admin/plugin-settings",
        )
        assert ok.status_code == 303
    with town.session() as session:
        from parvis.models import Town

        saved = session.get(Town, town.town_id)
        assert town.parvis.setting(saved, "petitionish", "goal") == 250
        assert town.parvis.setting(saved, "petitionish", "public") is False  # unchecked box


def test_the_plugins_settings_read_in_the_town_s_language(town):
    """Labels and help of the installed plugins' settings are translated; no raw key shows;
    a count typed "1 000" the French way is read."""
    with town.client() as client:
        login(client, town.admin_email, town.admin_password)
        page = client.get("/admin/plugin-settings").text
        for text in (
            "Taille maximale des comptes rendus en PDF (Mo)",
            "Sondages express sur la page d&#39;accueil",
            "Réponses sans compte par adresse et par heure",
        ):
            assert text in page, text
        assert "council_space — max_pdf_mb" not in page and "consultation — home_polls" not in page
        post_form(client, "/language", {"locale": "en"})
        page = client.get("/admin/plugin-settings").text
        assert "Largest PDF of minutes (MB)" in page
        assert "Meeting minutes larger than this are refused." in page
        fields = {
            "consultation__anonymous_per_ip_per_hour": "1\u202f000",
            "consultation__home_polls": "2",
            "council_space__max_pdf_mb": "5",
        }
        form_page = "/admin/plugin-settings"
        assert post_form(client, form_page, fields, page=form_page).status_code == 303
    with town.session() as session:
        from parvis.models import Town

        saved = session.get(Town, town.town_id)
        assert town.parvis.setting(saved, "consultation", "anonymous_per_ip_per_hour") == 1000


def test_adding_a_module_and_moving_its_phase_fire_events_after_commit(make_town):
    received = []

    @hookimpl
    def parvis_event(event, app):
        received.append((event.name, dict(event.payload)))

    listener = types.ModuleType("listener_plugin")
    listener.parvis_event = parvis_event

    @hookimpl
    def failing(event, app):
        raise RuntimeError("a broken handler must not break the page")

    broken = types.ModuleType("broken_plugin")
    broken.parvis_event = failing
    town = make_town(
        extra_plugins={"demo": DEMO_PLUGIN, "listener": listener, "broken": broken},
        plugins=["demo", "listener", "broken"],
    )
    with town.session() as session:
        space = Space(town_id=town.town_id, slug="s", title="S", published=True)
        session.add(space)
        session.flush()
        space_id = space.id
    with town.client() as client:
        login(client, town.admin_email, town.admin_password)
        page = f"/admin/spaces/{space_id}"
        added = post_form(
            client, f"{page}/modules", {"module-type": "demo", "module-title": "M"}, page=page
        )
        assert added.status_code == 303
        module_id = received[0][1]["module_id"]
        moved = post_form(client, f"/admin/modules/{module_id}/phase", {"phase": "open"}, page=page)
        assert moved.status_code == 303
    assert received == [
        ("module.added", {"module_id": module_id, "type": "demo"}),
        (
            "module.phase_changed",
            {"module_id": module_id, "old": "draft", "new": "open", "automatic": False},
        ),
    ]
