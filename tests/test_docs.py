"""The plugin author documentation stays in step with the code.

- every hook in ``parvis.hookspecs`` has a section in ``docs/plugin_hooks.md`` with its exact
  signature, and no section documents a hook that does not exist;
- every hook is exercised by at least one test (implemented or called outside the docs);
- every name ``parvis.api`` exports is documented;
- the Python examples of ``docs/writing_plugins.md`` compile and import only public names, and its
  test examples pass against the example plugin installed as its own distribution.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

from parvis import api, hookspecs

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
HOOKS_DOC = DOCS / "plugin_hooks.md"
WRITING_DOC = DOCS / "writing_plugins.md"
EXAMPLE = ROOT / "tests" / "example_plugin"

PUBLIC_MODULES = ("parvis.api", "parvis.testing")


def _hookspecs() -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(fn)
        for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if name.startswith("parvis_") and hasattr(fn, "parvis_spec")
    }


def _documented_sections() -> dict[str, str]:
    """Hook name -> the first line of the code block that follows its ``## `` heading."""
    text = HOOKS_DOC.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for match in re.finditer(r"^## (parvis_\w+)\s*\n(.*?)(?=^## |\Z)", text, re.M | re.S):
        block = re.search(r"```(?:python)?\n(.*?)```", match.group(2), re.S)
        found[match.group(1)] = block.group(1).strip() if block else ""
    return found


def _expected_signature(name: str, sig: inspect.Signature) -> str:
    # hookspecs.py uses ``from __future__ import annotations``: annotations are the source text.
    params = ", ".join(f"{p.name}: {p.annotation}" for p in sig.parameters.values())
    return f"{name}({params}) -> {sig.return_annotation}"


def _python_blocks(path: Path) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", path.read_text(encoding="utf-8"), re.M | re.S)


def test_hookspecs_are_found() -> None:
    specs = _hookspecs()
    assert len(specs) >= 15
    assert "parvis_slot" in specs and "parvis_actor_from_request" in specs
    # A hook function left without ``@hookspec`` would escape the checks below (and pluggy).
    defined = {
        name
        for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if name.startswith("parvis_") and fn.__module__ == hookspecs.__name__
    }
    assert set(specs) == defined, f"not marked @hookspec: {sorted(defined - set(specs))}"


def test_every_hook_has_a_section_with_its_exact_signature() -> None:
    specs = _hookspecs()
    sections = _documented_sections()
    missing = sorted(set(specs) - set(sections))
    assert not missing, f"hooks without a '## <name>' section in {HOOKS_DOC.name}: {missing}"
    unknown = sorted(set(sections) - set(specs))
    assert not unknown, f"{HOOKS_DOC.name} documents hooks that do not exist: {unknown}"
    for name, sig in specs.items():
        code = sections[name]
        assert code, f"## {name} has no code block with its signature"
        tree = ast.parse(f"def {code}: ...")
        func = tree.body[0]
        assert isinstance(func, ast.FunctionDef) and func.name == name, code
        documented = [a.arg for a in func.args.args]
        assert documented == list(sig.parameters), f"{name}: {documented} != {list(sig.parameters)}"
        assert code == _expected_signature(name, sig), (
            f"{name}: signature differs from hookspecs.py"
        )


def test_sections_follow_the_order_of_hookspecs() -> None:
    source_order = [
        name
        for name in re.findall(r"^def (parvis_\w+)", inspect.getsource(hookspecs), re.M)
        if name in _hookspecs()
    ]
    assert list(_documented_sections()) == source_order


def _files_mentioning_hooks() -> list[Path]:
    roots = [ROOT / "tests", *(ROOT / "plugins").glob("*/tests")]
    skip = {Path(__file__).resolve(), Path(hookspecs.__file__).resolve()}
    files = []
    for root in roots:
        for path in root.rglob("*.py"):
            if path.resolve() not in skip and "__pycache__" not in path.parts:
                files.append(path)
    return files


def test_every_hook_is_exercised_by_a_test() -> None:
    texts = [p.read_text(encoding="utf-8") for p in _files_mentioning_hooks()]
    untested = sorted(
        name for name in _hookspecs() if not any(re.search(rf"\b{name}\b", text) for text in texts)
    )
    assert not untested, f"hooks no test implements or calls: {untested}"


def test_every_public_name_is_documented() -> None:
    text = HOOKS_DOC.read_text(encoding="utf-8") + WRITING_DOC.read_text(encoding="utf-8")
    missing = [name for name in api.__all__ if not re.search(rf"(?<!\w){name}(?!\w)", text)]
    assert not missing, f"parvis.api names documented nowhere in docs/: {missing}"


def test_public_names_exist() -> None:
    assert all(hasattr(api, name) for name in api.__all__)


def test_writing_plugins_examples_compile_and_import_only_public_names() -> None:
    blocks = _python_blocks(WRITING_DOC)
    assert len(blocks) >= 8
    problems = []
    for index, code in enumerate(blocks):
        tree = compile(code, f"{WRITING_DOC.name}[python block {index}]", "exec", ast.PyCF_ONLY_AST)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                private = [a.name for a in node.names if a.name.split(".")[0] == "parvis"]
                problems += [f"block {index}: import {n}" for n in private]
            elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "parvis":
                if node.module not in PUBLIC_MODULES:
                    problems.append(f"block {index}: from {node.module} import ...")
                    continue
                module = importlib.import_module(node.module)
                problems += [
                    f"block {index}: {node.module} has no {alias.name}"
                    for alias in node.names
                    if not hasattr(module, alias.name)
                ]
    assert not problems, "\n".join(problems)


def test_hooks_reference_examples_compile() -> None:
    for index, code in enumerate(_python_blocks(HOOKS_DOC)):
        if code.startswith("parvis_") and "\n" not in code.strip():
            continue  # a signature line, checked above
        compile(code, f"{HOOKS_DOC.name}[python block {index}]", "exec")


def test_writing_plugins_test_examples_pass(example_plugin_site: Path, tmp_path: Path) -> None:
    tests = [code for code in _python_blocks(WRITING_DOC) if re.search(r"^def test_", code, re.M)]
    assert len(tests) >= 2
    (tmp_path / "test_from_docs.py").write_text("\n\n".join(tests), encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_from_docs.py"],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(example_plugin_site)},
        cwd=tmp_path,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


def test_testing_helpers_are_documented_with_their_exact_signatures() -> None:
    import parvis.testing as testing

    documented: dict[str, str] = {}
    for code in _python_blocks(WRITING_DOC):
        for node in ast.parse(code).body:
            if isinstance(node, ast.FunctionDef) and node.name in testing.__all__:
                documented[node.name] = ast.unparse(node.args) + f" -> {ast.unparse(node.returns)}"
    functions = [n for n in testing.__all__ if inspect.isfunction(getattr(testing, n))]
    assert sorted(documented) == sorted(functions), "document every parvis.testing function"
    for name in functions:
        source = ast.parse(inspect.getsource(getattr(testing, name))).body[0]
        assert isinstance(source, ast.FunctionDef)
        real = ast.unparse(source.args) + f" -> {ast.unparse(source.returns)}"
        assert documented[name] == real, f"{name}: docs say ({documented[name]}), code ({real})"
    text = WRITING_DOC.read_text(encoding="utf-8")
    missing = [n for n in testing.__all__ if not re.search(rf"(?<!\w){n}(?!\w)", text)]
    assert not missing, f"parvis.testing names documented nowhere: {missing}"
    assert f'DEFAULT_PASSWORD = "{testing.DEFAULT_PASSWORD}"' in text
