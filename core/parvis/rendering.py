"""Rendering a page: the template's base variables, the menu, the slots; error pages, the
status of a form page, redirects. Used by ``web.py`` (errors) and by every view."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, TypeVar
from urllib.parse import quote

from jinja2 import Template
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from parvis.context import Context, get_context
from parvis.contrib import Fragment, MenuItem
from parvis.csrf import LazyToken
from parvis.i18n import gettext as _
from parvis.models import Town
from parvis.page_bytes import page_body
from parvis.plugins import CORE_PLUGINS, call_each

# Slots every page has, filled through the ``parvis_slot`` hook.
LAYOUT_SLOTS = ("layout.head", "layout.header", "layout.footer")


def menu_items(ctx: Context, enabled: Iterable[str] | None = None) -> list[MenuItem]:
    """The menu's items; ``enabled``: the town's enabled plugins, if the caller has them."""
    items: list[MenuItem] = []
    only = ctx.enabled_plugins if enabled is None else enabled
    for _plugin, result in call_each(
        ctx.parvis.pm, "parvis_menu_items", only=only, request=ctx.request
    ):
        items.extend(result)
    return sorted(items, key=lambda item: (item.order, item.key))


_EMPTY = Markup("")


class Brand(NamedTuple):
    """The town's brand settings the layout shows (``layout_brand``), read in Python: in the
    template each ``.get()`` of the settings was a call through Jinja's runtime."""

    primary: Any
    accent: Any
    favicon: Any
    logo: Any
    version: Any


def brand_of(town: Town) -> Brand:
    b = (town.settings or {}).get("_brand") or {}
    return Brand(
        b.get("primary"), b.get("accent"), b.get("favicon"), b.get("logo"), b.get("version", 0)
    )


# The attribute ``fills_slots`` sets on a ``parvis_slot`` implementation.
FILLS = "parvis_fills_slots"
F = TypeVar("F", bound=Callable[..., Any])


def fills_slots(*names: str) -> Callable[[F], F]:
    """Declare the only slots a ``parvis_slot`` implementation fills: it is not called for any
    other (every page asks each plugin for each of its slots, most of them filled by none).
    Put it under ``@hookimpl``."""
    declared = frozenset(names)

    def decorator(fn: F) -> F:
        setattr(fn, FILLS, declared)
        return fn

    return decorator


def slot_fragments(
    ctx: Context,
    names: Iterable[str],
    context: dict[str, Any],
    enabled: Iterable[str] | None = None,
) -> dict[str, Markup]:
    filled: dict[str, Markup] = {}
    only = frozenset(ctx.enabled_plugins if enabled is None else enabled)
    # The implementations asked, once per page rather than once per slot (``call_each``'s
    # order and filter), with the slots each declared (``fills_slots``), if it did.
    impls = [
        (impl.function, impl.argnames, getattr(impl.function, FILLS, None))
        for impl in ctx.parvis.pm.hook.parvis_slot.get_hookimpls()
        if impl.plugin_name in CORE_PLUGINS or impl.plugin_name in only
    ]
    kwargs = {"request": ctx.request, "session": ctx.session, "context": context}
    for name in names:
        fragments: list[Fragment] = []
        kwargs["name"] = name
        for function, argnames, declared in impls:
            if declared is not None and name not in declared:
                continue
            result = function(**{k: kwargs[k] for k in argnames})
            if result:
                fragments.extend(result)
        if not fragments:  # most slots of most pages
            filled[name] = _EMPTY
            continue
        fragments.sort(key=lambda f: (f.order, f.key))
        filled[name] = _EMPTY.join(Markup(f.html) for f in fragments)
    return filled


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    slots: Iterable[str] = (),
    headers: dict[str, str] | None = None,
    theme: str | None = None,
) -> HTMLResponse:
    """Render ``template`` with the request's context; slots are filled before rendering.
    ``theme`` renders with another theme than the town's (the style guide compares them).

    The body is written as bytes from the pieces the template yields (``page_bytes.py``)."""
    page, values = _page(request, template, context, slots, theme)
    try:  # ``Template.render``, without joining the pieces into one string
        body = page_body(request, page.root_render_func(page.new_context(values)))
    except Exception:
        page.environment.handle_exception()  # raises, with the template's lines in the trace
    return HTMLResponse(body, status_code=status_code, headers=headers)


def render_string(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    slots: Iterable[str] = (),
    theme: str | None = None,
) -> str:
    page, values = _page(request, template, context, slots, theme)
    return page.render(values)


def _page(
    request: Request,
    template: str,
    context: dict[str, Any] | None,
    slots: Iterable[str],
    theme: str | None,
) -> tuple[Template, dict[str, Any]]:
    """The template to render and its variables (the base ones, the view's, the slots)."""
    ctx = get_context(request)
    values: dict[str, Any] = dict(context or {})
    enabled = frozenset(ctx.enabled_plugins)  # asked by each hook below
    base = {
        "request": request,
        "ctx": ctx,
        "town": ctx.town,
        "user": ctx.user,
        "locale": ctx.locale,
        "space": ctx.space,
        "module": ctx.module,
        "module_phase": ctx.module_phase(),
        "csrf_token": LazyToken(request),
        "flashes": request.session.pop("flash", []),
        "menu": menu_items(ctx, enabled),
        "layout_brand": brand_of(ctx.town),
    }
    for _plugin, extra in call_each(
        ctx.parvis.pm, "parvis_template_vars", only=enabled, request=request
    ):
        base.update(extra)
    base.update(values)
    base["slots"] = slot_fragments(ctx, (*LAYOUT_SLOTS, *slots), base, enabled)
    env = ctx.parvis.jinja_env(theme or ctx.town.theme)
    return env.get_template(template), base


def render_fragment(
    request: Request, template: str, context: dict[str, Any] | None = None
) -> Markup:
    """Render a partial template (a slot fragment, a card) with the request's basics only."""
    ctx = get_context(request)
    values = {
        "request": request,
        "ctx": ctx,
        "town": ctx.town,
        "user": ctx.user,
        "locale": ctx.locale,
        "csrf_token": LazyToken(request),
        "can": ctx.can,
        "url": ctx.url,
        **(context or {}),
    }
    return Markup(ctx.parvis.jinja_env(ctx.town.theme).get_template(template).render(values))


def render_error(ctx: Context, status: int, detail: str | None = None) -> HTMLResponse:
    titles = {
        400: _("Bad request"),
        403: _("Access denied"),
        404: _("Page not found"),
        405: _("Method not allowed"),
        413: _("Too large"),
        429: _("Too many attempts"),
        503: _("Busy right now"),
    }
    title = titles.get(status, _("Error"))
    message = detail if detail and status in (400, 403, 413, 429) else ""
    if status == 503:  # every slot of a streamed export taken (streams.py)
        message = _(
            "Too many downloads are running at the moment. Try again in a minute; nothing was lost."
        )
    return render(
        ctx.request,
        "core/error.html",
        {"title": title, "message": message, "status": status},
        status_code=status,
    )


def form_status(request: Request) -> int:
    """The status of a page showing a form: 400 when it comes back after a rejected POST."""
    return 400 if request.method == "POST" else 200


def redirect(url: str, status_code: int = 303) -> RedirectResponse:
    return _Redirect(url, status_code)


# What Starlette's ``RedirectResponse`` leaves unquoted in the location.
_LOCATION_SAFE = ":/%#?=@[]!$&'()*+,;"


class _Redirect(RedirectResponse):
    """Starlette's ``RedirectResponse`` with its headers written in one go: the same headers
    in the same order (``content-length: 0``, then ``location``, quoted the same way), without
    building them through ``init_headers`` and ``MutableHeaders`` (half of a ballot's
    redirect; ``tests/test_redirect.py`` compares both)."""

    def __init__(self, url: str, status_code: int = 303) -> None:
        self.status_code = status_code
        self.background = None
        self.body = b""
        location = quote(str(url), safe=_LOCATION_SAFE).encode("latin-1")
        self.raw_headers = [(b"content-length", b"0"), (b"location", location)]
