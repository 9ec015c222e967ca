"""No import cycle at run time (issue 14): the graph of module-level imports across core and the
plugins has no cycle, so any module can be imported first. Imports inside functions and under
``TYPE_CHECKING`` are left out: they run after every module has loaded."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "core", *sorted((ROOT / "plugins").glob("*"))]


def _modules() -> dict[str, Path]:
    found = {}
    for base in SOURCES:
        for path in base.glob("parvis*/**/*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(base).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _top_level_imports(name: str, path: Path, modules: set[str]) -> set[str]:
    """Modules of ours that ``name`` needs loaded while it loads.

    Importing ``a.b.c`` loads ``a`` and ``a.b`` first, unless they are the importer's own
    packages: those are already loading, and only a name they define (not a submodule) makes
    the importer depend on them."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    own = {package.rsplit(".", i)[0] for i in range(package.count(".") + 1)}
    needed: set[str] = set()

    def load(target: str) -> None:
        parts = target.split(".")
        needed.update(
            ancestor
            for ancestor in (".".join(parts[:i]) for i in range(1, len(parts) + 1))
            if ancestor not in own
        )

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
            elif isinstance(node, (ast.If, ast.Try)):
                visit(node.body)
                visit(node.orelse)
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    load(alias.name)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.rsplit(".", node.level - 1)[0]
                    base = f"{anchor}.{base}" if base else anchor
                load(base)
                for alias in node.names:
                    if f"{base}.{alias.name}" in modules:
                        load(f"{base}.{alias.name}")
                    elif base in own:
                        needed.add(base)

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return needed


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    names = set(modules)
    return {
        name: {t for t in _top_level_imports(name, path, names) if t in names and t != name}
        for name, path in modules.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_module_level_import_graph_has_no_cycle() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_entry_points_import_first_in_a_fresh_interpreter() -> None:
    """The modules Parvis or a plugin author imports first, each alone in a new process."""
    graph = _graph()
    first = ["parvis.api", "parvis.web", "parvis.rendering", "parvis.cli", "parvis.testing"]
    first += sorted(name for name in graph if name.endswith(".plugin") and "_" in name)
    for name in first:
        done = subprocess.run(
            [sys.executable, "-c", f"import {name}"], capture_output=True, text=True
        )
        assert done.returncode == 0, f"{name}:\n{done.stderr}"
