"""A throw-away theme for tests: one that overrides the components with its own card."""

from __future__ import annotations

from pathlib import Path

# A ``card`` macro of its own (any other argument ignored), recognisable by its class.
OWN_CARD_COMPONENTS = (
    "{% macro placeholder(kind) %}{% endmacro %}"
    '{% macro card(title, href) %}<li class="my-card">{{ title }}{{ kwargs and "" }}</li>'
    "{% endmacro %}"
)


def theme_with_its_own_card(themes_dir: Path, name: str = "mine") -> None:
    """Write theme ``name`` under ``themes_dir``, overriding ``ui/components.html`` with a
    ``card`` macro of its own (``<li class="my-card">title</li>``)."""
    folder = themes_dir / name / "templates" / "ui"
    folder.mkdir(parents=True)
    (folder / "components.html").write_text(OWN_CARD_COMPONENTS, encoding="utf-8")
