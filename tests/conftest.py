"""Core tests use the ``parvis`` pytest plugin's fixtures (core/parvis/testing).

The example plugin has its own tests, run by test_example_plugin.py after installing it as a
separate distribution: they are not collected from here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

collect_ignore = ["example_plugin"]

EXAMPLE_PLUGIN = Path(__file__).parent / "example_plugin"


@pytest.fixture(scope="session")
def example_plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example plugin installed as its own distribution in a folder of its own (put it on
    ``PYTHONPATH`` of a subprocess): found only through its entry point, like any plugin."""
    target = tmp_path_factory.mktemp("example-site")
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(EXAMPLE_PLUGIN),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr
    return target


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fuzz-requests",
        type=int,
        default=int(os.environ.get("PARVIS_FUZZ_REQUESTS", "500")),
        help="requests the fuzzing suite sends (test_fuzz_posts.py); more for a longer run",
    )


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from test_fuzz_posts import STATS

    if STATS["requests"]:
        terminalreporter.write_line(
            f"fuzzing: {STATS['requests']} requests to {STATS.get('routes')} POST routes as "
            f"{STATS.get('roles')} roles in {STATS.get('seconds')} s; "
            f"{STATS['server_errors']} server errors, "
            f"{STATS['refused_but_stored']} refused requests that stored something"
        )
