"""Administration: town settings, plugin settings and the audit log."""

from __future__ import annotations

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from parvis import audit, i18n
from parvis.admin import forms
from parvis.admin.guards import town_admin
from parvis.i18n import gettext as _
from parvis.models import AuditEntry, User
from parvis.rendering import form_status, redirect, render
from parvis.towns import time_zone_name
from parvis.web import view


@view
def town_settings(request: Request) -> Response:
    ctx = town_admin(request)
    town = ctx.town
    if request.method == "POST":
        form = forms.TownForm.from_request(ctx.form)
    else:
        form = forms.TownForm(
            name=town.name,
            default_locale=town.default_locale,
            theme=town.theme,
            plugins=list(town.enabled_plugins or []),
            time_zone=time_zone_name(town),
            accessibility_statement=town.accessibility_statement,
        )
    form.default_locale.choices = [(c, i18n.LANGUAGE_NAMES[c]) for c in i18n.SUPPORTED_LOCALES]
    form.theme.choices = [(t, t) for t in ctx.parvis.available_themes()]
    form.plugins.choices = [
        (name, f"{name} {ctx.parvis.infos[name].version}") for name in ctx.parvis.plugins
    ]
    if request.method == "POST" and form.validate() and forms.check_time_zone(form):
        town.name = form.name.data.strip()
        zone = (form.time_zone.data or "").strip() or time_zone_name(town)
        town.settings = {**(town.settings or {}), "core": {"time_zone": zone}}
        town.default_locale = form.default_locale.data
        town.theme = form.theme.data
        town.enabled_plugins = list(form.plugins.data or [])
        town.accessibility_statement = form.accessibility_statement.data or ""
        ctx.audit(
            "town.save",
            f"town:{town.id}",
            plugins=town.enabled_plugins,
            theme=town.theme,
            time_zone=zone,
        )
        ctx.flash(_("The town settings are saved."))
        return redirect(ctx.url("admin:town"))
    status = form_status(request)
    return render(request, "admin/town.html", {"form": form}, status_code=status)


@view
def plugin_settings(request: Request) -> Response:
    """Town values of the enabled plugins' settings (they win over the deployment's)."""
    ctx = town_admin(request)
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
    ctx = town_admin(request)
    entries = ctx.session.execute(
        select(AuditEntry, User.display_name)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(AuditEntry.town_id == ctx.town.id)
        .order_by(AuditEntry.id.desc())
        .limit(200)
    ).all()
    declared = ctx.parvis.registry.audit_actions
    names = audit.names_of(
        ctx.session, ctx.town.id, [e for e, _n in entries], ctx.parvis.registry.module_types
    )
    lines = [
        (entry, audit.sentence(declared, entry, name or _("deleted account"), names))
        for entry, name in entries
    ]
    return render(request, "admin/audit.html", {"entries": lines})
