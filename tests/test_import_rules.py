"""What may import what (docs/map.md): plugins reach core through ``parvis.api`` only, and core
never imports a plugin or ``parvis.api``."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.append(node.module)
    return names


def test_plugin_code_imports_only_parvis_api_from_core() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in ROOT.glob("plugins/*/parvis_*/**/*.py")
        if "migrations" not in path.parts
        for name in _imports(path)
        if name.split(".")[0] == "parvis" and name != "parvis.api"
    ]
    assert not wrong, "plugins import core through parvis.api only:\n" + "\n".join(wrong)


def test_core_imports_no_plugin_and_not_its_own_api() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in ROOT.glob("core/parvis/**/*.py")
        if path.name != "api.py" and "migrations" not in path.parts
        for name in _imports(path)
        if name.startswith("parvis_") or name == "parvis.api"
    ]
    assert not wrong, "\n".join(wrong)


def test_plugin_tests_import_only_parvis_api_and_parvis_testing_from_core() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in ROOT.glob("plugins/*/tests/**/*.py")
        for name in _imports(path)
        if name.split(".")[0] == "parvis" and name not in ("parvis.api", "parvis.testing")
    ]
    assert not wrong, "plugin tests import parvis.api and parvis.testing only:\n" + "\n".join(wrong)


# "Each module under about 400 lines" (issue 14): generated migrations and tests aside.
MAX_MODULE_LINES = 420


def test_no_module_of_core_or_a_plugin_is_over_about_400_lines() -> None:
    sources = [*ROOT.glob("core/parvis/**/*.py"), *ROOT.glob("plugins/*/parvis_*/**/*.py")]
    long = [
        f"{path.relative_to(ROOT)}: {lines} lines"
        for path in sources
        if "migrations" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    ]
    assert not long, "split these by job:\n" + "\n".join(long)
