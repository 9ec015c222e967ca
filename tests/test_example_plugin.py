"""A third-party plugin, installed as its own distribution, works without any change to core."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).parent / "example_plugin"


def test_example_plugin_installs_and_passes_its_own_tests(
    example_plugin_site: Path, tmp_path: Path
) -> None:
    # The plugin is found only through the entry point of its installed distribution.
    entry_points = example_plugin_site / "parvis_petitions-1.0.0.dist-info" / "entry_points.txt"
    assert "petitions = parvis_petitions.plugin" in entry_points.read_text()
    env = {**os.environ, "PYTHONPATH": str(example_plugin_site)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(EXAMPLE / "tests")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "6 passed" in run.stdout
