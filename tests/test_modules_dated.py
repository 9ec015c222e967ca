"""``modules.dated``: the database's triggers keep it equal to "the module has a row in
``module_phase_dates``", whoever writes the dates, and the home page relies on it to tell the
dated modules (part 1 of its statement) from the undated ones (part 0)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, text, update

from parvis.i18n import DEFAULT_TIME_ZONE
from parvis.migrate import alembic_config
from parvis.models import Module, PhaseDates
from parvis.schedule import set_phase_dates
from parvis.testing import make_space_with_module

_NOW = dt.datetime.now(dt.UTC)


def _dated(town, module_id: int) -> bool:
    with town.session() as session:
        return bool(session.scalar(select(Module.dated).where(Module.id == module_id)))


def test_the_mark_follows_the_module_s_dates(town):
    built = make_space_with_module(town, "survey", phase="open")
    other = make_space_with_module(town, "survey", phase="open", space_slug="other")
    assert not _dated(town, built.module_id)
    with town.session() as session:
        module = session.get(Module, built.module_id)
        set_phase_dates(session, module, "open", ends_at=_NOW + dt.timedelta(days=3))
        set_phase_dates(session, module, "closed", starts_at=_NOW + dt.timedelta(days=3))
        session.commit()
    assert _dated(town, built.module_id) and not _dated(town, other.module_id)
    with town.session() as session:  # one of two rows removed: still dated
        session.execute(
            delete(PhaseDates).where(
                PhaseDates.module_id == built.module_id, PhaseDates.phase == "closed"
            )
        )
        session.commit()
    assert _dated(town, built.module_id)
    with town.session() as session:  # a row moved to another module (raw SQL, as a fix would)
        session.execute(
            update(PhaseDates)
            .where(PhaseDates.module_id == built.module_id)
            .values(module_id=other.module_id)
        )
        session.commit()
    assert not _dated(town, built.module_id) and _dated(town, other.module_id)
    with town.session() as session:
        session.execute(delete(PhaseDates).where(PhaseDates.module_id == other.module_id))
        session.commit()
    assert not _dated(town, other.module_id)


def test_a_rolled_back_date_leaves_no_mark(town):
    built = make_space_with_module(town, "survey", phase="open")
    with town.session() as session:
        module = session.get(Module, built.module_id)
        set_phase_dates(session, module, "open", ends_at=_NOW + dt.timedelta(days=1))
        session.rollback()
    assert not _dated(town, built.module_id)


def test_dates_cleared_by_staff_bring_the_module_back_among_the_undated(town, client):
    """Dated, the survey is found by the home page's dated part; once its dates are gone, by its
    undated part: it shows as open either way, with its deadline only while it has one."""
    built = make_space_with_module(town, "survey", phase="open", module_title="Parks survey")
    with town.session() as session:
        module = session.get(Module, built.module_id)
        # Noon, two days from now on the town's clock: "2 days left" whatever the hour.
        zone = ZoneInfo(DEFAULT_TIME_ZONE)
        day = dt.datetime.now(zone).date() + dt.timedelta(days=2)
        ends = dt.datetime.combine(day, dt.time(12), tzinfo=zone)
        set_phase_dates(session, module, "open", ends_at=ends)
        session.commit()
    client.cookies.set("parvis_lang", "en")
    html = client.get("/").text
    card = html[html.index("Parks survey") :][:1500]
    assert "Parks survey" in html and "2 days" in card
    with town.session() as session:
        session.execute(delete(PhaseDates).where(PhaseDates.module_id == built.module_id))
        session.execute(text("UPDATE towns SET content_version = content_version + 1"))
        session.commit()
    html = client.get("/").text
    card = html[html.index("Parks survey") :][:1500]
    assert "2 days" not in card


def test_the_migration_marks_the_modules_dated_before_it(tmp_path):
    from alembic import command

    from parvis.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config(engine)
    command.upgrade(config, "0009_core_modules_index")
    at = "'2026-01-01 00:00:00+00:00'"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO towns (id, slug, name, default_locale, theme, enabled_plugins, "
                "settings, accessibility_statement, created_at, content_version, "
                f"setup_version) VALUES (1, 't', 'T', 'fr', 'default', '[]', '{{}}', '', {at}, "
                "0, 0)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO spaces (id, town_id, slug, title, summary, description, kind, "
                f"published, position, settings, created_at) VALUES (1, 1, 's', 'S', '', '', "
                f"'general', 1, 0, '{{}}', {at})"
            )
        )
        for module_id in (1, 2):
            conn.execute(
                text(
                    "INSERT INTO modules (id, space_id, type, slug, title, phase, position, "
                    f"published, settings, created_at) VALUES ({module_id}, 1, 'survey', "
                    f"'m{module_id}', 'M', 'open', 0, 1, '{{}}', {at})"
                )
            )
        conn.execute(
            text(
                "INSERT INTO module_phase_dates (module_id, phase, ends_at) "
                f"VALUES (1, 'open', {at})"
            )
        )
    command.upgrade(config, "0010_core_modules_dated")
    with engine.begin() as conn:
        marks = conn.execute(text("SELECT id, dated FROM modules ORDER BY id")).all()
        conn.execute(
            text(
                "INSERT INTO module_phase_dates (module_id, phase, ends_at) "
                f"VALUES (2, 'open', {at})"
            )
        )
        after = conn.execute(text("SELECT dated FROM modules WHERE id = 2")).scalar()
    engine.dispose()
    assert [(i, bool(d)) for i, d in marks] == [(1, True), (2, False)]
    assert after
