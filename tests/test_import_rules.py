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
