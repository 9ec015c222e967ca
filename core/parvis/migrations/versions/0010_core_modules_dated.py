"""modules: a ``dated`` mark kept by triggers, and indexes for the home page's candidates

``modules.dated`` says whether a module has a row in ``module_phase_dates``. Triggers on that
table keep it, whoever writes the dates (the staff's form, ``set_phase_dates``, a plugin, a
restore), so the home page finds a town's dated modules through a partial index on
``space_id`` instead of looking each of its modules up in ``module_phase_dates`` (the part of
its statement that grew with the town's history), its first open modules without dates from
the index on ``(space_id, type, phase, published, dated, position)`` alone, and its newest
closed ones from ``(space_id, type, phase, published)``, whose ranges go in the table's order.

A later migration that rebuilds ``module_phase_dates`` on SQLite (``batch_alter_table``
recreates the table) drops its triggers: it must create them again (``create_triggers``).

Revision ID: 0010_core_modules_dated
Revises: 0009_core_modules_index
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_core_modules_dated"
down_revision = "0009_core_modules_index"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = (
    """CREATE TRIGGER modules_dated_insert AFTER INSERT ON module_phase_dates
    BEGIN UPDATE modules SET dated = 1 WHERE id = NEW.module_id AND dated = 0; END""",
    """CREATE TRIGGER modules_dated_delete AFTER DELETE ON module_phase_dates
    BEGIN UPDATE modules SET dated = EXISTS
        (SELECT 1 FROM module_phase_dates WHERE module_id = OLD.module_id)
    WHERE id = OLD.module_id; END""",
    """CREATE TRIGGER modules_dated_update AFTER UPDATE OF module_id ON module_phase_dates
    BEGIN UPDATE modules SET dated = 1 WHERE id = NEW.module_id AND dated = 0;
    UPDATE modules SET dated = EXISTS
        (SELECT 1 FROM module_phase_dates WHERE module_id = OLD.module_id)
    WHERE id = OLD.module_id; END""",
)
_POSTGRESQL_TRIGGERS = (
    """CREATE FUNCTION modules_dated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP <> 'DELETE' THEN
            UPDATE modules SET dated = TRUE WHERE id = NEW.module_id AND NOT dated;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            UPDATE modules SET dated = EXISTS
                (SELECT 1 FROM module_phase_dates WHERE module_id = OLD.module_id)
            WHERE id = OLD.module_id;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER modules_dated AFTER INSERT OR DELETE OR UPDATE OF module_id
    ON module_phase_dates FOR EACH ROW EXECUTE FUNCTION modules_dated()""",
)


def create_triggers() -> None:
    """The triggers that keep ``modules.dated``, for this database."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in _SQLITE_TRIGGERS if sqlite else _POSTGRESQL_TRIGGERS:
        op.execute(statement)


def upgrade() -> None:
    with op.batch_alter_table("modules", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("dated", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
        batch_op.drop_index("ix_modules_space_type_phase")
        batch_op.create_index(
            "ix_modules_space_type_phase",
            ["space_id", "type", "phase", "published", "dated", "position"],
            unique=False,
        )
        batch_op.create_index(
            "ix_modules_results", ["space_id", "type", "phase", "published"], unique=False
        )
        batch_op.create_index(
            "ix_modules_dated",
            ["space_id"],
            unique=False,
            sqlite_where=sa.text("dated"),
            postgresql_where=sa.text("dated"),
        )
    op.execute(
        "UPDATE modules SET dated = EXISTS "
        "(SELECT 1 FROM module_phase_dates AS d WHERE d.module_id = modules.id)"
    )
    create_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER modules_dated_{name}")
    else:
        op.execute("DROP TRIGGER modules_dated ON module_phase_dates")
        op.execute("DROP FUNCTION modules_dated()")
    with op.batch_alter_table("modules", schema=None) as batch_op:
        batch_op.drop_index("ix_modules_dated")
        batch_op.drop_index("ix_modules_results")
        batch_op.drop_index("ix_modules_space_type_phase")
        batch_op.create_index(
            "ix_modules_space_type_phase", ["space_id", "type", "phase"], unique=False
        )
        batch_op.drop_column("dated")
