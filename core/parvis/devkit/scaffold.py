"""``parvis plugin new NAME``: a plugin distribution that installs and passes its tests at once."""

from __future__ import annotations

import re
from pathlib import Path

from parvis.plugins import CORE_PLUGINS, PluginError

SKELETON = Path(__file__).resolve().parent / "skeleton"
NAME = re.compile(r"[a-z][a-z0-9_]{1,30}")
SUFFIX = ".tmpl"


def check_name(name: str) -> None:
    if not NAME.fullmatch(name) or name.endswith("_") or "__" in name:
        raise PluginError(
            f"'{name}' is not a valid plugin name: use 2 to 31 lower-case letters, digits and "
            "single underscores, starting with a letter (it prefixes tables, actions and routes)."
        )
    if name in CORE_PLUGINS:
        raise PluginError(f"'{name}' is the name of a core feature: choose another name.")


def new_plugin(name: str, parent: Path) -> Path:
    """Write the distribution ``parent/<name>/`` from the skeleton; return its folder."""
    check_name(name)
    target = parent / name
    if target.exists():
        raise PluginError(f"{target} already exists: choose another folder or name.")
    words = {
        "__PACKAGE__": f"parvis_{name}",
        "__NAME__": name,
        "__TITLE__": name.replace("_", " ").capitalize(),
    }
    for source in sorted(SKELETON.rglob(f"*{SUFFIX}")):
        relative = str(source.relative_to(SKELETON)).removesuffix(SUFFIX)
        text = source.read_text(encoding="utf-8")
        for token, value in words.items():
            relative = relative.replace(token, value)
            text = text.replace(token, value)
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return target
