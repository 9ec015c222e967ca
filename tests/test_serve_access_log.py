"""``parvis serve`` writes uvicorn's access log only when the deployment asks for it
(``access_log = true``): off by default, since a line per request holds the client's address
and the time of each vote."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_and_get(tmp_path: Path, extra: str) -> str:
    """Start ``parvis serve``, GET one page, stop it; everything the server wrote."""
    toml = tmp_path / "parvis.toml"
    toml.write_text(
        f'database_url = "sqlite:///{tmp_path / "p.db"}"\nsecret_key = "{"k" * 40}"\n'
        f'mail_backend = "null"\ninstance_dir = "{tmp_path / "instance"}"\n{extra}'
    )
    port = _free_port()
    parvis = str(Path(sys.executable).parent / "parvis")
    log = tmp_path / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [parvis, "serve", "--port", str(port)],
            env={**os.environ, "PARVIS_CONFIG": str(toml)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/probe-access-log", timeout=5)
                except urllib.error.HTTPError:
                    pass  # any status: the request reached the app
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
                    continue
                break
            time.sleep(0.3)
        finally:
            proc.terminate()
            proc.wait(15)
    return log.read_text()


@pytest.mark.parametrize(("extra", "logged"), [("", False), ("access_log = true\n", True)])
def test_access_log_is_off_unless_configured(tmp_path, extra, logged):
    output = _serve_and_get(tmp_path, extra)
    assert "Uvicorn running" in output or "Application startup complete" in output
    assert ("GET /probe-access-log" in output) is logged
