"""Browser tests: the demo town served by uvicorn, driven in Debian's Chromium by Playwright.

No browser is ever downloaded: Playwright launches the ``chromium`` found on the PATH. Without
it the tests are skipped (and the end of the run says so), except under ``CI=true`` where a
missing browser is a failure.

Each test module gets its own app and fresh SQLite database loaded with the demo; the browser
is shared by the whole session.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from . import checks
from .checks import ADMIN, RESIDENT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

_skipped: list[str] = []


def _unavailable() -> str | None:
    if CHROMIUM is None:
        return "Chromium not found (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    reason = _unavailable()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
        _skipped.append(reason)
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _skipped:
        return
    skipped = sum(
        1
        for report in terminalreporter.stats.get("skipped", [])
        if "browser tests skipped" in str(report.longrepr)
    )
    terminalreporter.write_sep("=", "browser tests", yellow=True)
    terminalreporter.write_line(
        f"{skipped} browser test(s) SKIPPED: {_skipped[0]}. "
        "Install Debian's chromium package to run them (CI=true turns this into a failure)."
    )


# --- the live app ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from parvis import migrate
    from parvis.db import make_engine

    path = tmp_path_factory.mktemp("browser-db") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


class LiveApp:
    """The demo town served on a free localhost port."""

    def __init__(self, app: Any, server: Any, thread: threading.Thread, port: int) -> None:
        self.app = app
        self.server = server
        self.thread = thread
        self.base_url = f"http://127.0.0.1:{port}"
        self._states: dict[tuple[str, str], Any] = {}

    @property
    def parvis(self) -> Any:
        return self.app.state.parvis

    def url(self, path: str) -> str:
        return self.base_url + path

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    def storage_state(self, browser: Any, email: str, password: str) -> Any:
        """Cookies of a signed-in browser, logged in once through the real form and kept."""
        key = (email, password)
        if key not in self._states:
            context = browser.new_context(base_url=self.base_url)
            page = context.new_page()
            checks.log_in(page, email, password)
            self._states[key] = context.storage_state()
            context.close()
        return self._states[key]


def start_live_app(template: Path, folder: Path, **overrides: Any) -> LiveApp:
    import uvicorn

    from parvis.app import create_app
    from parvis.config import Config
    from parvis.demo import load_demo

    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "parvis.db"
    shutil.copyfile(template, db)
    settings: dict[str, Any] = {
        "database_url": f"sqlite:///{db}",
        "secret_key": "browser-" + uuid.uuid4().hex,
        "mail_backend": "null",
        "instance_dir": str(folder / "instance"),
        "rate_limits": {"login": [1000, 300], "signup": [1000, 3600], "reset": [1000, 3600]},
    }
    if "PARVIS_PLUGINS" in os.environ:  # as for ``Config.load``: a comma-separated list
        settings["plugins"] = [p for p in os.environ["PARVIS_PLUGINS"].split(",") if p]
    settings.update(overrides)
    app = create_app(Config(**settings))
    with app.state.parvis.db.session() as session:
        load_demo(app.state.parvis, session)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.02)
    return LiveApp(app, server, thread, port)


@pytest.fixture(scope="module")
def live_factory(
    browser: Any, migrated_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., LiveApp]]:
    """Start a live app for the module with extra ``Config`` settings."""
    started: list[LiveApp] = []

    def factory(**overrides: Any) -> LiveApp:
        live = start_live_app(migrated_template, tmp_path_factory.mktemp("live"), **overrides)
        started.append(live)
        return live

    yield factory
    for live in started:
        live.stop()
        live.parvis.db.dispose()


@pytest.fixture(scope="module")
def live(live_factory: Callable[..., LiveApp]) -> LiveApp:
    return live_factory()


@pytest.fixture(scope="module")
def open_page(browser: Any, live: LiveApp) -> Iterator[Callable[..., Any]]:
    """``open_page(size, role)``: a page of a browser context at that size, signed in as
    ``role`` ("visitor", "resident" or "admin"); contexts are kept for the module."""
    contexts: dict[tuple[str, int], Any] = {}

    def factory(size: dict[str, int], role: str = "visitor") -> Any:
        key = (role, size["width"])
        if key not in contexts:
            state = None
            if role == "admin":
                state = live.storage_state(browser, *ADMIN)
            elif role == "resident":
                state = live.storage_state(browser, *RESIDENT)
            context = browser.new_context(
                base_url=live.base_url, viewport=size, storage_state=state, locale="fr-FR"
            )
            context.set_default_timeout(10_000)
            contexts[key] = context
            contexts[key].new_page()
        return contexts[key].pages[0]

    yield factory
    for context in contexts.values():
        context.close()


@pytest.fixture
def new_page(browser: Any, live: LiveApp) -> Iterator[Callable[..., Any]]:
    """A page in a fresh browser context (no cookies), closed after the test."""
    contexts: list[Any] = []

    def factory(size: dict[str, int], base_url: str | None = None) -> Any:
        context = browser.new_context(
            base_url=base_url or live.base_url, viewport=size, locale="fr-FR"
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()
