"""Administration pages. Every view checks its permission; ids from URLs are looked up within
the current town only, so another town's ids are simply not found."""

from __future__ import annotations

from sqlalchemy import delete, select
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis import i18n
from parvis.admin import forms
from parvis.contrib import Event
from parvis.events import emit
from parvis.i18n import gettext as _
from parvis.models import AuditEntry, Module, PermissionRule, RoleGrant, Space, User, Verification
from parvis.permissions import SPACE_ADMIN, TOWN_ADMIN, VERIFIED, RuleSet, load_actor
from parvis.spaces import services
from parvis.verification.records import (
    REVOKED,
    end_user_verification,
    live_condition,
    verification_of,
    verify_user,
)
from parvis.web import Context, LoginRequired, form_status, get_context, redirect, render, view


def _require_admin_area(ctx: Context) -> None:
    if ctx.user is None:
        raise LoginRequired()
    has_space_role = any(SPACE_ADMIN in roles for roles in ctx.actor.space_roles.values())
    if not (ctx.actor.is_town_admin or has_space_role):
        raise HTTPException(403, _("Only administrators may open the administration."))


def _town_admin(request: Request) -> Context:
    """The context of a page only town administrators may use."""
    ctx = get_context(request)
    _require_admin_area(ctx)
    ctx.require("admin.town")
    return ctx


def _town_space(ctx: Context, space_id: int) -> Space:
    space = ctx.session.scalar(
        select(Space).where(Space.id == space_id, Space.town_id == ctx.town.id)
    )
    if space is None:
        raise HTTPException(404)
    ctx.require("spaces.manage", space)
    return space


def _space_choices(ctx: Context, empty_label: str) -> list[tuple[str, str]]:
    spaces = ctx.session.execute(
        select(Space.id, Space.title).where(Space.town_id == ctx.town.id).order_by(Space.title)
    )
    return [("", empty_label)] + [(str(i), t) for i, t in spaces]


@view
def dashboard(request: Request) -> Response:
    ctx = get_context(request)
    _require_admin_area(ctx)
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
        (str(a.id), a.name) for a in services.areas(ctx.session, ctx.town)
    ]
    return form


def _save_space(ctx: Context, form: forms.SpaceForm, space: Space | None) -> Space | None:
    image = ctx.form.get("image") if ctx.form else None
    upload_id = None
    if isinstance(image, UploadFile) and image.filename:
        data = image.file.read()
        try:
            upload_id = services.store_image(ctx.session, ctx.town, data, image.filename).id
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


@view
def space_new(request: Request) -> Response:
    ctx = _town_admin(request)
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


@view
def space_edit(request: Request) -> Response:
    ctx = get_context(request)
    _require_admin_area(ctx)
    space = _town_space(ctx, request.path_params["space_id"])
    form = _space_form(ctx, space)
    if request.method == "POST" and form.validate() and _save_space(ctx, form, space) is not None:
        ctx.flash(_("The space is saved."))
        return redirect(ctx.url("admin:space", space_id=space.id))
    status = form_status(request)
    modules = services.space_modules(ctx.session, space, include_unpublished=True)
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
    _require_admin_area(ctx)
    space = _town_space(ctx, request.path_params["space_id"])
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
    _require_admin_area(ctx)
    module = ctx.session.scalar(
        select(Module)
        .join(Space)
        .where(Module.id == request.path_params["module_id"], Space.town_id == ctx.town.id)
    )
    if module is None:
        raise HTTPException(404)
    space = _town_space(ctx, module.space_id)
    mtype = ctx.parvis.registry.module_types.get(module.type)
    form = forms.PhaseForm.from_request(ctx.form)
    form.phase.choices = [(p.key, str(p.label)) for p in (mtype.phases if mtype else [])]
    if form.validate():
        old = module.phase
        module.phase = form.phase.data
        ctx.audit(
            "module.phase",
            f"module:{module.id}",
            old=old,
            new=module.phase,
        )
        emit(
            ctx.session,
            Event(
                "module.phase_changed",
                ctx.town.id,
                ctx.actor.id,
                space.id,
                {"module_id": module.id, "old": old, "new": module.phase},
            ),
        )
        ctx.flash(
            _(
                "The phase of “%(title)s” is now “%(phase)s”.",
                title=module.title,
                phase=str(mtype.phase(module.phase).label) if mtype else module.phase,
            )
        )
    else:
        ctx.flash(_("Unknown phase."), "error")
    return redirect(ctx.url("admin:space", space_id=space.id))


@view
def areas(request: Request) -> Response:
    ctx = _town_admin(request)
    form = forms.AreaForm.from_request(ctx.form)
    if request.method == "POST" and form.validate():
        from parvis.models import Area

        name = form.name.data.strip()
        slug = services.slugify(name)
        existing = {a.slug for a in services.areas(ctx.session, ctx.town)}
        if slug in existing:
            form.add_error("name", _("This neighbourhood already exists."))
        else:
            ctx.session.add(Area(town_id=ctx.town.id, slug=slug, name=name, position=len(existing)))
            ctx.audit("area.add", slug)
            ctx.flash(_("The neighbourhood is added."))
            return redirect(ctx.url("admin:areas"))
    status = form_status(request)
    return render(
        request,
        "admin/areas.html",
        {"form": form, "areas": services.areas(ctx.session, ctx.town)},
        status_code=status,
    )


def _role_choices(ctx: Context) -> list[tuple[str, str]]:
    roles = sorted(ctx.parvis.registry.roles.values(), key=lambda r: (r.order, r.key))
    return [(r.key, str(r.label)) for r in roles if r.key not in ("anonymous", "resident")]


@view
def roles(request: Request) -> Response:
    ctx = _town_admin(request)
    form = forms.GrantForm.from_request(ctx.form)
    form.role.choices = _role_choices(ctx)
    form.space.choices = _space_choices(ctx, _("Whole town"))
    if request.method == "POST" and form.validate():
        user = ctx.session.scalar(
            select(User).where(
                User.town_id == ctx.town.id, User.email == form.email.data.strip().lower()
            )
        )
        role = ctx.parvis.registry.roles[form.role.data]
        space_id = int(form.space.data) if form.space.data else None
        if user is None:
            form.add_error("email", _("No account uses this address in this town."))
        elif role.space_scoped and space_id is None:
            form.add_error("space", _("This role is given in one space: choose it."))
        elif role.key == VERIFIED:
            if verification_of(ctx.session, user) is None:
                # No identity was checked here: the key stands for the account alone.
                verify_user(
                    ctx.session,
                    user,
                    person_key=ctx.sign("verification-account", f"{ctx.town.id}:{user.id}"),
                    method="staff",
                    area_id=user.area_id,
                    birth_date=user.birth_date,
                )
                ctx.audit("role.verify", f"user:{user.id}")
            ctx.flash(_("%(name)s is now a verified resident.", name=user.display_name))
            return redirect(ctx.url("admin:roles"))
        else:
            exists = ctx.session.scalar(
                select(RoleGrant.id).where(
                    RoleGrant.user_id == user.id,
                    RoleGrant.role == role.key,
                    RoleGrant.space_id.is_(None)
                    if space_id is None
                    else RoleGrant.space_id == space_id,
                )
            )
            if exists is None:
                ctx.session.add(
                    RoleGrant(
                        town_id=ctx.town.id, user_id=user.id, role=role.key, space_id=space_id
                    )
                )
                ctx.audit(
                    "role.grant",
                    f"user:{user.id}",
                    role=role.key,
                    space_id=space_id,
                )
            ctx.flash(_("The role is given."))
            return redirect(ctx.url("admin:roles"))
    grants = ctx.session.execute(
        select(RoleGrant, User.display_name, User.email, Space.title)
        .join(User, User.id == RoleGrant.user_id)
        .outerjoin(Space, Space.id == RoleGrant.space_id)
        .where(RoleGrant.town_id == ctx.town.id)
        .order_by(RoleGrant.role, User.display_name)
    ).all()
    verified = ctx.session.execute(
        select(User.id, User.display_name, User.email)
        .join(Verification, Verification.user_id == User.id)
        .where(User.town_id == ctx.town.id, live_condition())
        .order_by(User.display_name)
    ).all()
    status = form_status(request)
    return render(
        request,
        "admin/roles.html",
        {"form": form, "grants": grants, "verified": verified, "roles": ctx.parvis.registry.roles},
        status_code=status,
    )


@view
def revoke(request: Request) -> Response:
    ctx = _town_admin(request)
    grant = ctx.session.scalar(
        select(RoleGrant).where(
            RoleGrant.id == request.path_params["grant_id"], RoleGrant.town_id == ctx.town.id
        )
    )
    if grant is None:
        raise HTTPException(404)
    if grant.user_id == ctx.actor.id and grant.role == TOWN_ADMIN:
        ctx.flash(_("You cannot remove your own administrator role."), "error")
        return redirect(ctx.url("admin:roles"))
    ctx.audit(
        "role.revoke",
        f"user:{grant.user_id}",
        role=grant.role,
        space_id=grant.space_id,
    )
    ctx.session.delete(grant)
    ctx.flash(_("The role is removed."))
    return redirect(ctx.url("admin:roles"))


@view
def unverify(request: Request) -> Response:
    ctx = _town_admin(request)
    user = ctx.session.scalar(
        select(User).where(User.id == request.path_params["user_id"], User.town_id == ctx.town.id)
    )
    if user is None:
        raise HTTPException(404)
    end_user_verification(ctx.session, user, REVOKED)
    ctx.audit("role.unverify", f"user:{user.id}")
    ctx.flash(_("%(name)s is no longer a verified resident.", name=user.display_name))
    return redirect(ctx.url("admin:roles"))


def _action_choices(ctx: Context) -> list[tuple[str, str]]:
    return [
        (name, f"{name} — {a.label}") for name, a in sorted(ctx.parvis.registry.actions.items())
    ]


@view
def permissions(request: Request) -> Response:
    ctx = _town_admin(request)
    is_explain = request.method == "POST" and (ctx.form or {}).get("form") == "explain"
    rule_form = forms.RuleForm.from_request(
        ctx.form if request.method == "POST" and not is_explain else None
    )
    explain_form = forms.ExplainForm.from_request(
        ctx.form if is_explain else None, prefix="explain-"
    )
    roles = [
        (r.key, str(r.label))
        for r in sorted(ctx.parvis.registry.roles.values(), key=lambda r: r.order)
    ]
    rule_form.role.choices = roles
    rule_form.action.choices = _action_choices(ctx)
    rule_form.space.choices = _space_choices(ctx, _("Whole town"))
    explain_form.action.choices = _action_choices(ctx)
    explain_form.space.choices = _space_choices(ctx, _("Whole town"))
    decision = None
    status = 200
    if request.method == "POST" and not is_explain:
        if rule_form.validate():
            space_id = int(rule_form.space.data) if rule_form.space.data else None
            ctx.session.execute(
                delete(PermissionRule).where(
                    PermissionRule.town_id == ctx.town.id,
                    PermissionRule.role == rule_form.role.data,
                    PermissionRule.action == rule_form.action.data,
                    PermissionRule.space_id.is_(None)
                    if space_id is None
                    else PermissionRule.space_id == space_id,
                    PermissionRule.module_id.is_(None),
                )
            )
            ctx.session.add(
                PermissionRule(
                    town_id=ctx.town.id,
                    space_id=space_id,
                    role=rule_form.role.data,
                    action=rule_form.action.data,
                    allow=rule_form.allow.data == "1",
                )
            )
            ctx.audit(
                "rule.set",
                rule_form.action.data,
                role=rule_form.role.data,
                space_id=space_id,
                allow=rule_form.allow.data == "1",
            )
            ctx.flash(_("The rule is saved."))
            return redirect(ctx.url("admin:permissions"))
        status = 400
    if is_explain:
        if explain_form.validate():
            decision = _explain(ctx, explain_form)
            if decision is None:
                explain_form.add_error("email", _("No account uses this address in this town."))
                status = 400
        else:
            status = 400
    rules = ctx.session.execute(
        select(PermissionRule, Space.title)
        .outerjoin(Space, Space.id == PermissionRule.space_id)
        .where(PermissionRule.town_id == ctx.town.id)
        .order_by(PermissionRule.action, PermissionRule.role)
    ).all()
    return render(
        request,
        "admin/permissions.html",
        {
            "rule_form": rule_form,
            "explain_form": explain_form,
            "rules": rules,
            "decision": decision,
            "actions": ctx.parvis.registry.actions,
            "roles": ctx.parvis.registry.roles,
        },
        status_code=status,
    )


def _explain(ctx: Context, form: forms.ExplainForm):
    user = None
    if form.email.data:
        user = ctx.session.scalar(
            select(User).where(
                User.town_id == ctx.town.id, User.email == form.email.data.strip().lower()
            )
        )
        if user is None:
            return None
    actor = load_actor(ctx.session, ctx.town, user)
    space = ctx.session.get(Space, int(form.space.data)) if form.space.data else None
    return ctx.parvis.permissions.decide(
        RuleSet.load(ctx.session, ctx.town.id), actor, form.action.data, space
    )


@view
def rule_delete(request: Request) -> Response:
    ctx = _town_admin(request)
    rule = ctx.session.scalar(
        select(PermissionRule).where(
            PermissionRule.id == request.path_params["rule_id"],
            PermissionRule.town_id == ctx.town.id,
        )
    )
    if rule is None:
        raise HTTPException(404)
    ctx.audit("rule.delete", rule.action, role=rule.role)
    ctx.session.delete(rule)
    ctx.flash(_("The rule is removed."))
    return redirect(ctx.url("admin:permissions"))


@view
def town_settings(request: Request) -> Response:
    ctx = _town_admin(request)
    town = ctx.town
    if request.method == "POST":
        form = forms.TownForm.from_request(ctx.form)
    else:
        form = forms.TownForm(
            name=town.name,
            default_locale=town.default_locale,
            theme=town.theme,
            plugins=list(town.enabled_plugins or []),
            accessibility_statement=town.accessibility_statement,
        )
    form.default_locale.choices = [(c, i18n.LANGUAGE_NAMES[c]) for c in i18n.SUPPORTED_LOCALES]
    form.theme.choices = [(t, t) for t in ctx.parvis.available_themes()]
    form.plugins.choices = [
        (name, f"{name} {ctx.parvis.infos[name].version}") for name in ctx.parvis.plugins
    ]
    if request.method == "POST" and form.validate():
        town.name = form.name.data.strip()
        town.default_locale = form.default_locale.data
        town.theme = form.theme.data
        town.enabled_plugins = list(form.plugins.data or [])
        town.accessibility_statement = form.accessibility_statement.data or ""
        ctx.audit(
            "town.save",
            f"town:{town.id}",
            plugins=town.enabled_plugins,
            theme=town.theme,
        )
        ctx.flash(_("The town settings are saved."))
        return redirect(ctx.url("admin:town"))
    status = form_status(request)
    return render(request, "admin/town.html", {"form": form}, status_code=status)


@view
def plugin_settings(request: Request) -> Response:
    """Town values of the enabled plugins' settings (they win over the deployment's)."""
    ctx = _town_admin(request)
    plugins = [p for p in ctx.enabled_plugins if ctx.parvis.registry.settings.get(p)]
    form_class = forms.plugin_settings_form(ctx.parvis.registry.settings, plugins)
    if request.method == "POST":
        form = form_class.from_request(ctx.form)
    else:
        form = form_class(
            data={
                forms.setting_field_name(plugin, key): ctx.setting(plugin, key)
                for plugin in plugins
                for key in ctx.parvis.registry.settings[plugin]
            }
        )
    if request.method == "POST" and form.validate():
        values = dict(ctx.town.settings or {})
        for plugin in plugins:
            values[plugin] = {
                key: form[forms.setting_field_name(plugin, key)].data
                for key in ctx.parvis.registry.settings[plugin]
            }
        ctx.town.settings = values
        ctx.audit("town.plugin_settings", "", **values)
        ctx.flash(_("The settings are saved."))
        return redirect(ctx.url("admin:plugin_settings"))
    status = form_status(request)
    return render(request, "admin/plugin_settings.html", {"form": form}, status_code=status)


@view
def audit_log(request: Request) -> Response:
    ctx = _town_admin(request)
    entries = ctx.session.execute(
        select(AuditEntry, User.display_name)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.town_id == ctx.town.id)
        .order_by(AuditEntry.id.desc())
        .limit(200)
    ).all()
    return render(request, "admin/audit.html", {"entries": entries})


routes = [
    Route("/admin", dashboard, name="admin:dashboard"),
    Route("/admin/spaces/new", space_new, methods=["GET", "POST"], name="admin:space_new"),
    Route("/admin/spaces/{space_id:int}", space_edit, methods=["GET", "POST"], name="admin:space"),
    Route(
        "/admin/spaces/{space_id:int}/modules",
        module_add,
        methods=["POST"],
        name="admin:module_add",
    ),
    Route(
        "/admin/modules/{module_id:int}/phase",
        module_phase,
        methods=["POST"],
        name="admin:module_phase",
    ),
    Route("/admin/areas", areas, methods=["GET", "POST"], name="admin:areas"),
    Route("/admin/roles", roles, methods=["GET", "POST"], name="admin:roles"),
    Route("/admin/roles/{grant_id:int}/revoke", revoke, methods=["POST"], name="admin:revoke"),
    Route(
        "/admin/verified/{user_id:int}/revoke", unverify, methods=["POST"], name="admin:unverify"
    ),
    Route("/admin/permissions", permissions, methods=["GET", "POST"], name="admin:permissions"),
    Route(
        "/admin/permissions/{rule_id:int}/delete",
        rule_delete,
        methods=["POST"],
        name="admin:rule_delete",
    ),
    Route("/admin/town", town_settings, methods=["GET", "POST"], name="admin:town"),
    Route(
        "/admin/plugin-settings",
        plugin_settings,
        methods=["GET", "POST"],
        name="admin:plugin_settings",
    ),
    Route("/admin/audit", audit_log, name="admin:audit"),
]
