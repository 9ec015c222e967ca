"""Built-in plugins keep to the contract a third-party plugin has: ``parvis.api`` and hooks only."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_PACKAGES = [
    *sorted(ROOT.glob("plugins/*/parvis_*")),
    ROOT / "tests/example_plugin/parvis_petitions",
]


def _core_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            if (name == "parvis" or name.startswith("parvis.")) and name != "parvis.api":
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {name}")
    return found


def test_plugins_import_core_only_through_parvis_api():
    assert len(PLUGIN_PACKAGES) >= 3
    offending = [
        line
        for package in PLUGIN_PACKAGES
        for path in package.rglob("*.py")
        if "migrations" not in path.parts
        for line in _core_imports(path)
    ]
    assert not offending, "\n".join(offending)


def test_test_files_have_unique_names():
    """pytest imports test modules by their file name: two test_x.py in different folders (without
    packages) collide, and only a full run shows it."""
    names: dict[str, list[str]] = {}
    for path in [*ROOT.glob("tests/**/test_*.py"), *ROOT.glob("plugins/*/tests/**/test_*.py")]:
        if "example_plugin" in path.parts or (path.parent / "__init__.py").exists():
            continue  # a package's modules are named after the package too
        names.setdefault(path.name, []).append(str(path.relative_to(ROOT)))
    assert {n: p for n, p in names.items() if len(p) > 1} == {}
