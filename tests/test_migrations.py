"""The migrations (core branch plus every plugin branch) build exactly the models' schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine, text

from parvis.db import Base
from parvis.migrate import alembic_config


def test_migrations_on_an_empty_database_equal_the_models(parvis_database_url):
    engine = create_engine(parvis_database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


def test_each_plugin_has_its_own_branch_depending_on_core(parvis_database_url):
    engine = create_engine(parvis_database_url)
    script = ScriptDirectory.from_config(alembic_config(engine))
    engine.dispose()
    bases = {rev: script.get_revision(rev) for rev in script.get_bases()}
    assert "0001_core" in bases
    for revision, rev in bases.items():
        if revision == "0001_core":
            continue
        assert rev.branch_labels, f"{revision} has no branch label"
        assert "0001_core" in (rev.dependencies or ()), f"{revision} does not depend on core"


def test_the_jobs_migration_queues_the_work_that_was_waiting(tmp_path):
    """0008: unsent mail the old outbox worker would have retried, and a census import still
    queued, get their jobs; a mail claimed without an outcome (it may have left) does not."""
    from alembic import command
    from sqlalchemy import text

    from parvis.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config(engine)
    command.upgrade(config, "0007_core_consents")
    at = "'2026-01-01 00:00:00+00:00'"
    with engine.begin() as conn:
        _insert_old_town(conn, at)
        # new, failed once (retry), claimed without an outcome, sent
        for n, (sent, attempts, error) in enumerate(
            [("NULL", 0, "NULL"), ("NULL", 2, "'refused'"), ("NULL", 1, "NULL"), (at, 1, "NULL")]
        ):
            conn.execute(
                text(
                    "INSERT INTO outbox (town_id, to_address, subject, body, created_at, sent_at, "
                    f"attempts, last_error) VALUES (1, 'a{n}@x', 's', 'b', {at}, {sent}, "
                    f"{attempts}, {error})"
                )
            )
        conn.execute(
            text(
                "INSERT INTO census_imports (town_id, filename, encoding, delimiter, mapping, "
                "status, total_rows, processed_rows, imported_rows, error_count, errors, "
                f"left_count, created_at) VALUES (1, 'f.csv', 'utf-8', ',', '{{}}', 'queued', "
                f"0, 0, 0, 0, '[]', 0, {at})"
            )
        )
    command.upgrade(config, "0008_core_jobs")
    with engine.connect() as conn:
        jobs = conn.execute(text("SELECT id, name, status, attempts FROM jobs ORDER BY id")).all()
        mails = conn.execute(text("SELECT job_id FROM outbox ORDER BY id")).scalars().all()
    engine.dispose()
    assert [(name, status, attempts) for _id, name, status, attempts in jobs] == [
        ("core.mail", "pending", 0),
        ("core.mail", "pending", 2),
        ("verification.census_import", "pending", 0),
    ]
    assert mails == [jobs[0][0], jobs[1][0], None, None]


def test_a_count_waiting_before_the_job_queue_gets_its_job(tmp_path):
    """council_space 0004: a count the old in-process thread had not started gets its job;
    without it the count never runs and every new count of the call is refused ("under way")."""
    import json

    from alembic import command
    from sqlalchemy import text

    from parvis.db import make_engine

    at = "'2026-01-01 00:00:00+00:00'"
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config(engine)
    command.upgrade(config, "0008_core_jobs")
    command.upgrade(config, "0003_council_space")
    with engine.begin() as conn:
        _insert_old_town(conn, at)
        conn.execute(
            text(
                "INSERT INTO spaces (id, town_id, slug, title, summary, description, kind, "
                f"published, position, settings, created_at) VALUES (1, 1, 's', 'S', '', '', "
                f"'general', 1, 0, '{{}}', {at})"
            )
        )
        conn.execute(
            text(
                "INSERT INTO modules (id, space_id, type, slug, title, phase, position, "
                f"published, settings, created_at) VALUES (1, 1, 'council', 'c', 'C', 'results', "
                f"0, 1, '{{}}', {at})"
            )
        )
        for status in ("pending", "done"):
            conn.execute(
                text(
                    "INSERT INTO council_space_count_jobs (module_id, town_id, rule, completion, "
                    "status, done, total, budget, ballots, total_cost, created_at) VALUES "
                    f"(1, 1, 'greedy', 0, '{status}', 0, 0, 100, 0, 0, {at})"
                )
            )
    command.upgrade(config, "heads")
    with engine.connect() as conn:
        jobs = conn.execute(text("SELECT name, town_id, payload, status FROM jobs")).all()
    engine.dispose()
    assert [(n, t, s) for n, t, _p, s in jobs] == [("council_space.count", 1, "pending")]
    assert json.loads(jobs[0][2]) == {"count_job": 1}


def _insert_old_town(conn: Connection, at: str) -> None:
    """Town 1, written with raw SQL as a database of an older release holds it."""
    conn.execute(
        text(
            "INSERT INTO towns (id, slug, name, default_locale, theme, enabled_plugins, "
            "settings, accessibility_statement, created_at, content_version, setup_version) "
            f"VALUES (1, 't', 'T', 'fr', 'default', '[]', '{{}}', '', {at}, 0, 0)"
        )
    )
