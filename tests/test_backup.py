"""``parvis backup`` then ``parvis restore`` give back exactly the data, uploads included, on the
database the suite runs on (SQLite, or PostgreSQL through pg_dump and pg_restore)."""

from __future__ import annotations

import io
import shutil

import pytest
from click.testing import CliRunner
from PIL import Image
from sqlalchemy import create_engine, select

from parvis.cli import main
from parvis.db import Base
from parvis.demo import load_demo
from parvis.models import Town, Upload
from parvis.spaces.services import store_image


def snapshot(url: str) -> dict[str, list[str]]:
    """Every row of every table, as text, sorted."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table.name: sorted(repr(tuple(row)) for row in conn.execute(select(table)))
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


@pytest.fixture
def config_file(tmp_path, parvis_database_url, make_town):
    town = make_town()  # migrates nothing new: the database is the suite's migrated one
    parvis = town.parvis
    with parvis.db.session() as s:
        load_demo(parvis, s)
        buf = io.BytesIO()
        Image.new("RGB", (64, 48), "orange").save(buf, "PNG")
        store_image(s, s.get(Town, town.town_id), buf.getvalue(), "affiche.png")
    parvis.db.dispose()
    path = tmp_path / "parvis.toml"
    path.write_text(
        f'database_url = "{parvis_database_url}"\nsecret_key = "k"\n'
        f'instance_dir = "{tmp_path / "instance"}"\n'
    )
    return path


def test_backup_then_restore_gives_identical_data(config_file, parvis_database_url, tmp_path):
    if parvis_database_url.startswith("postgresql") and not shutil.which("pg_dump"):
        pytest.skip("pg_dump is not installed")
    before = snapshot(parvis_database_url)
    assert before["uploads"] and before["users"]
    target = tmp_path / "backups" / "parvis.backup"
    runner = CliRunner()
    made = runner.invoke(main, ["--config", str(config_file), "backup", str(target)])
    assert made.exit_code == 0, made.output
    assert "Backup written" in made.output and target.stat().st_size > 0

    engine = create_engine(parvis_database_url)  # everything changes after the backup
    with engine.begin() as conn:
        conn.execute(Upload.__table__.delete())
        conn.execute(Town.__table__.update().values(name="Changed"))
    engine.dispose()
    assert snapshot(parvis_database_url) != before

    done = runner.invoke(main, ["--config", str(config_file), "restore", "--yes", str(target)])
    assert done.exit_code == 0, done.output
    assert snapshot(parvis_database_url) == before


def test_restore_refuses_a_file_that_is_not_a_backup(config_file, tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a backup")
    done = CliRunner().invoke(main, ["--config", str(config_file), "restore", "--yes", str(bogus)])
    assert done.exit_code != 0 and "is not a" in done.output


def test_a_missing_pg_dump_is_said_plainly(monkeypatch, tmp_path):
    from parvis import backup

    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(backup.BackupError, match="pg_dump is not installed"):
        backup.backup("postgresql+psycopg://u@127.0.0.1/nothing", tmp_path / "x")
