"""A served process moves what is alive after start-up out of the collector's generations
(``app.freeze_start_up_objects``), once: collections then walk only what requests allocate."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def test_start_up_objects_are_frozen_once_per_process(tmp_path):
    script = textwrap.dedent(
        f"""
        import gc
        from starlette.testclient import TestClient
        from parvis.app import create_app
        from parvis.config import Config

        def app():
            return create_app(Config(
                database_url="sqlite:///{tmp_path}/gc.db", secret_key="x" * 40,
                instance_dir="{tmp_path}", mail_backend="null",
            ))

        first, second = app(), app()
        assert gc.get_freeze_count() == 0
        with TestClient(first):
            frozen = gc.get_freeze_count()
        assert frozen > 10_000, frozen
        with TestClient(second):
            assert gc.get_freeze_count() <= frozen  # once per process: nothing added
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.stdout.strip() == "ok", done.stderr
