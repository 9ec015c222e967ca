"""``parvis plugin new`` → ``pip install -e`` → the new plugin's tests pass; then
``makemigration`` and ``i18n`` work on it — all in a virtualenv of the test's own, so the
plugin is never installed where the rest of the suite runs."""

from __future__ import annotations

import os
import re
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from parvis.plugins import installed_plugins

ROOT = Path(__file__).resolve().parents[1]


def _run(python: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PARVIS_CONFIG")}
    return subprocess.run(
        [str(python), *args], capture_output=True, text=True, cwd=cwd, env=env, check=False
    )


@pytest.fixture(scope="module")
def author_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv that sees Parvis and its test tools (this venv's packages, through a
    ``.pth`` that adds them as a site dir) and installs into itself."""
    root = tmp_path_factory.mktemp("author-venv")
    venv.create(root, with_pip=False)
    python = root / "bin" / "python"
    purelib = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=root)
    ours = [p for p in site.getsitepackages() if Path(p).is_dir()]
    Path(purelib.stdout.strip(), "parent_env.pth").write_text(
        "".join(f"import site; site.addsitedir({p!r})\n" for p in ours)
    )
    return python


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result.stdout


def test_new_plugin_installs_passes_its_tests_and_takes_migrations_and_catalogs(
    author_python: Path, tmp_path: Path
) -> None:
    work = tmp_path / "empty"
    work.mkdir()
    _ok(_run(author_python, "-m", "parvis", "plugin", "new", "hello", cwd=work))
    assert not (work / "instance").exists()  # no deployment files in an author's folder
    plugin = work / "hello"
    _ok(
        _run(
            author_python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-e",
            str(plugin),
            cwd=work,
        )
    )
    tests = _ok(_run(author_python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=plugin))
    assert "6 passed" in tests, tests
    # Parvis's own suite, run where hello is installed, still loads only Parvis's plugins.
    here = f"{Path(__file__).resolve()}::test_core_suite_loads_only_this_distributions_plugins"
    assert "1 passed" in _ok(_run(author_python, "-m", "pytest", "-q", here, cwd=ROOT))

    # The skeleton's migration matches its models: nothing to migrate yet.
    parvis = ("-m", "parvis", "plugin")
    same = _run(author_python, *parvis, "makemigration", "hello", "nothing", cwd=work)
    assert same.returncode != 0 and "nothing to migrate" in same.stderr

    models = plugin / "parvis_hello" / "models.py"
    models.write_text(
        models.read_text().replace(
            "    text: Mapped[str]",
            "    colour: Mapped[str | None] = mapped_column(String(20))\n    text: Mapped[str]",
        )
    )
    _ok(_run(author_python, *parvis, "makemigration", "hello", "Note colour", cwd=work))
    revision = plugin / "parvis_hello" / "migrations" / "0002_hello_note_colour.py"
    text = revision.read_text()
    assert re.search(r"down_revision = .0001_hello.", text) and "colour" in text, text
    assert "add_column" in text and "council_space" not in text  # only the plugin's tables
    # The test database is built through the migrations, the new revision included.
    pytest_args = ("-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "export")
    assert "1 passed" in _ok(_run(author_python, *pytest_args, cwd=plugin))

    assert "complete" in _ok(_run(author_python, *parvis, "i18n", "check", "hello", cwd=work))
    views = plugin / "parvis_hello" / "views.py"
    views.write_text(
        views.read_text().replace(
            '_("Your note is published.")', '_("Thank you, %(name)s.", name="x")'
        )
    )
    check = _run(author_python, *parvis, "i18n", "check", "hello", cwd=work)
    assert check.returncode != 0
    assert "Thank you, %(name)s." in check.stderr and "views.py" in check.stderr
    assert "Your note is published." in check.stderr  # now obsolete
    update = _ok(_run(author_python, *parvis, "i18n", "update", "hello", cwd=work))
    assert "fr: 1 added, 1 removed" in update
    french = plugin / "parvis_hello" / "locale" / "fr" / "LC_MESSAGES" / "parvis_hello.po"
    assert "nplurals=2; plural=(n > 1);" in french.read_text()
    check = _run(author_python, *parvis, "i18n", "check", "hello", cwd=work)
    assert "with an empty msgstr" in check.stderr
    french.write_text(
        french.read_text().replace(
            'msgid "Thank you, %(name)s."\nmsgstr ""',
            'msgid "Thank you, %(name)s."\nmsgstr "Merci, %(nom)s."',
        )
    )
    check = _run(author_python, *parvis, "i18n", "check", "hello", cwd=work)
    assert "placeholders differ" in check.stderr
    french.write_text(french.read_text().replace("%(nom)s", "%(name)s"))
    _ok(_run(author_python, *parvis, "i18n", "check", "hello", cwd=work))
    assert "fr: 8 message(s)" in _ok(
        _run(author_python, *parvis, "i18n", "compile", "hello", cwd=work)
    )
    pot = work / "hello.pot"
    _ok(_run(author_python, *parvis, "i18n", "extract", "hello", "-o", str(pot), cwd=work))
    assert 'msgid "Thank you, %(name)s."' in pot.read_text()


def test_new_refuses_bad_names_and_existing_folders(tmp_path: Path) -> None:
    python = Path(sys.executable)
    for name in ("Hello", "admin", "x", "a__b", "hello-world"):
        result = _run(python, "-m", "parvis", "plugin", "new", name, cwd=tmp_path)
        assert result.returncode != 0 and name in result.stderr, (name, result.stderr)
    (tmp_path / "taken").mkdir()
    result = _run(python, "-m", "parvis", "plugin", "new", "taken", cwd=tmp_path)
    assert "already exists" in result.stderr
    result = _run(python, "-m", "parvis", "plugin", "makemigration", "nosuch", "x", cwd=tmp_path)
    assert "No installed plugin is named 'nosuch'" in result.stderr


def test_core_suite_loads_only_this_distributions_plugins(town) -> None:
    ours = sorted(
        n for n, ep in installed_plugins().items() if ep.dist and ep.dist.name == "parvis"
    )
    assert sorted(town.parvis.plugins) == ours
    assert "consultation" in ours
