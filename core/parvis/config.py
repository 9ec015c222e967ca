"""Deployment configuration: ``parvis.toml``, overridden by ``PARVIS_*`` environment variables."""

from __future__ import annotations

import json
import os
import secrets
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

# {kind: [attempts, seconds]}. Log-in counts wrong passwords per account and address, per
# address, and per account (see parvis.accounts.login).
RATE_LIMITS = {
    "login": [10, 300],
    "login_ip": [50, 300],
    "login_account": [100, 3600],
    "signup": [5, 3600],
    "reset": [5, 3600],
}


@dataclass
class Config:
    database_url: str = "sqlite:///instance/parvis.db"
    secret_key: str = ""
    # Plugins enabled for the deployment; ``None`` enables every installed plugin.
    plugins: list[str] | None = None
    # Towns may still switch each enabled plugin off for themselves in the admin.
    mail_backend: str = "console"  # "console", "smtp" or "null"
    mail_from: str = "Parvis <no-reply@localhost>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    # Set behind TLS so cookies get the Secure flag.
    https: bool = False
    # uvicorn's per-request access log (time, address, path, status). Off: it is personal data
    # (addresses), it times each ballot's POST next to the database's insertion order, and it
    # costs CPU on every request; log at the reverse proxy if the town needs it.
    access_log: bool = False
    instance_dir: str = "instance"
    # Process the outbox inside the web process (development); production runs ``parvis worker``.
    inline_worker: bool = False
    # Writing views (every method but GET and HEAD) run at once per process, in the thread pool.
    threads: int = 20
    # Reading views run at once per process, in slots of their own (``view_threads.py``): on
    # one core, views running at once cost more CPU each (the GIL), so few; writes never wait
    # for them. 4: measured in ``docs/performance.md`` ("Read slots").
    read_threads: int = 4
    # Streamed downloads (CSV exports) at once per process, each holding a connection while the
    # client downloads (``streams.py``); the next one waits briefly, then gets a 503.
    export_streams: int = 2
    # ``parvis serve`` on PostgreSQL: refuse to start (instead of warning) when the workers'
    # database pools may open more connections than the server accepts (``pool_check.py``).
    strict_connections: bool = False
    # Rendered anonymous pages kept per process (``@view(cache=True)``); 0 turns it off.
    page_cache_mb: int = 32
    # Fragments kept per process for every visitor alike, logged in or not (the home page's
    # cards, ``shared_fragment``, ``@cached_slot``); 0 turns it off.
    fragment_cache_mb: int = 16
    # Rendered cards and fragments kept per process under exactly what they show
    # (``rendermemo.py``: survives writes, never stale); 0 turns it off.
    render_memo_mb: int = 8
    rate_limits: dict[str, list[int]] = field(default_factory=lambda: dict(RATE_LIMITS))
    plugin_settings: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, **overrides: Any) -> Config:
        path = path or os.environ.get("PARVIS_CONFIG", "parvis.toml")
        values: dict[str, Any] = {}
        if Path(path).is_file():
            values.update(tomllib.loads(Path(path).read_text(encoding="utf-8")))
        known = {f.name: f for f in fields(cls)}
        unknown = set(values) - set(known)
        if unknown:
            raise ValueError(f"{path}: unknown setting(s) {', '.join(sorted(unknown))}")
        for name, f in known.items():
            env = os.environ.get(f"PARVIS_{name.upper()}")
            if env is None:
                continue
            if f.type in ("bool", bool):
                values[name] = env.lower() in ("1", "true", "yes")
            elif f.type in ("int", int):
                values[name] = int(env)
            elif name == "plugins":
                values[name] = [p for p in env.split(",") if p]
            elif f.type.startswith("dict"):
                values[name] = _json_table(f"PARVIS_{name.upper()}", env)
            else:
                values[name] = env
        values.update(overrides)
        config = cls(**values)
        if not config.secret_key:
            config.secret_key = config._instance_secret()
        return config

    def rate_limit(self, kind: str) -> tuple[int, int]:
        """(attempts, seconds) for ``kind``: the configured value, else the default (a
        ``parvis.toml`` written before a kind existed still works)."""
        limit, window = self.rate_limits.get(kind) or RATE_LIMITS[kind]
        return int(limit), int(window)

    def database_connections(self) -> int:
        """The most connections the database pool opens: one per view that may run at once,
        one more per reading view (a read that finds a module due to change phase moves it in
        a unit of work of its own, ``schedule.advance``), one per export stream (it reads while
        the client downloads, ``streams.py``), one for the version reader of kept pages
        (``fastpath.py``) and one for the inline worker's jobs (``inline_worker``, one unit of
        work at a time). So no view ever waits for a connection while holding a thread, and
        reads waiting for a second one can never take them all."""
        worker = 1 if self.inline_worker else 0
        return self.threads + 2 * self.read_threads + self.export_streams + 1 + worker

    def __post_init__(self) -> None:
        for name in ("threads", "read_threads", "export_streams"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
        for name, limit in self.rate_limits.items():
            if (
                not isinstance(limit, list | tuple)
                or len(limit) != 2
                or not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in limit)
            ):
                raise ValueError(
                    f"rate_limits: {name!r} must be [attempts, seconds] (two positive whole "
                    f"numbers), got {limit!r}"
                )

    def _instance_secret(self) -> str:
        """A random key kept in the instance folder, so no secret ever sits in the repository."""
        path = Path(self.instance_dir) / "secret_key"
        if path.is_file():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


def _json_table(variable: str, text: str) -> dict[str, Any]:
    """A table setting given in the environment, as JSON: '{"login": [10, 300]}'."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{variable} must be a JSON object: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError(f"{variable} must be a JSON object, got {text!r}")
    return value
