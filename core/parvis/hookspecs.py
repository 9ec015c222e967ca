"""The plugin contract: every hook Parvis calls, with its exact signature.

Build-time hooks run once when the app is created; request-time hooks run on every request and
must be cheap; event hooks run after a transaction commits. Each hook is documented in
``docs/plugin_hooks.md`` (a test checks both stay in step).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    import click
    import jinja2
    from sqlalchemy.orm import Session
    from starlette.requests import Request
    from starlette.routing import BaseRoute

    from parvis.contrib import (
        Action,
        AuditAction,
        Event,
        Fragment,
        JobType,
        MenuItem,
        ModuleType,
        Role,
        Setting,
        SpaceKind,
        VerificationMethod,
    )
    from parvis.models import Town, User
    from parvis.plugin_app import App

hookspec = pluggy.HookspecMarker("parvis")
hookimpl = pluggy.HookimplMarker("parvis")


# --- build time -------------------------------------------------------------------------------


@hookspec(historic=True)
def parvis_add_hookspecs(pm: pluggy.PluginManager) -> None:
    """Add a plugin's own hookspecs so other plugins can extend it."""


@hookspec
def parvis_settings() -> list[Setting]:
    """Typed settings of the plugin, with defaults and docs."""


@hookspec
def parvis_actions() -> list[Action]:
    """Permission actions, named ``<plugin>.<verb>``."""


@hookspec
def parvis_audit_actions() -> list[AuditAction]:
    """Actions the plugin records in the audit log, each with the sentence the log shows."""


@hookspec
def parvis_job_types() -> list[JobType]:
    """Kinds of background job the plugin queues, each with the function that runs one."""


@hookspec
def parvis_roles() -> list[Role]:
    """Roles the plugin adds to core's."""


@hookspec
def parvis_space_kinds() -> list[SpaceKind]:
    """Kinds of space the plugin adds (e.g. a neighbourhood council)."""


@hookspec
def parvis_module_types() -> list[ModuleType]:
    """Module types spaces can hold, with their phases and routes."""


@hookspec
def parvis_verification_methods() -> list[VerificationMethod]:
    """Ways of verifying residents' residence the plugin adds; towns enable them one by one."""


@hookspec
def parvis_routes() -> list[BaseRoute]:
    """Site-level routes, mounted by core under ``/p/<plugin>/`` and named ``<plugin>:<name>``."""


@hookspec
def parvis_commands(cli: click.Group) -> None:
    """Add ``parvis`` CLI commands to ``cli``."""


@hookspec
def parvis_jinja_env(env: jinja2.Environment) -> None:
    """Add filters, tests or globals to a Jinja environment."""


@hookspec
def parvis_demo_data(session: Session, town: Town) -> None:
    """Create the plugin's demo content in the demo town (areas and spaces already exist)."""


# --- request time -----------------------------------------------------------------------------


@hookspec(firstresult=True)
def parvis_actor_from_request(request: Request, session: Session) -> User | None:
    """Return the user making ``request``, or ``None`` to let the next plugin try."""


@hookspec
def parvis_template_vars(request: Request) -> dict[str, Any]:
    """Extra variables for every template rendered for ``request``."""


@hookspec
def parvis_menu_items(request: Request) -> list[MenuItem]:
    """Entries of the main menu for ``request`` (filter them by permission yourself)."""


@hookspec
def parvis_slot(
    name: str, request: Request, session: Session, context: dict[str, Any]
) -> list[Fragment]:
    """Fragments for the named slot of a page; called before rendering, never during."""


# --- events and personal data ------------------------------------------------------------------


@hookspec
def parvis_event(event: Event, app: App) -> None:
    """React to ``event`` after its transaction committed (notifications, audit, caches)."""


@hookspec
def parvis_export_user_data(session: Session, user: User) -> dict[str, Any]:
    """The user's personal data held by the plugin, as JSON-serialisable data."""


@hookspec
def parvis_erase_user_data(session: Session, user: User) -> None:
    """Erase or anonymise the user's data before the account is deleted."""
