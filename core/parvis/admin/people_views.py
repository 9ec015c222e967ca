"""Administration: neighbourhoods, roles and residents' verification."""

from __future__ import annotations

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from parvis.admin import forms
from parvis.admin.guards import space_choices, town_admin
from parvis.context import Context
from parvis.i18n import gettext as _
from parvis.models import RoleGrant, Space, User, Verification
from parvis.permissions import TOWN_ADMIN, VERIFIED
from parvis.rendering import form_status, redirect, render
from parvis.spaces import services
from parvis.towns import town_areas
from parvis.verification.records import REVOKED, end_user_verification, live_condition
from parvis.web import view


@view
def areas(request: Request) -> Response:
    ctx = town_admin(request)
    form = forms.AreaForm.from_request(ctx.form)
    if request.method == "POST" and form.validate():
        from parvis.models import Area

        name = form.name.data.strip()
        slug = services.slugify(name)
        existing = {a.slug for a in town_areas(ctx.session, ctx.town)}
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
        {"form": form, "areas": town_areas(ctx.session, ctx.town)},
        status_code=status,
    )


def _role_choices(ctx: Context) -> list[tuple[str, str]]:
    roles = sorted(ctx.parvis.registry.roles.values(), key=lambda r: (r.order, r.key))
    return [(r.key, str(r.label)) for r in roles if r.key not in ("anonymous", "resident")]


@view
def roles(request: Request) -> Response:
    ctx = town_admin(request)
    form = forms.GrantForm.from_request(ctx.form)
    form.role.choices = _role_choices(ctx)
    form.space.choices = space_choices(ctx, _("Whole town"))
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
            # Verifying means checking who the person is: the counter page records it.
            return redirect(ctx.url("verification:account", user_id=user.id))
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
    ctx = town_admin(request)
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
    ctx = town_admin(request)
    user = ctx.session.scalar(
        select(User).where(User.id == request.path_params["user_id"], User.town_id == ctx.town.id)
    )
    if user is None:
        raise HTTPException(404)
    end_user_verification(ctx.session, user, REVOKED)
    ctx.audit("role.unverify", f"user:{user.id}")
    ctx.flash(_("%(name)s is no longer a verified resident.", name=user.display_name))
    return redirect(ctx.url("admin:roles"))
