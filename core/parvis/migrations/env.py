"""Alembic environment: core's branch plus one branch per installed plugin."""

from __future__ import annotations

from alembic import context

from parvis.db import Base, UTCDateTime
from parvis.migrate import import_all_models

import_all_models()
config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from sqlalchemy import create_engine

        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            _run(conn)
        engine.dispose()
    else:
        _run(connection)


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    # Migrations must not import app code: render our UTC type as the plain column type.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_item=_render_item,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # ``parvis plugin makemigration`` limits autogenerate to the plugin's own tables.
        include_object=config.attributes.get("include_object"),
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
