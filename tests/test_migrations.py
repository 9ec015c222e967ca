"""The migrations (core branch plus every plugin branch) build exactly the models' schema."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

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
