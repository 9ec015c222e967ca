"""Resident verification registered as a core plugin: its methods, action, routes and events."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.routing import BaseRoute

from parvis.contrib import Action, AuditAction, JobType, QueuedJob, VerificationMethod
from parvis.hookspecs import hookimpl
from parvis.i18n import lazy_gettext as _l
from parvis.models import User
from parvis.plugin_app import App, unwrap
from parvis.verification import census_import, privacy
from parvis.verification.audit_actions import VERIFICATION_AUDIT_ACTIONS
from parvis.verification.methods import CORE_METHODS
from parvis.verification.views_census import CENSUS_JOB
from parvis.verification.views_census import routes as census_routes
from parvis.verification.views_claims import routes as claim_routes
from parvis.verification.views_letters import routes as letter_routes
from parvis.verification.views_resident import routes as resident_routes
from parvis.verification.views_staff import routes as staff_routes

MANAGE = "verification.manage"


@hookimpl
def parvis_verification_methods() -> list[VerificationMethod]:
    return list(CORE_METHODS)


@hookimpl
def parvis_audit_actions() -> list[AuditAction]:
    return list(VERIFICATION_AUDIT_ACTIONS)


@hookimpl
def parvis_actions() -> list[Action]:
    # No default role: town administrators, or whoever the town's rules allow.
    return [Action(MANAGE, _l("Verify residents and manage the town's list"))]


@hookimpl
def parvis_routes() -> list[BaseRoute]:
    return [*resident_routes, *staff_routes, *claim_routes, *census_routes, *letter_routes]


def _run_census_import(app: App, job: QueuedJob) -> None:
    # Claiming the import row makes a second run a no-op; a failure is reported in the row.
    census_import.run_import(unwrap(app), int(job.payload["import"]))


def _abandon_census_import(app: App, job: QueuedJob, error: str) -> None:
    census_import.abandon_import(unwrap(app), int(job.payload["import"]))


@hookimpl
def parvis_job_types() -> list[JobType]:
    # Never run twice (half an import, then the whole); an import still running after an hour is
    # taken as dead and marked failed.
    return [
        JobType(
            CENSUS_JOB,
            _run_census_import,
            max_attempts=1,
            lease=3600,
            on_failed=_abandon_census_import,
            label=_l("Town list import"),
            retryable=False,
        )
    ]


@hookimpl
def parvis_export_user_data(session: Session, user: User) -> dict[str, Any]:
    return privacy.export(session, user)
