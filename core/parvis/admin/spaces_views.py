"""Administration: the dashboard, spaces and their modules (adding one, moving its phase)."""

from __future__ import annotations

from sqlalchemy import select
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from parvis import schedule
from parvis.admin import forms
from parvis.admin.guards import require_admin_area, town_admin, town_space
from parvis.admin.phases_views import confirm_phase_back, moves_back
from parvis.context import Context, get_context
from parvis.contrib import Event
from parvis.events import emit
from parvis.i18n import gettext as _
from parvis.models import Module, Space
from parvis.rendering import form_status, redirect, render
from parvis.spaces import services
from parvis.towns import town_areas
from parvis.web import view


@view
def dashboard(request: Request) -> Response:
    ctx = get_context(request)
    require_admin_area(ctx)
    visible = ctx.spaces_where("spaces.manage")
    spaces = services.list_spaces(ctx.session, ctx.town, visible=visible, include_unpublished=True)
    return render(request, "admin/dashboard.html", {"spaces": spaces})


def _space_form(ctx: Context, space: Space | None) -> forms.SpaceForm:
    if ctx.request.method == "POST":
        form = forms.SpaceForm.from_request(ctx.form)
    elif space is not None:
        form = forms.SpaceForm(
            title=space.title,
            summary=space.summary,
            description=space.description,
            kind=space.kind,
            area=str(space.area_id or ""),
            published=space.published,
        )
    else:
        form = forms.SpaceForm(kind="general")
    form.kind.choices = [
        (k.key, str(k.label))
        for k in sorted(ctx.parvis.registry.space_kinds.values(), key=lambda k: (k.order, k.key))
    ]
    form.area.choices = [("", _("Whole town"))] + [
        (str(a.id), a.name) for a in town_areas(ctx.session, ctx.town)
    ]
    return form


def _save_space(ctx: Context, form: forms.SpaceForm, space: Space | None) -> Space | None:
    image = ctx.form.get("image") if ctx.form else None
    upload_id = None
    if isinstance(image, UploadFile) and image.filename:
        data = image.file.read()
        try:
            upload_id = services.store_image(
                ctx.session,
                ctx.town,
                data,
                image.filename,
                max_pixels=services.MAX_IMAGE_PIXELS,
            ).id
        except services.InvalidImage:
            form.add_error("image", _("This file is not an image we can read (JPEG or PNG)."))
            return None
    if space is None:
        space = Space(
            town_id=ctx.town.id,
            slug=services.unique_space_slug(ctx.session, ctx.town, form.title.data),
        )
        ctx.session.add(space)
    space.title = form.title.data.strip()
    space.summary = (form.summary.data or "").strip()
    space.description = form.description.data or ""
    space.kind = form.kind.data
    space.area_id = int(form.area.data) if form.area.data else None
    space.published = bool(form.published.data)
    if upload_id is not None:
        space.image_id = upload_id
    ctx.session.flush()
    ctx.audit("space.save", f"space:{space.id}")
    return space


@view(files=("image",))
def space_new(request: Request) -> Response:
    ctx = town_admin(request)
    form = _space_form(ctx, None)
    if request.method == "POST" and form.validate():
        space = _save_space(ctx, form, None)
        if space is not None:
            ctx.flash(_("The space is created. Add modules to it below."))
            return redirect(ctx.url("admin:space", space_id=space.id))
    status = form_status(request)
    return render(
        request, "admin/space_form.html", {"form": form, "edited": None}, status_code=status
    )


@view(files=("image",))
def space_edit(request: Request) -> Response:
    ctx = get_context(request)
    require_admin_area(ctx)
    space = town_space(ctx, request.path_params["space_id"])
    form = _space_form(ctx, space)
    if request.method == "POST" and form.validate() and _save_space(ctx, form, space) is not None:
        ctx.flash(_("The space is saved."))
        return redirect(ctx.url("admin:space", space_id=space.id))
    status = form_status(request)
    modules = services.space_modules(ctx.session, space, include_unpublished=True)
    schedule.advance(ctx.parvis, ctx.session, modules)
    module_form = forms.ModuleForm(prefix="module-")
    module_form.type.choices = [
        (m.key, str(m.label)) for m in ctx.parvis.registry.module_types_for(ctx.enabled_plugins)
    ]
    phase_forms = {}
    for module in modules:
        mtype = ctx.parvis.registry.module_types.get(module.type)
        phase_form = forms.PhaseForm(phase=module.phase)
        phase_form.phase.choices = [(p.key, str(p.label)) for p in (mtype.phases if mtype else [])]
        phase_form.phase.id = f"phase-{module.id}"
        phase_forms[module.id] = phase_form
    return render(
        request,
        "admin/space_form.html",
        {
            "form": form,
            "edited": space,
            "modules": modules,
            "module_form": module_form,
            "phase_forms": phase_forms,
            "module_types": ctx.parvis.registry.module_types,
        },
        status_code=status,
    )


@view
def module_add(request: Request) -> Response:
    ctx = get_context(request)
    require_admin_area(ctx)
    space = town_space(ctx, request.path_params["space_id"])
    form = forms.ModuleForm.from_request(ctx.form, prefix="module-")
    available = {m.key: m for m in ctx.parvis.registry.module_types_for(ctx.enabled_plugins)}
    form.type.choices = [(k, str(m.label)) for k, m in available.items()]
    if form.validate():
        module = services.add_module(
            ctx.session, space, available[form.type.data], form.title.data.strip()
        )
        ctx.audit("module.add", f"module:{module.id}")
        emit(
            ctx.session,
            Event(
                "module.added",
                ctx.town.id,
                ctx.actor.id,
                space.id,
                {"module_id": module.id, "type": module.type},
            ),
        )
        ctx.flash(_("The module is added."))
    else:
        ctx.flash(_("The module could not be added: give it a title and a type."), "error")
    return redirect(ctx.url("admin:space", space_id=space.id))


@view
def module_phase(request: Request) -> Response:
    ctx = get_context(request)
    require_admin_area(ctx)
    module = ctx.session.scalar(
        select(Module)
        .join(Space)
        .where(Module.id == request.path_params["module_id"], Space.town_id == ctx.town.id)
    )
    if module is None:
        raise HTTPException(404)
    space = town_space(ctx, module.space_id)
    mtype = ctx.parvis.registry.module_types.get(module.type)
    form = forms.PhaseForm.from_request(ctx.form)
    form.phase.choices = [(p.key, str(p.label)) for p in (mtype.phases if mtype else [])]
    if form.validate():
        old = module.phase
        if moves_back(mtype, old, form.phase.data) and (ctx.form or {}).get("confirm") != "1":
            return confirm_phase_back(request, ctx, module, space, mtype, form.phase.data)
        if form.phase.data != old:
            schedule.move_phase(
                ctx.session,
                ctx.parvis,
                module,
                form.phase.data,
                expected=old,
                actor_id=ctx.actor.id,
                automatic=False,
            )
        label = str(mtype.phase(module.phase).label) if mtype else module.phase
        ctx.flash(
            _("The phase of “%(title)s” is now “%(phase)s”.", title=module.title, phase=label)
        )
        cleared = schedule.clear_passed_dates(ctx.session, module, mtype.phases if mtype else [])
        if cleared:
            ctx.flash(
                _(
                    "Dates that had passed were removed (%(phases)s) so that it stays in this "
                    "phase: set new ones.",
                    phases=", ".join(cleared),
                ),
                "info",
            )
    else:
        ctx.flash(_("Unknown phase."), "error")
    return redirect(ctx.url("admin:space", space_id=space.id))
