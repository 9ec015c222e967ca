"""Test helpers for Parvis and for plugin authors (loaded as the ``parvis`` pytest plugin).

Every name here is documented in ``docs/writing_plugins.md`` (section Testing), with its signature.
"""

from parvis.testing.asgi import AsgiResponse, asgi_get, asgi_scope, signed_in
from parvis.testing.catalogs import assert_catalogs_complete, catalog_problems
from parvis.testing.deployment import run_command, second_worker
from parvis.testing.helpers import (
    DEFAULT_PASSWORD,
    CapturedMail,
    SMTPCapture,
    TestTown,
    csrf_token_from,
    form_errors,
    grant_role,
    load_demo_town,
    login,
    make_user,
    post_form,
    queued_mail,
    send_outbox,
    session_cookie,
    verify,
)
from parvis.testing.records import (
    add_census_person,
    audit_entries,
    leave_jobs_running,
    set_permission,
)
from parvis.testing.spaces import SpaceWithModule, make_space_with_module

__all__ = [
    "DEFAULT_PASSWORD",
    "AsgiResponse",
    "CapturedMail",
    "SMTPCapture",
    "SpaceWithModule",
    "TestTown",
    "add_census_person",
    "asgi_get",
    "asgi_scope",
    "assert_catalogs_complete",
    "audit_entries",
    "catalog_problems",
    "csrf_token_from",
    "form_errors",
    "grant_role",
    "leave_jobs_running",
    "load_demo_town",
    "login",
    "make_space_with_module",
    "make_user",
    "post_form",
    "queued_mail",
    "run_command",
    "second_worker",
    "send_outbox",
    "session_cookie",
    "set_permission",
    "signed_in",
    "verify",
]
