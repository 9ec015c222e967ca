"""Administration: permission rules, and why an action is allowed or not."""

from __future__ import annotations

from sqlalchemy import delete, select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from parvis.admin import forms
from parvis.admin.guards import space_choices, town_admin
from parvis.context import Context
from parvis.i18n import gettext as _
from parvis.models import PermissionRule, Space, User
from parvis.permissions import RuleSet, load_actor
from parvis.rendering import redirect, render
from parvis.web import view


def _action_choices(ctx: Context) -> list[tuple[str, str]]:
    return [
        (name, f"{name} — {a.label}") for name, a in sorted(ctx.parvis.registry.actions.items())
    ]


@view
def permissions(request: Request) -> Response:
    ctx = town_admin(request)
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
    rule_form.space.choices = space_choices(ctx, _("Whole town"))
    explain_form.action.choices = _action_choices(ctx)
    explain_form.space.choices = space_choices(ctx, _("Whole town"))
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
    ctx = town_admin(request)
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
