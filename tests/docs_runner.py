"""Runs the Python examples of ``docs/`` (called by test_docs_examples.py in a subprocess, with the
example plugin on ``PYTHONPATH``). Reads a JSON list of ``[label, code]``, prints a JSON list of
problems.

Each example runs as a fragment of a plugin module: in a fresh namespace that already holds what
``parvis.api`` exports, the petitions plugin's translator (``_``, ``_l``, ``ngettext``) and the
libraries plugins use (``click``, ``Any``, ``Request``, ``Response``, ``Route``, ``Mount``,
``Session``, ``select``, ``func``, ``delete``, ``update``). Every build-time
hook it defines (a ``parvis_*`` function without arguments) is then called and must return a list
of the records it documents (or ``None``).
"""

from __future__ import annotations

import contextlib
import json
import sys
import traceback
from pathlib import Path
from typing import Any

from sqlalchemy.orm import DeclarativeBase

import parvis.api as api

RECORDS = {
    "parvis_settings": api.Setting,
    "parvis_actions": api.Action,
    "parvis_audit_actions": api.AuditAction,
    "parvis_job_types": api.JobType,
    "parvis_roles": api.Role,
    "parvis_space_kinds": api.SpaceKind,
    "parvis_module_types": api.ModuleType,
}


def prelude() -> dict[str, Any]:
    import click
    import sqlalchemy
    from sqlalchemy.orm import Session
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Mount, Route

    translator = api.Translator("parvis_petitions")
    names: dict[str, Any] = {name: getattr(api, name) for name in api.__all__}
    names.update(
        _=translator.gettext,
        _l=translator.lazy_gettext,
        ngettext=translator.ngettext,
        T=translator,
        click=click,
        Any=Any,
        Request=Request,
        Response=Response,
        Session=Session,
        Route=Route,
        Mount=Mount,
        **{n: getattr(sqlalchemy, n) for n in ("select", "func", "delete", "update")},
    )
    return names


@contextlib.contextmanager
def fresh_base():
    """Models of an example go to a metadata of their own: the example plugin's (same tables)
    stays untouched."""

    class ExampleBase(DeclarativeBase):
        pass

    saved = api.Base
    api.Base = ExampleBase
    try:
        yield
    finally:
        api.Base = saved


def run(label: str, code: str) -> list[str]:
    namespace = prelude()
    try:
        with fresh_base():
            exec(compile(code, label, "exec", dont_inherit=True), namespace)
    except Exception:
        return [f"{label}: {traceback.format_exc(limit=-2)}"]
    problems = []
    for name, record in RECORDS.items():
        hook = namespace.get(name)
        code_of = getattr(getattr(hook, "__wrapped__", hook), "__code__", None)
        if code_of is None or code_of.co_filename != label:
            continue  # not defined by this example
        try:
            result = hook()
        except Exception:
            problems.append(f"{label}: {name}() raised {traceback.format_exc(limit=-1)}")
            continue
        if not isinstance(result, list) or not all(isinstance(r, record) for r in result):
            problems.append(f"{label}: {name}() returned {result!r}, not a list of {record}")
    return problems


def main() -> None:
    blocks = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    problems: list[str] = []
    for label, code in blocks:
        problems += run(label, code)
    print(json.dumps(problems))


if __name__ == "__main__":
    main()
