"""Hooks the example plugin does not exercise: ``parvis_actor_from_request`` and
``parvis_add_hookspecs``.

Each plugin here is a small module object registered with ``make_town(extra_plugins=...)``,
written only against ``parvis.api`` as a third-party plugin would be.
"""

from __future__ import annotations

import types
from typing import Any

import pytest
from sqlalchemy import select
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from parvis.api import User, get_context, hookimpl, hookspec, view
from parvis.testing import login, make_user


def _plugin(name: str, **hooks: Any) -> types.ModuleType:
    """A plugin module named ``name`` holding ``hooks`` (no templates, tables or catalogs)."""
    module = types.ModuleType(f"parvis_{name}.plugin")
    module.__file__ = __file__
    for attr, value in hooks.items():
        setattr(module, attr, value)
    return module


# --- parvis_actor_from_request: a kiosk authenticates with a header -----------------------------

KIOSK_TOKENS: dict[str, int] = {}


@hookimpl
def kiosk_actor_from_request(request: Any, session: Any) -> User | None:
    token = request.headers.get("x-kiosk-token")
    user_id = KIOSK_TOKENS.get(token or "")
    if user_id is None:
        return None  # let the next plugin (core's session cookie) try
    return session.scalar(select(User).where(User.id == user_id))


@view
def whoami(request: Any) -> PlainTextResponse:
    ctx = get_context(request)
    return PlainTextResponse(ctx.user.email if ctx.user else "anonymous")


@hookimpl
def kiosk_routes() -> list[Any]:
    return [Route("/whoami", whoami, name="whoami")]


def kiosk_plugin() -> types.ModuleType:
    return _plugin(
        "kiosk",
        parvis_actor_from_request=kiosk_actor_from_request,
        parvis_routes=kiosk_routes,
    )


@pytest.fixture
def kiosk_town(make_town):
    KIOSK_TOKENS.clear()
    town = make_town(extra_plugins={"kiosk": kiosk_plugin()})
    with town.session() as session:
        user = make_user(session, town.town_id, "kiosk@example.org")
        KIOSK_TOKENS["good-token"] = user.id
    return town


def test_a_kiosk_token_header_makes_the_request_that_users(kiosk_town):
    with kiosk_town.client() as client:
        assert client.get("/p/kiosk/whoami").text == "anonymous"
        answer = client.get("/p/kiosk/whoami", headers={"x-kiosk-token": "good-token"})
        assert answer.text == "kiosk@example.org"
        # Core pages see the same user: the profile page opens instead of sending to /login.
        profile = client.get(
            "/account", headers={"x-kiosk-token": "good-token"}, follow_redirects=False
        )
        assert profile.status_code == 200
        assert "kiosk@example.org" in profile.text
        assert client.get("/account", follow_redirects=False).status_code == 303


def test_a_cached_anonymous_page_is_never_served_to_a_kiosk_user(kiosk_town):
    """The kiosk tells who a visitor is without a session: the page cached for anonymous
    visitors must not answer a request it authenticates."""
    with kiosk_town.client() as client:
        assert client.get("/").headers["cache-control"].startswith("public")
        assert client.get("/").headers["cache-control"].startswith("public")
        kiosk = client.get("/", headers={"x-kiosk-token": "good-token"})
        assert kiosk.headers["cache-control"] == "private, no-store"
        assert 'href="/account"' in kiosk.text  # the page of a signed-in resident


def test_none_lets_the_session_cookie_decide(kiosk_town):
    with kiosk_town.session() as session:
        make_user(session, kiosk_town.town_id, "cookie@example.org")
    with kiosk_town.client() as client:
        login(client, "cookie@example.org")
        assert client.get("/p/kiosk/whoami").text == "cookie@example.org"
        # An unknown token returns None: core's session cookie still answers.
        unknown = client.get("/p/kiosk/whoami", headers={"x-kiosk-token": "nope"})
        assert unknown.text == "cookie@example.org"
        # A valid token comes first (core's hook is trylast).
        kiosk = client.get("/p/kiosk/whoami", headers={"x-kiosk-token": "good-token"})
        assert kiosk.text == "kiosk@example.org"


def test_a_user_of_another_town_is_never_the_actor(kiosk_town, make_town):
    other = make_town("other.example", app=kiosk_town.app)
    with other.client() as client:
        answer = client.get("/p/kiosk/whoami", headers={"x-kiosk-token": "good-token"})
        assert answer.text == "anonymous"


# --- parvis_add_hookspecs: a plugin declares a hook another plugin implements -------------------


class BadgeSpecs:
    """The ``badges`` plugin's own hook, added through ``parvis_add_hookspecs``."""

    @staticmethod
    @hookspec
    def parvis_badges_for(user_id: int) -> list[str]:  # type: ignore[empty-body]
        """Badges to show for the user."""


@hookimpl
def badges_add_hookspecs(pm: Any) -> None:
    pm.add_hookspecs(BadgeSpecs)


@view
def my_badges(request: Any) -> PlainTextResponse:
    ctx = get_context(request)
    results = ctx.parvis.pm.hook.parvis_badges_for(user_id=ctx.user.id if ctx.user else 0)
    return PlainTextResponse(", ".join(sorted(b for found in results for b in found)))


@hookimpl
def badges_routes() -> list[Any]:
    return [Route("/mine", my_badges, name="mine")]


@hookimpl
def medals_badges_for(user_id: int) -> list[str]:
    return ["early bird"] if user_id else []


def badges_plugin() -> types.ModuleType:
    return _plugin("badges", parvis_add_hookspecs=badges_add_hookspecs, parvis_routes=badges_routes)


def medals_plugin() -> types.ModuleType:
    return _plugin("medals", parvis_badges_for=medals_badges_for)


def test_a_plugin_declared_hook_is_called_in_another_plugin(make_town):
    town = make_town(
        "badges.example", extra_plugins={"medals": medals_plugin(), "badges": badges_plugin()}
    )
    with town.session() as session:
        make_user(session, town.town_id, "medal@example.org")
    with town.client() as client:
        assert client.get("/p/badges/mine").text == ""
        login(client, "medal@example.org")
        assert client.get("/p/badges/mine").text == "early bird"


def test_implementing_an_undeclared_hook_stops_start_up(make_town):
    from parvis.plugins import PluginError

    with pytest.raises(PluginError, match="medals"):
        make_town("lonely.example", extra_plugins={"medals": medals_plugin()})


def test_optionalhook_tolerates_a_missing_declaring_plugin(make_town):
    optional = _plugin("medals", parvis_badges_for=hookimpl(optionalhook=True)(lambda user_id: []))
    town = make_town("optional.example", extra_plugins={"medals": optional})
    assert "medals" in town.parvis.plugins
