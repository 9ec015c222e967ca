"""``docs/core_models.md``, generated from core's models (a test keeps it up to date).

    python -m parvis.devkit.models_doc > docs/core_models.md

Lists the public columns of the models ``parvis.api`` exports, with the comment written above each
column in ``models.py`` (so the reference is the code's own words).
"""

from __future__ import annotations

import ast
import inspect

from sqlalchemy import inspect as sa_inspect

from parvis import models

# The models ``parvis.api`` exports, in the order a plugin meets them.
MODELS = ("Town", "User", "Area", "Space", "Module", "Follow", "Upload")
# Columns that are core's business only (secrets and session bookkeeping).
PRIVATE = {"User.password_hash", "User.session_epoch"}

HEADER = """# Core models: public columns

Generated from `core/parvis/models.py` by `python -m parvis.devkit.models_doc > docs/core_models.md`
(`tests/test_docs_examples.py` fails when it is out of date). Plugins read these models (import
them from `parvis.api`) and point foreign keys at their `id`; they never add columns to them: keep
per-module options in `Module.settings`, per-town values in settings (`parvis_settings`), anything
else in the plugin's own tables. Datetimes are timezone-aware UTC.
"""


# What a plugin author asks about most, where models.py has no comment above the column.
NOTES = {
    "Town.slug": "URL-safe name",
    "Town.default_locale": '"fr" or "en": the language of visitors with no preference',
    "Town.theme": 'folder under themes/, "default" for none',
    "Town.settings": "JSON: plugin settings per plugin, `settings[<plugin>][<key>]` (read with "
    "`ctx.setting`)",
    "User.town_id": "accounts belong to one town",
    "User.email": "lower-case",
    "User.locale": '"fr", "en" or null (then the browser\'s, then the town\'s language)',
    "User.area_id": "the resident's neighbourhood, if they gave it",
    "User.confirmed_at": "set when the e-mail address is confirmed (null: not a resident yet)",
    "Space.kind": 'a space kind key (`parvis_space_kinds`), "general" by default',
    "Space.published": "unpublished spaces answer 404 to everyone who cannot manage them",
    "Space.settings": "JSON, the space's options",
    "Module.type": "the module type key (`ModuleType.key`)",
    "Module.phase": "the current phase key (`Phase.key`): gates phase-gated actions",
    "Module.settings": "JSON: per-module options of the module type's plugin",
    "Area.position": "display order",
}


def _annotations(cls: type) -> dict[str, tuple[str, str]]:
    """Per column: the Python type of its ``Mapped[...]`` annotation, and the ``#`` comment lines
    just above it in ``models.py``."""
    source = inspect.getsource(cls)
    lines = source.splitlines()
    found: dict[str, tuple[str, str]] = {}
    for node in ast.parse(source).body[0].body:  # type: ignore[attr-defined]
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            above: list[str] = []
            index = node.lineno - 2
            while index >= 0 and lines[index].strip().startswith("#"):
                above.insert(0, lines[index].strip().lstrip("# ").strip())
                index -= 1
            annotation = node.annotation
            inner = annotation.slice if isinstance(annotation, ast.Subscript) else annotation
            found[node.target.id] = (ast.unparse(inner), " ".join(above))
    return found


def _type(annotation: str, column: object) -> str:
    length = getattr(getattr(column, "type", None), "length", None)
    plain = annotation.replace(" | None", "")
    return f"`{plain}` ({length})" if length else f"`{plain}`"


def render() -> str:
    out = [HEADER]
    for name in MODELS:
        cls = getattr(models, name)
        table = cls.__table__
        doc = inspect.cleandoc(cls.__doc__ or "") if cls.__doc__ else ""
        out.append(f"\n## `{name}` (table `{table.name}`)\n")
        if doc and not doc.startswith(f"{name}("):
            out.append(f"\n{doc}\n")
        out.append("\n| Column | Type | Null | Notes |\n| --- | --- | --- | --- |\n")
        annotations = _annotations(cls)
        for attr in sa_inspect(cls).column_attrs:
            if f"{name}.{attr.key}" in PRIVATE:
                continue
            column = attr.columns[0]
            notes = []
            if column.primary_key:
                notes.append("primary key")
            for fk in column.foreign_keys:
                notes.append(f"→ `{fk.target_fullname}` ({fk.ondelete or 'no action'} on delete)")
            if column.unique:
                notes.append("unique")
            annotation, comment = annotations[attr.key]
            if f"{name}.{attr.key}" in NOTES:
                notes.append(NOTES[f"{name}.{attr.key}"])
            if comment:
                notes.append(comment)
            null = "yes" if column.nullable else "no"
            row = f"| `{attr.key}` | {_type(annotation, column)} | {null} | {'; '.join(notes)} |"
            out.append(row + "\n")
        uniques = [
            ", ".join(f"`{c.name}`" for c in constraint.columns)
            for constraint in table.constraints
            if type(constraint).__name__ == "UniqueConstraint" and len(constraint.columns) > 1
        ]
        if uniques:
            out.append(f"\nUnique together: {'; '.join(uniques)}.\n")
    return "".join(out)


def main() -> None:
    print(render(), end="")


if __name__ == "__main__":
    main()
