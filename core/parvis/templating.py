"""Jinja set-up: theme → plugins → core search order, ``core:``/``<plugin>:`` prefixes, slots."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import nh3
from jinja2 import nodes
from jinja2.visitor import NodeTransformer
from markdown_it import MarkdownIt
from markupsafe import Markup

from parvis import cards, i18n

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


# What ``render_markdown`` keeps, by source text: texts up to this long, this many of them (a
# space's description is rendered again on each view of its page, ~0.1 ms; its sanitised HTML
# depends on nothing but its text).
_KEPT_LENGTH = 20_000
_KEPT_TEXTS = 256


def render_markdown(text: str | None) -> Markup:
    """Markdown to sanitised HTML; raw HTML in the source is never passed through."""
    text = text or ""
    # A plain ``str`` only: a ``Markup`` equal to it is another key of the same hash.
    if type(text) is str and len(text) <= _KEPT_LENGTH:
        return _kept_markdown(text)
    return _render_markdown(text)


def _render_markdown(text: str) -> Markup:
    html = _markdown.render(text)
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)


_kept_markdown = functools.lru_cache(maxsize=_KEPT_TEXTS)(_render_markdown)


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
        # Which source each loaded template came from ("" for the theme): its strings are looked
        # up in that plugin's translation domain first.
        self.origin: dict[str, str] = {}

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        prefix, sep, rest = template.partition(":")
        if sep and prefix in self.named:
            self.origin[template] = prefix
            return self.named[prefix].get_source(environment, rest)
        sources = ([("", self.theme)] if self.theme else []) + [
            (n, self.named[n]) for n in self.order
        ]
        for name, loader in sources:
            try:
                found = loader.get_source(environment, template)
            except jinja2.TemplateNotFound:
                continue
            self.origin[template] = name
            return found
        raise jinja2.TemplateNotFound(template)

    def list_templates(self) -> list[str]:
        names: set[str] = set()
        if self.theme:
            names.update(self.theme.list_templates())
        for name, loader in self.named.items():
            names.update(loader.list_templates())
            names.update(f"{name}:{t}" for t in loader.list_templates())
        return sorted(names)


# (message, domain) -> the message translated in one language.
Translate = Callable[[str, str], str]
# Gettext calls a template writes ``_("...")`` or ``{% trans %}...{% endtrans %}`` compiles to.
_GETTEXT_NAMES = ("_", "gettext")


class _FoldTranslations(NodeTransformer):
    """Replaces ``_("literal")`` (no variables) by its translation, marked safe as Jinja's own
    newstyle ``gettext`` returns it. Translations holding a ``%`` are left to run (``gettext``
    formats them with ``%``, which may raise)."""

    def __init__(self, translate: Callable[[str], str]) -> None:
        self.translate = translate

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        self.generic_visit(node)
        target, args = node.node, node.args
        if not (
            isinstance(target, nodes.Name)
            and target.name in _GETTEXT_NAMES
            and len(args) == 1
            and isinstance(args[0], nodes.Const)
            and isinstance(args[0].value, str)
            and not node.kwargs
            and node.dyn_args is None
            and node.dyn_kwargs is None
        ):
            return node
        text = self.translate(args[0].value)
        if "%" in text:
            return node
        return nodes.MarkSafeIfAutoescape(nodes.Const(text), lineno=node.lineno)


class _Environment(jinja2.Environment):
    """Templates see the environment's globals as a plain dict, copied when a template loads
    (every global is set before: ``make_environment``, ``parvis_jinja_env``). Jinja's
    ``ChainMap`` was copied key by key in Python at each render (``new_context``): about 65
    calls per page or fragment; a dict copies in C."""

    def make_globals(self, d: Any) -> Any:
        return {**self.globals, **(d or {})}


class _OneLanguage(_Environment):
    """An environment whose templates are compiled for one language: each template's literal
    ``_("...")`` is its translation, written into the compiled template's static text, instead
    of five function calls and a ``Markup`` per string on every render (the layout holds about
    a dozen)."""

    fold: Callable[[str | None], _FoldTranslations]

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        return self.fold(name).visit(tree)  # type: ignore[no-any-return]


def make_environment(
    theme_dir: Path | None,
    sources: list[tuple[str, Path]],
    globals_: dict[str, Any],
    domains: dict[str, str] | None = None,
    translate: Translate | None = None,
) -> jinja2.Environment:
    """``domains`` maps a source (plugin) name to its translation domain. With ``translate``,
    templates are compiled for its language (``_OneLanguage``): render them only while that
    language is active."""
    loader = ThemeLoader(theme_dir, sources)
    env = (_OneLanguage if translate else _Environment)(
        loader=loader,
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        undefined=jinja2.StrictUndefined,
    )
    domains = domains or {}

    def domain_of_name(name: str | None) -> str:
        return domains.get(loader.origin.get(name or "", ""), "parvis")

    def domain_of(context: jinja2.runtime.Context) -> str:
        return domain_of_name(context.name)

    if translate is not None:
        # Parsed right after the loader found the source, so its origin is known.
        env.fold = lambda name: _FoldTranslations(  # type: ignore[attr-defined]
            lambda message: translate(message, domain_of_name(name))
        )

    @jinja2.pass_context
    def template_gettext(context: jinja2.runtime.Context, message: str) -> str:
        return i18n.raw_gettext(message, domain_of(context))

    @jinja2.pass_context
    def template_ngettext(
        context: jinja2.runtime.Context, singular: str, plural: str, n: int
    ) -> str:
        return i18n.raw_ngettext(singular, plural, n, domain_of(context))

    # Jinja's new-style gettext does the ``%`` formatting itself: these return raw translations.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        template_gettext, template_ngettext, newstyle=True
    )
    env.filters.update(
        markdown=render_markdown,
        date=i18n.format_date,
        datetime=i18n.format_datetime,
        number=i18n.format_number,
        percent=i18n.format_percent,
        currency=i18n.format_currency,
    )
    # Listing pages print cards through ``cards.card`` unless the theme has its own components.
    env.globals.update(
        card=cards.card,
        card_placeholder=cards.placeholder,
        card_list=cards.card_list,
        framed_card_list=cards.framed_card_list,
        space_cards=cards.space_cards,
        theme_cards=cards.theme_cards(loader.theme),
    )
    env.globals.update(globals_)
    return env
