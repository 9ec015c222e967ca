#!/usr/bin/env python3
"""Set-up and run Parvis on a fresh machine with nothing but Python 3.11+.

    python3 dev.py serve   # install, create the database, load the demo town, serve on :8000
    python3 dev.py test    # install, then run the whole test suite (extra args go to pytest)

Everything lands in ./.venv and ./instance; running either command again reuses them.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".parvis-installed"


def run(*args: str | os.PathLike[str], env: dict[str, str] | None = None) -> int:
    return subprocess.call([str(a) for a in args], cwd=ROOT, env=env)


def ensure_installed() -> None:
    """Create the virtualenv and install Parvis with its test tools, when pyproject changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - a friendly message on old Pythons
        sys.exit("Parvis needs Python 3.11 or newer.")
    if not (BIN / "python").exists():
        print("Creating the virtual environment in .venv ...", flush=True)
        venv.create(VENV, with_pip=True)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    print("Installing Parvis and its dependencies ...", flush=True)
    pip = [BIN / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if run(*pip, "--upgrade", "pip", "setuptools>=70.1") or run(*pip, "-e", ".[test]"):
        sys.exit("Installation failed (see the messages above).")
    STAMP.write_text(digest)


def serve(args: list[str]) -> int:
    ensure_installed()
    parvis = BIN / "parvis"
    if run(parvis, "db", "upgrade") or run(parvis, "demo"):
        return 1
    port = args[args.index("--port") + 1] if "--port" in args[:-1] else "8000"
    print(
        f"\nParvis demo town: http://127.0.0.1:{port}  (admin: admin@demo.parvis.local / "
        "demo-admin-password)\n",
        flush=True,
    )
    return run(parvis, "serve", *args)


def test(args: list[str]) -> int:
    ensure_installed()
    env = dict(os.environ)
    if not shutil.which("chromium") and not shutil.which("chromium-browser"):
        print(
            "NOTE: Chromium not found, so the browser tests will be skipped "
            "(install it with: apt-get install chromium).",
            flush=True,
        )
    database = env.get("PARVIS_TEST_DATABASE_URL", "sqlite (embedded)")
    print(f"Running the tests on {database} ...", flush=True)
    return run(BIN / "python", "-m", "pytest", *args, env=env)


def main() -> int:
    commands = {"serve": serve, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
