"""Every example in ``docs/`` keeps working, and every name the docs give exists.

- Python examples run (``docs_runner.py``, in a subprocess with the example plugin installed):
  imports resolve, classes and functions are defined, build-time hooks return their records;
- examples that are tests (``def test_...``) pass under pytest against the example plugin;
- TOML, INI and Jinja examples parse; shell examples name real ``parvis`` commands;
- every ``ctx.<name>`` the docs mention is an attribute of ``Context``, every ``parvis.api``
  name they import or list exists;
- the one Babel map for plugins the docs show is the file ``parvis plugin i18n`` uses.
"""

from __future__ import annotations

import configparser
import dataclasses
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import click
import jinja2

from parvis import api
from parvis.cli import main as parvis_cli
from parvis.context import Context
from parvis.devkit.catalogs import PLUGIN_MAPPING

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted((ROOT / "docs").glob("*.md"))
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
SIGNATURE = re.compile(r"^parvis_\w+\(.*\) -> .+$")


def blocks(*languages: str) -> list[tuple[str, str]]:
    found = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for index, match in enumerate(FENCE.finditer(text)):
            if match.group(1) in languages:
                line = text[: match.start()].count("\n") + 1
                found.append((f"docs/{path.name}:{line} (block {index})", match.group(2)))
    return found


def _subprocess_env(site: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(site)}


def test_python_examples_run(example_plugin_site: Path, tmp_path: Path) -> None:
    runnable = [
        (label, code)
        for label, code in blocks("python")
        if not SIGNATURE.match(code.strip()) and not re.search(r"^def test_", code, re.M)
    ]
    assert len(runnable) >= 30
    problems = _runner_problems(runnable, example_plugin_site, tmp_path)
    assert not problems, "\n".join(problems)


def _runner_problems(examples: list[tuple[str, str]], site: Path, tmp_path: Path) -> list[str]:
    """Run ``examples`` (label, code) through ``docs_runner.py`` in a fresh interpreter."""
    path = tmp_path / "blocks.json"
    path.write_text(json.dumps(examples), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "docs_runner.py"), str(path)],
        capture_output=True,
        text=True,
        env=_subprocess_env(site),
        cwd=tmp_path,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_the_runner_reports_a_broken_example(example_plugin_site: Path, tmp_path: Path) -> None:
    """The checks above can fail: an example naming what ``parvis.api`` lacks, one raising, and
    a hook returning the wrong record are each reported; a sound example is not."""
    examples = [
        ("sound", "from parvis.api import Role\n"),
        ("missing name", "from parvis.api import Rôle\n"),
        ("raises", "from parvis.api import Setting\nSetting(key=1, nonsense=True)\n"),
        (
            "wrong record",
            "from parvis.api import Role, hookimpl\n\n"
            "@hookimpl\ndef parvis_settings():\n    return [Role(key='x', label='X')]\n",
        ),
    ]
    problems = _runner_problems(examples, example_plugin_site, tmp_path)
    assert sorted(p.split(":")[0] for p in problems) == ["missing name", "raises", "wrong record"]
    assert _resolve(["plugin", "i18n", "check"]) is None
    assert _resolve(["plugin", "publish"]) == "publish"


def test_test_examples_pass(example_plugin_site: Path, tmp_path: Path) -> None:
    by_doc: dict[str, list[str]] = {}
    for label, code in blocks("python"):
        if re.search(r"^def test_", code, re.M):
            by_doc.setdefault(label.split(":")[0].removeprefix("docs/"), []).append(code)
    assert sum(len(codes) for codes in by_doc.values()) >= 2
    for doc, codes in by_doc.items():
        name = "test_from_" + re.sub(r"\W", "_", doc.removesuffix(".md")) + ".py"
        (tmp_path / name).write_text("\n\n".join(codes), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "."],
        capture_output=True,
        text=True,
        env=_subprocess_env(example_plugin_site),
        cwd=tmp_path,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


def test_toml_ini_and_jinja_examples_parse() -> None:
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    for label, code in blocks("toml"):
        try:
            tomllib.loads(code)
        except tomllib.TOMLDecodeError as exc:
            raise AssertionError(f"{label}: {exc}") from exc
    for label, code in blocks("ini"):
        parser = configparser.ConfigParser()
        parser.read_string(code, source=label)
    for label, code in blocks("jinja", "html"):
        try:
            env.parse(code)
        except jinja2.TemplateSyntaxError as exc:
            raise AssertionError(f"{label}: {exc}") from exc


def _resolve(args: list[str]) -> str | None:
    """None if ``parvis <args>`` names a real command, else what is missing."""
    command: click.Command = parvis_cli
    ctx = click.Context(parvis_cli)
    for arg in args:
        if arg.startswith("-") or not isinstance(command, click.Group):
            return None
        sub = click.Group.get_command(command, ctx, arg)  # core's commands, not plugins'
        if sub is None:
            return arg
        command = sub
    return None


def test_shell_examples_name_real_parvis_commands() -> None:
    checked = 0
    for label, code in blocks("sh", "bash", "console"):
        for line in code.replace("\\\n", " ").splitlines():
            line = line.split("#")[0].strip()
            for part in re.split(r"&&|\|\||;", line):
                words = shlex.split(part)
                if words and words[0].split("/")[-1] == "parvis":
                    missing = _resolve(words[1:])
                    assert missing is None, f"{label}: `{part.strip()}`: no command '{missing}'"
                    checked += 1
    assert checked >= 5


def _context_attributes() -> set[str]:
    return {f.name for f in dataclasses.fields(Context)} | {
        name for name in dir(Context) if not name.startswith("_")
    }


def test_every_ctx_attribute_the_docs_mention_exists() -> None:
    attributes = _context_attributes()
    missing = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"(?<![\w.])ctx\.([A-Za-z_]\w*)", text):
            if match.group(1) not in attributes:
                line = text[: match.start()].count("\n") + 1
                missing.append(f"docs/{path.name}:{line}: ctx.{match.group(1)}")
    assert not missing, "Context has no such attribute:\n" + "\n".join(missing)


def test_every_parvis_api_name_the_docs_give_exists() -> None:
    missing = []
    for path in DOCS:
        text = path.read_text(encoding="utf-8")
        names = re.findall(r"parvis\.api\.([A-Za-z_]\w*)", text)
        pattern = r"from parvis\.api import \(?([^)`;]*?)(?:\)|`|;|$)"
        for imported in re.findall(pattern, text, re.M | re.S):
            names += re.findall(r"[A-Za-z_]\w*", imported.split("#")[0])
        missing += [f"docs/{path.name}: {n}" for n in names if not hasattr(api, n)]
    table = (ROOT / "docs" / "writing_plugins.md").read_text(encoding="utf-8")
    section = table[table.index("## 16. What `parvis.api` exports") :]
    for row in re.findall(r"^\| (.+?) \|", section, re.M)[2:]:
        for name in re.findall(r"`([A-Za-z_]\w*)", row):
            if not hasattr(api, name):
                missing.append(f"docs/writing_plugins.md §16: {name}")
    assert not missing, "not in parvis.api:\n" + "\n".join(missing)


def test_the_plugin_babel_recipe_in_the_docs_is_the_file_the_tools_use() -> None:
    recipe = "\n".join(
        line for line in PLUGIN_MAPPING.read_text().splitlines() if not line.startswith("#")
    ).strip()
    shown = [code.strip() for _, code in blocks("ini")]
    assert recipe in shown, "docs must show core/parvis/devkit/plugin_babel.cfg as it is"
    assert len(shown) == 1, "one Babel recipe in the docs"


def test_core_models_reference_is_up_to_date() -> None:
    from parvis.devkit import models_doc

    written = (ROOT / "docs" / "core_models.md").read_text(encoding="utf-8")
    assert written == models_doc.render(), (
        "docs/core_models.md is out of date: python -m parvis.devkit.models_doc > "
        "docs/core_models.md"
    )
    for column in ("`town_id`", "`locale`", "`display_name`", "`phase`", "`settings`"):
        assert column in written
    assert "password_hash" not in written


def test_the_app_handle_table_names_real_attributes() -> None:
    from parvis.plugin_app import App

    text = (ROOT / "docs" / "plugin_hooks.md").read_text(encoding="utf-8")
    table = text[text.index("| `app.` | What |") :].split("\n\n")[0]
    names = re.findall(r"^\| `(\w+)", table, re.M)[1:]  # after the heading row
    assert len(names) >= 6
    public = {n for n in dir(App) if not n.startswith("_")}
    assert set(names) == public, f"documented {sorted(names)}, App has {sorted(public)}"
