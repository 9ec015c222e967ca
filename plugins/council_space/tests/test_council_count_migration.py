"""Upgrading a database whose old in-process count thread had a count waiting: without its job
the count never runs and every new count of the call is refused as "already under way"."""

from __future__ import annotations

import json

from alembic import command
from sqlalchemy import text

from parvis.db import make_engine
from parvis.migrate import alembic_config

AT = "'2026-01-01 00:00:00+00:00'"


def test_a_count_waiting_before_the_job_queue_gets_its_job(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config(engine)
    command.upgrade(config, "0008_core_jobs")
    command.upgrade(config, "0003_council_space")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO towns (id, slug, name, default_locale, theme, enabled_plugins, "
                "settings, accessibility_statement, created_at, content_version, setup_version) "
                f"VALUES (1, 't', 'T', 'fr', 'default', '[]', '{{}}', '', {AT}, 0, 0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO spaces (id, town_id, slug, title, summary, description, kind, "
                f"published, position, settings, created_at) VALUES (1, 1, 's', 'S', '', '', "
                f"'general', 1, 0, '{{}}', {AT})"
            )
        )
        conn.execute(
            text(
                "INSERT INTO modules (id, space_id, type, slug, title, phase, position, "
                f"published, settings, created_at) VALUES (1, 1, 'council', 'c', 'C', 'results', "
                f"0, 1, '{{}}', {AT})"
            )
        )
        for status in ("pending", "done"):
            conn.execute(
                text(
                    "INSERT INTO council_space_count_jobs (module_id, town_id, rule, completion, "
                    "status, done, total, budget, ballots, total_cost, created_at) VALUES "
                    f"(1, 1, 'greedy', 0, '{status}', 0, 0, 100, 0, 0, {AT})"
                )
            )
    command.upgrade(config, "heads")
    with engine.connect() as conn:
        jobs = conn.execute(text("SELECT name, town_id, payload, status FROM jobs")).all()
    engine.dispose()
    assert [(n, t, s) for n, t, _p, s in jobs] == [("council_space.count", 1, "pending")]
    assert json.loads(jobs[0][2]) == {"count_job": 1}
