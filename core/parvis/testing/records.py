"""Core records a plugin's tests read or set up: the audit log, the town's census, its
permission rules, queued jobs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from parvis.db import utcnow
from parvis.models import Area, AuditEntry, Job, PermissionRule, Space
from parvis.testing.helpers import TestTown
from parvis.verification.models import CensusEntry
from parvis.verification.records import person_key


def audit_entries(town: TestTown, action: str) -> list[AuditEntry]:
    """The town's audit entries of ``action`` (e.g. ``"election.count"``), oldest first; read
    ``actor_id``, ``target``, ``details`` and ``at`` on them."""
    with town.session() as session:
        return list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.town_id == town.town_id, AuditEntry.action == action)
                .order_by(AuditEntry.id)
            )
        )


def add_census_person(
    town: TestTown,
    *,
    family_name: str,
    given_names: str,
    birth_date: dt.date,
    area: Area | int | None = None,
) -> str:
    """Put a person on the town's census (as an import would) and return their person key, to
    pass to ``make_user(..., person_key=...)`` for an account verified as that person."""
    key = person_key(
        town.parvis.config.secret_key,
        town.town_id,
        family_name=family_name,
        given_names=given_names,
        birth_date=birth_date,
    )
    with town.session() as session:
        session.add(
            CensusEntry(
                town_id=town.town_id,
                person_key=key,
                family_name=family_name,
                given_names=given_names,
                birth_date=birth_date,
                area_id=area.id if isinstance(area, Area) else area,
            )
        )
    return key


def set_permission(
    town: TestTown, role: str, action: str, *, allow: bool, space: Space | int | None = None
) -> None:
    """Allow or deny ``action`` to ``role`` town-wide (or in ``space`` only), as a town admin
    does on the permissions page; it takes precedence over the action's default roles."""
    with town.session() as session:
        session.add(
            PermissionRule(
                town_id=town.town_id,
                space_id=space.id if isinstance(space, Space) else space,
                role=role,
                action=action,
                allow=allow,
            )
        )


def leave_jobs_running(town: TestTown, name: str, *, seconds_ago: int, attempts: int = 1) -> int:
    """Leave the queued jobs named ``name`` as a worker killed mid-job would: ``running``, started
    ``seconds_ago``, after ``attempts`` attempts (to test a job type's ``lease``); how many."""
    with town.session() as session:
        return session.execute(
            update(Job)
            .where(Job.name == name)
            .values(
                status="running",
                attempts=attempts,
                started_at=utcnow() - dt.timedelta(seconds=seconds_ago),
            )
        ).rowcount
