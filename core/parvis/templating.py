"""Jinja set-up: theme → plugins → core search order, ``core:``/``<plugin>:`` prefixes, slots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

from parvis import i18n

_markdown = MarkdownIt("commonmark", {"linkify": False, "html": False})

# Tags a resident's Markdown may produce; everything else is stripped.
_ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "ul",
    "ol",
    "li",
    "a",
    "blockquote",
    "code",
    "pre",
    "h2",
    "h3",
    "h4",
    "hr",
}


def render_markdown(text: str | None) -> Markup:
    """Markdown to sanitised HTML; raw HTML in the source is never passed through."""
    html = _markdown.render(text or "")
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)


class ThemeLoader(jinja2.BaseLoader):
    """Looks a name up in the theme, then each plugin, then core.

    ``core:page.html`` or ``<plugin>:page.html`` skips the theme (and the other sources), so an
    override can ``{% extends "core:page.html" %}`` the original it replaces.
    """

    def __init__(self, theme_dir: Path | None, sources: list[tuple[str, Path]]) -> None:
        self.theme = jinja2.FileSystemLoader(str(theme_dir)) if theme_dir else None
        # sources: (plugin name, templates dir), plugins first and core last.
        self.named = {name: jinja2.FileSystemLoader(str(path)) for name, path in sources}
        self.order = [name for name, _ in sources]

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        prefix, sep, rest = template.partition(":")
        if sep and prefix in self.named:
            return self.named[prefix].get_source(environment, rest)
        loaders = ([self.theme] if self.theme else []) + [self.named[n] for n in self.order]
        for loader in loaders:
            try:
                return loader.get_source(environment, template)
            except jinja2.TemplateNotFound:
                continue
        raise jinja2.TemplateNotFound(template)

    def list_templates(self) -> list[str]:
        names: set[str] = set()
        if self.theme:
            names.update(self.theme.list_templates())
        for name, loader in self.named.items():
            names.update(loader.list_templates())
            names.update(f"{name}:{t}" for t in loader.list_templates())
        return sorted(names)


def make_environment(
    theme_dir: Path | None, sources: list[tuple[str, Path]], globals_: dict[str, Any]
) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=ThemeLoader(theme_dir, sources),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        undefined=jinja2.StrictUndefined,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _template_gettext, _template_ngettext, newstyle=True
    )
    env.filters.update(
        markdown=render_markdown,
        date=i18n.format_date,
        datetime=i18n.format_datetime,
        number=i18n.format_number,
        percent=i18n.format_percent,
        currency=i18n.format_currency,
    )
    env.globals.update(globals_)
    return env


# Jinja's new-style gettext does the ``%`` formatting itself, so these return raw translations.
def _template_gettext(message: str) -> str:
    return i18n.raw_gettext(message)


def _template_ngettext(singular: str, plural: str, n: int) -> str:
    return i18n.raw_ngettext(singular, plural, n)
