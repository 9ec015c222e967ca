"""The request side of core: the ``view`` decorator, resolving the request's actor (its town:
``town_by_host.py``; the per-request ``Context``: ``context.py``; rendering: ``rendering.py``).

Views are plain synchronous functions run in a thread (a read slot, or the thread pool for
writes: ``view_threads.py``): the decorator awaits the form, then opens one unit of work,
resolves the town, the actor and the locale, and calls the view.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session
from starlette.convertors import IntegerConvertor, register_url_convertor
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from parvis import httpcache, i18n, schedule, versions
from parvis.context import Context, LoginRequired
from parvis.csrf import set_cookie as set_csrf_cookie
from parvis.i18n import gettext as _
from parvis.middleware import PARSED_FORM
from parvis.models import Module, PhaseDates, Space, Town, User
from parvis.permissions import load_actor
from parvis.rendering import render_error
from parvis.signed_session import request_cookies
from parvis.snapshots import Values, attach, values_of
from parvis.streams import SLOT_KEY, SLOTS_KEY, ExportBusy, release_unsent
from parvis.town_by_host import checked_town, request_state, resolve_town
from parvis.towns import time_zone_name

if TYPE_CHECKING:
    from parvis.app import Parvis

View = Callable[[Request], Response]


class BoundedIntConvertor(IntegerConvertor):
    """``{id:int}`` in every route, bounded: a longer id no longer matches (404) instead of
    overflowing the database (500). Ids are 32-bit integers on PostgreSQL: nine digits."""

    regex = "[0-9]{1,9}"


# Registered when core loads, before any core or plugin route is built.
register_url_convertor("int", BoundedIntConvertor())

MAX_UPLOAD_BYTES = 10 * 1024 * 1024

# Served when a deployment answers only its towns' own hosts and the request names another.
UNKNOWN_SITE_PAGE = (
    '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Site inconnu — Unknown '
    "site</title></head><body><main><h1>Site inconnu — Unknown site</h1><p>Aucune ville ne "
    'répond à cette adresse.</p><p lang="en">No town answers at this address.</p></main>'
    "</body></html>"
)


def view(
    fn: View | None = None,
    *,
    write: bool | None = None,
    files: Iterable[str] = (),
    cache: bool | None = None,
    autocommit: bool = False,
    export: bool = False,
) -> Any:
    """Turn a synchronous ``fn(request) -> Response`` into a Starlette endpoint.

    ``write`` says whether the unit of work writes; by default every method but GET and HEAD.
    ``files`` names the form fields that take an uploaded file: a file sent under any other
    name, or a field name no form has (over 100 characters, control characters), is refused
    here with 400, so no view ever receives a file where it reads text.
    ``cache``: by default an anonymous page without a form is public (``ETag``, 304, a
    ``Cache-Control`` a proxy can use, see ``httpcache.py``); ``True`` also keeps its rendered
    bytes in the process until the town's content changes; ``False`` never shares it (a page
    that differs per visitor without a session).
    ``autocommit=True``: on PostgreSQL the unit of work reads outside a transaction until its
    first write (two round trips fewer), and a ``write_unseen`` before any other write commits
    on its own: for a view whose write is one self-contained statement (``autocommit.py``).
    ``export=True``: the view may return ``export_response`` (a streamed download) once it has
    checked the visitor may download; it takes one of ``export_streams`` slots, or waits for
    one outside the view and runs it again, or answers 503 when none frees soon (``streams.py``).
    """
    file_fields = frozenset(files)

    def decorator(func: View) -> Callable[[Request], Any]:
        @functools.wraps(func)
        async def endpoint(request: Request) -> Response:
            form = request.scope.pop(PARSED_FORM, None)
            if form is None and request.method not in ("GET", "HEAD"):
                form = await request.form(
                    max_files=20, max_fields=2000, max_part_size=MAX_UPLOAD_BYTES
                )
            writes = write if write is not None else request.method not in ("GET", "HEAD")
            bad = form is not None and not _readable_form(form, file_fields)
            parvis = request.app.state.parvis
            if export:  # the slots, and the loop their limiter belongs to (``streams.py``)
                request.scope[SLOTS_KEY] = (parvis.export_slots, asyncio.get_running_loop())
            args = (_run_view, func, request, form, writes, bad, cache, autocommit)
            response: Response | None = None
            try:
                try:
                    response = await parvis.view_threads.run(*args, write=writes)
                except ExportBusy:  # the view may export, and no slot is free: wait for one
                    request.scope[SLOT_KEY] = await parvis.export_slots.take()
                    response = await parvis.view_threads.run(*args, write=writes)
                return response
            finally:
                if form is not None:
                    await form.close()
                if export:
                    release_unsent(request.scope, response)

        endpoint.__parvis_view__ = func  # type: ignore[attr-defined]
        return endpoint

    return decorator(fn) if fn is not None else decorator


MAX_FIELD_NAME = 100


def _readable_form(form: FormData, file_fields: frozenset[str]) -> bool:
    """Whether every part of ``form`` is what a Parvis form can hold (see ``view``)."""
    for name, value in form.multi_items():
        if len(name) > MAX_FIELD_NAME or not name.isprintable():
            return False
        if not isinstance(value, str) and name not in file_fields:
            return False
    return True


def _run_view(
    func: View,
    request: Request,
    form: FormData | None,
    write: bool,
    bad_form: bool = False,
    cache: bool | None = None,
    autocommit: bool = False,
) -> Response:
    parvis: Parvis = request.app.state.parvis
    # A reading view reads outside a transaction (PostgreSQL): its statements see what they
    # would in a READ COMMITTED one, without its BEGIN and COMMIT round trips; a write it makes
    # after all opens the transaction first (``autocommit.py``).
    with parvis.db.session(write=write, autocommit=autocommit or not write) as session:
        if cache and form is None and request.method in ("GET", "HEAD") and not request.session:
            cached = httpcache.fast_lookup(parvis, session, request)
            if cached is not None:
                return cached
        town = resolve_town(parvis, session, request)
        if town is None:
            return HTMLResponse(UNKNOWN_SITE_PAGE, status_code=404)
        ctx = build_context(parvis, session, request, town, form)
        response = _respond(func, ctx, bad_form, cache)
        set_csrf_cookie(request, response)
        httpcache.set_headers(ctx, response, cache)
        return response


def _respond(func: View, ctx: Context, bad_form: bool, cache: bool | None) -> Response:
    request, session = ctx.request, ctx.session
    if cache is not False:
        cached = httpcache.lookup(ctx, cache)
        if cached is not None:
            return cached
    try:
        if bad_form:
            raise HTTPException(
                400,
                _(
                    "This form was sent in a way this page cannot read: reload the page "
                    "and send it again."
                ),
            )
        _check_mount(ctx)
        response = func(request)
    except LoginRequired:
        session.rollback()
        ctx.flash(_("Please sign in to continue."), "info")
        target = ctx.url("accounts:login") + "?next=" + _safe_next(request.url.path)
        return RedirectResponse(target, status_code=303)
    except HTTPException as exc:
        session.rollback()
        error = render_error(ctx, exc.status_code, exc.detail)
        error.headers.update(exc.headers or {})  # Retry-After, WWW-Authenticate, Allow
        return error
    return response


def _safe_next(path: str) -> str:
    from urllib.parse import quote

    return quote(path if path.startswith("/") and not path.startswith("//") else "/")


# Statements every request runs, built once (building one costs more than running it cached).
_SPACE = select(Space).where(Space.town_id == bindparam("town"), Space.slug == bindparam("space"))
# The space, the module on its page and the module's dated phases: one row per dated phase.
_SPACE_MODULE = (
    _SPACE.add_columns(Module, PhaseDates.phase, PhaseDates.starts_at, PhaseDates.ends_at)
    .outerjoin(
        Module,
        and_(
            Module.space_id == Space.id,
            Module.id == bindparam("module"),
            Module.type == bindparam("type"),
        ),
    )
    .outerjoin(PhaseDates, PhaseDates.module_id == Module.id)
)


def build_context(
    parvis: Parvis, session: Session, request: Request, town: Town, form: FormData | None
) -> Context:
    state = request_state(request)
    versions.set_town(session, town.id)
    state["town_id"] = town.id
    user = _actor_from_request(parvis, request, session, town)
    checked = checked_town(parvis, session, request, town)
    if checked is not town:
        if checked is None:
            raise HTTPException(404)
        return build_context(parvis, session, request, checked, form)
    read = state.get("grants")
    grants = read[2] if user is not None and read and read[:2] == (user.id, town.id) else None
    actor = load_actor(session, town, user, grants)
    locale = i18n.negotiate_locale(
        user.locale if user else None,
        request.session.get("locale"),
        request_cookies(request.scope).get(i18n.LANGUAGE_COOKIE),
        accept_language=request.headers.get("accept-language", ""),
        default=town.default_locale,
    )
    i18n.activate(parvis.catalogs, locale)
    i18n.set_time_zone(time_zone_name(town))
    ctx = Context(
        parvis=parvis,
        request=request,
        session=session,
        town=town,
        user=user,
        actor=actor,
        rules=parvis.rules_of(session, town),
        locale=locale,
        form=form,
    )
    state["ctx"] = ctx
    return ctx


def _actor_from_request(
    parvis: Parvis, request: Request, session: Session, town: Town
) -> User | None:
    """``parvis_actor_from_request`` in pluggy's call order, asking only the plugins enabled for
    the town, and accepting only a user of that town."""
    for impl in reversed(parvis.pm.hook.parvis_actor_from_request.get_hookimpls()):
        name = impl.plugin_name
        if name not in parvis.core_plugins and not town.plugin_enabled(name):
            continue
        user = impl.function(request=request, session=session)
        if user is not None:
            return user if user.town_id == town.id else None
    return None


def _check_mount(ctx: Context) -> None:
    """Plugin and module routes: plugin enabled for the town, space and module visible."""
    scope = ctx.request.scope
    plugin = scope.get("parvis.plugin")
    if plugin and not ctx.plugin_enabled(plugin):
        raise HTTPException(404)
    params = ctx.request.path_params
    module_type = scope.get("parvis.module_type")
    module = None
    dates: schedule.Schedule = {}
    if "space" in params and isinstance(params["space"], str):
        if "\x00" in params["space"]:  # no space's slug holds one, and PostgreSQL refuses it
            raise HTTPException(404)
        space, module, dates = _mount_of(ctx, params["space"], module_type, params.get("module"))
        if space is None or not (space.published or ctx.can("spaces.manage", space)):
            raise HTTPException(404)
        ctx.space = space
    if module_type:
        if module is None or not (module.published or ctx.can("spaces.manage", ctx.space)):
            raise HTTPException(404)
        # Before the view checks any phase-gated action: a passed date moves the module on.
        read = {module.id: dict(dates)} if dates else {}
        ctx.schedules.update(
            schedule.advance(ctx.parvis, ctx.session, [module], commit=True, schedules=read)
        )
        ctx.module = module


class _NotKept(Exception):
    """Raised by ``_mount_of``'s read for an address naming nothing: ``ctx.memo`` keeps
    nothing when its ``build`` raises."""


def _mount_of(
    ctx: Context, slug: str, module_type: str | None, module_id: Any
) -> tuple[Space | None, Module | None, schedule.Schedule]:
    """The space and, on a module's page, the module with its dated phases. Read with one query,
    then kept per process until the town's content changes (``ctx.memo``): every write to a
    space, a module or its dates bumps it, while an election's ballots do not. A miss is not
    kept: its key comes from the URL, and anyone can make up millions of them."""
    session = ctx.session
    loaded: list[tuple[Space | None, Module | None]] = []

    def read() -> tuple[Values | None, Values | None, schedule.Schedule]:
        where = {"town": ctx.town.id, "space": slug}
        dates: schedule.Schedule = {}
        module = None
        if module_type:
            rows = session.execute(
                _SPACE_MODULE, {**where, "module": module_id, "type": module_type}
            ).all()
            space, module = rows[0][:2] if rows else (None, None)
            for _space, _module, phase, starts_at, ends_at in rows:
                if starts_at is not None or ends_at is not None:
                    dates[phase] = (starts_at, ends_at)
        else:
            space = session.scalar(_SPACE, where)
        loaded.append((space, module))
        if space is None or (module_type and module is None):
            raise _NotKept
        return (
            values_of(space) if space is not None else None,
            values_of(module) if module is not None else None,
            dates,
        )

    try:
        space_values, module_values, dates = ctx.memo(
            ("parvis.mount", slug, module_type, module_id), read
        )
    except _NotKept:
        return (*loaded[0], {})  # no module: no dates
    if loaded:
        return (*loaded[0], dates)
    return (
        attach(session, Space, space_values) if space_values is not None else None,
        attach(session, Module, module_values) if module_values is not None else None,
        dates,
    )
