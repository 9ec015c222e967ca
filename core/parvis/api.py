"""The public surface for plugins: import from here only; the rest of core is private.

Everything named here is covered by ``docs/`` and kept stable across minor versions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from contextlib import AbstractContextManager
from typing import Any

from parvis import audit, jobs, ratelimit
from parvis.accounts.services import unsubscribe_url as _unsubscribe_url
from parvis.activity import count_by_week
from parvis.cli import app_for_command
from parvis.context import Context, LoginRequired, get_context
from parvis.context import site_url as _site_url
from parvis.contrib import (
    Action,
    AuditAction,
    Event,
    Fragment,
    JobType,
    MenuItem,
    ModuleRow,
    ModuleSummary,
    ModuleType,
    Phase,
    QueuedJob,
    Role,
    Setting,
    SpaceKind,
    SpaceRow,
    VerificationMethod,
)
from parvis.csrf import csrf_token
from parvis.db import Base, count_by, read_columns, utcnow
from parvis.driver import driver_rows
from parvis.events import emit
from parvis.forms import Form, parse_int
from parvis.hookspecs import hookimpl, hookspec
from parvis.httpcache import cached_slot, shared_fragment
from parvis.i18n import (
    Translator,
    format_currency,
    format_date,
    format_datetime,
    format_number,
    format_percent,
    get_locale,
    use_locale,
)
from parvis.keylist import in_keys, keyed_rows
from parvis.mail import queue_mail
from parvis.models import Area, Follow, Module, Space, Town, Upload, User, Verification
from parvis.notify import notify_followers
from parvis.numbers import DecimalField, IntegerField, parse_number, parse_whole
from parvis.permissions import (
    ANONYMOUS,
    MODERATOR,
    RESIDENT,
    SPACE_ADMIN,
    TOWN_ADMIN,
    VERIFIED,
    Actor,
    Decision,
)
from parvis.phases import Deadline, TimelineStep, phase_deadline, phase_timeline
from parvis.plugin_app import App, unwrap
from parvis.rendering import (
    fills_slots,
    form_status,
    redirect,
    render,
    render_fragment,
    render_string,
)
from parvis.rendermemo import memo_fragment
from parvis.schedule import set_phase_dates
from parvis.spaces.services import (
    Follower,
    InvalidImage,
    followers,
    slugify,
    store_image,
)
from parvis.streams import export_response
from parvis.templating import render_markdown
from parvis.text_order import python_order
from parvis.towns import town_areas, town_time_zone
from parvis.unseen_writes import write_unseen
from parvis.verification.eligibility import Eligibility, eligible
from parvis.verification.records import (
    CensusIdentity,
    PersonAlreadyVerified,
    census_identities,
    census_names,
    verification_of,
    verify_user,
)
from parvis.verification.records import person_key as _person_key
from parvis.web import view

record_audit = audit.record
enqueue_job = jobs.enqueue


def run_jobs(app: App, *, names: Collection[str] | None = None, limit: int | None = None) -> int:
    """Run the due jobs of ``names`` (default: every declared type) now, in this thread, as a
    worker would; how many succeeded. For tests and commands (``parvis jobs run``)."""
    return jobs.run_pending(unwrap(app), names=names, limit=limit)


def site_url(app: App, session: Any, town_id: int) -> str:
    """A town's own address, for links in e-mails sent from ``parvis_event`` or a command."""
    return _site_url(unwrap(app), session, town_id)


def rate_limit(session: Any, key: str, limit: int, window_seconds: int) -> bool:
    """Record an attempt under ``key`` (prefix it with your plugin's name); False when ``limit``
    attempts already happened in the last ``window_seconds``. Shared by every app process."""
    return ratelimit.hit(session, key, limit, window_seconds)


def unsubscribe_url(app: App, base_url: str, user_id: int) -> str:
    """The link to put in every e-mail about a followed space (one click turns them off);
    ``base_url`` comes from ``site_url`` (computed once per batch)."""
    return _unsubscribe_url(unwrap(app).config.secret_key, base_url, user_id)


def person_key(
    app: App, town_id: int, *, family_name: str, given_names: str, birth_date: dt.date
) -> str:
    """The person key (64 hex chars) of an identity in a town, for a verification method's
    ``verify_user`` call; ``app`` is ``ctx.app`` or a hook's ``app``."""
    return _person_key(
        unwrap(app).config.secret_key,
        town_id,
        family_name=family_name,
        given_names=given_names,
        birth_date=birth_date,
    )


def using_locale(app: App, locale: str) -> AbstractContextManager[None]:
    """Translate in ``locale`` inside a ``with`` block, e.g. to write each follower's e-mail in
    their language from an event handler or a command (``app`` is the hook's ``app``)."""
    return use_locale(unwrap(app).catalogs, locale)


__all__ = [
    "ANONYMOUS",
    "MODERATOR",
    "RESIDENT",
    "SPACE_ADMIN",
    "TOWN_ADMIN",
    "VERIFIED",
    "Action",
    "Actor",
    "App",
    "Area",
    "AuditAction",
    "Base",
    "CensusIdentity",
    "Context",
    "Deadline",
    "DecimalField",
    "Decision",
    "Eligibility",
    "Event",
    "Follow",
    "Follower",
    "Form",
    "Fragment",
    "IntegerField",
    "InvalidImage",
    "JobType",
    "LoginRequired",
    "MenuItem",
    "Module",
    "ModuleRow",
    "ModuleSummary",
    "ModuleType",
    "PersonAlreadyVerified",
    "Phase",
    "QueuedJob",
    "Role",
    "Setting",
    "Space",
    "SpaceKind",
    "SpaceRow",
    "TimelineStep",
    "Town",
    "Translator",
    "Upload",
    "User",
    "Verification",
    "VerificationMethod",
    "app_for_command",
    "cached_slot",
    "census_identities",
    "census_names",
    "count_by",
    "count_by_week",
    "csrf_token",
    "driver_rows",
    "eligible",
    "emit",
    "enqueue_job",
    "export_response",
    "fills_slots",
    "followers",
    "form_status",
    "format_currency",
    "format_date",
    "format_datetime",
    "format_number",
    "format_percent",
    "get_context",
    "get_locale",
    "hookimpl",
    "hookspec",
    "in_keys",
    "keyed_rows",
    "memo_fragment",
    "notify_followers",
    "parse_int",
    "parse_number",
    "parse_whole",
    "person_key",
    "phase_deadline",
    "phase_timeline",
    "python_order",
    "queue_mail",
    "rate_limit",
    "read_columns",
    "record_audit",
    "redirect",
    "render",
    "render_fragment",
    "render_markdown",
    "render_string",
    "run_jobs",
    "set_phase_dates",
    "shared_fragment",
    "site_url",
    "slugify",
    "store_image",
    "town_areas",
    "town_time_zone",
    "unsubscribe_url",
    "using_locale",
    "utcnow",
    "verification_of",
    "verify_user",
    "view",
    "write_unseen",
]
