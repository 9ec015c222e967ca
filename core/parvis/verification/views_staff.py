"""Staff pages: methods of the town, verifying at the counter, reviewing proofs, moving and
revoking verifications. Every action is in the audit log."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis.context import Context, LoginRequired, get_context
from parvis.forms import parse_int
from parvis.i18n import gettext as _
from parvis.models import User, Verification
from parvis.rendering import form_status, redirect, render
from parvis.verification import claims
from parvis.verification.forms import CounterForm, RefuseForm, SearchForm, SettingsForm
from parvis.verification.methods import (
    COUNTER,
    PROOF,
    enabled_method_keys,
    expiry,
    save_settings,
    validity_months,
)
from parvis.verification.models import CensusEntry, VerificationClaim
from parvis.verification.records import (
    REVOKED,
    PersonAlreadyVerified,
    end_verification,
    live_condition,
    verification_of,
)
from parvis.verification.views_common import (
    area_choices,
    area_names,
    identity_form,
    identity_from,
    mail_resident,
)
from parvis.web import view

MANAGE = "verification.manage"


def staff(request: Request) -> Context:
    """The context of a staff page: town staff allowed to verify (403 for anyone else)."""
    ctx = get_context(request)
    if ctx.user is None:
        raise LoginRequired()
    ctx.require(MANAGE)
    return ctx


def account_of(ctx: Context) -> User:
    user = ctx.session.scalar(
        select(User).where(
            User.id == ctx.request.path_params["user_id"], User.town_id == ctx.town.id
        )
    )
    if user is None:
        raise HTTPException(404)
    return user


@view
def settings(request: Request) -> Response:
    ctx = staff(request)
    registry = ctx.parvis.registry.verification_methods
    if request.method == "POST":
        form = SettingsForm.from_request(ctx.form)
    else:
        form = SettingsForm(methods=enabled_method_keys(ctx.town), months=validity_months(ctx.town))
    form.methods.choices = [
        (m.key, str(m.label)) for m in sorted(registry.values(), key=lambda m: (m.order, m.key))
    ]
    if request.method == "POST" and form.validate():
        save_settings(ctx.town, list(form.methods.data or []), form.months.data)
        ctx.audit(
            "verification.settings",
            "",
            methods=sorted(form.methods.data or []),
            months=form.months.data,
        )
        ctx.flash(_("The verification settings are saved."))
        return redirect(ctx.url("verification:settings"))
    counts = dict(
        ctx.session.execute(
            select(Verification.method, func.count(Verification.id))
            .where(Verification.town_id == ctx.town.id, live_condition())
            .group_by(Verification.method)
        ).all()
    )
    pending = ctx.session.scalar(
        select(func.count(VerificationClaim.id)).where(
            VerificationClaim.town_id == ctx.town.id,
            VerificationClaim.status == "pending",
            VerificationClaim.proof_data.is_not(None),
        )
    )
    listed = ctx.session.scalar(
        select(func.count(CensusEntry.id)).where(CensusEntry.town_id == ctx.town.id)
    )
    return render(
        request,
        "verification/staff_settings.html",
        {
            "form": form,
            "counts": counts,
            "labels": {k: m.label for k, m in registry.items()},
            "pending": pending or 0,
            "listed": listed or 0,
        },
        status_code=form_status(request),
    )


@view
def counter(request: Request) -> Response:
    """Find an account by e-mail or name (staff have the person in front of them)."""
    ctx = staff(request)
    form = SearchForm.from_request(request.query_params if "q" in request.query_params else None)
    found: list[tuple[User, bool, bool]] = []
    if "q" in request.query_params and form.validate():
        pattern = f"%{form.q.data.strip().lower()}%"
        users = ctx.session.scalars(
            select(User)
            .where(
                User.town_id == ctx.town.id,
                or_(User.email.like(pattern), func.lower(User.display_name).like(pattern)),
            )
            .order_by(User.display_name)
            .limit(30)
        ).all()
        ids = [u.id for u in users]
        verified = set(
            ctx.session.scalars(
                select(Verification.user_id).where(Verification.user_id.in_(ids), live_condition())
            )
        )
        claimed = set(
            ctx.session.scalars(
                select(VerificationClaim.user_id).where(VerificationClaim.user_id.in_(ids))
            )
        )
        found = [(u, u.id in verified, u.id in claimed) for u in users]
        ctx.audit("verification.search", "", query=form.q.data.strip()[:100], results=len(found))
    return render(
        request,
        "verification/staff_counter.html",
        {"form": form, "found": found, "searched": "q" in request.query_params},
        status_code=400 if form.errors else 200,
    )


@view
def account(request: Request) -> Response:
    """One account: its claim, its verification; verify it (at the counter or from its proof),
    move another account's verification to it, or revoke it."""
    ctx = staff(request)
    user = account_of(ctx)
    claim = claims.claim_of(ctx.session, user)
    form = identity_form(ctx, CounterForm, claim, user)
    form.area.choices = area_choices(ctx, _("Choose the neighbourhood"))
    holder = None
    if request.method == "POST" and form.validate():
        method = PROOF if claim is not None and claim.proof_data is not None else COUNTER
        try:
            claims.verify_identity(
                ctx.session,
                ctx.parvis.config.secret_key,
                user,
                identity_from(form),
                method,
                expiry(ctx.town),
            )
        except PersonAlreadyVerified as exc:
            holder = claims.holder_account(ctx.session, exc.holder_user_id)
            form.add_error(
                "family_name",
                _("This person is already verified on another account, shown below."),
            )
        else:
            ctx.audit("verification.verify", f"user:{user.id}", method=method)
            if method == PROOF:
                mail_resident(
                    ctx,
                    user,
                    lambda: (
                        _("Your residence is verified"),
                        _(
                            "Hello %(name)s,\n\nThe town hall accepted your proof of address: "
                            "your residence is verified, and your proof is deleted.\n\n%(link)s\n",
                            name=user.display_name,
                            link=ctx.base_url + ctx.url("verification:index"),
                        ),
                    ),
                )
            ctx.flash(_("%(name)s is now a verified resident.", name=user.display_name))
            return redirect(ctx.url("verification:account", user_id=user.id))
    return render(
        request,
        "verification/staff_account.html",
        {
            "account": user,
            "claim": claim,
            "current": verification_of(ctx.session, user),
            "form": form,
            "holder": holder,
            "holder_verification": verification_of(ctx.session, holder) if holder else None,
            "areas": area_names(ctx),
            "refuse_form": RefuseForm(),
            "labels": {k: m.label for k, m in ctx.parvis.registry.verification_methods.items()},
        },
        status_code=400 if form.errors else 200,
    )


@view
def transfer(request: Request) -> Response:
    ctx = staff(request)
    user = account_of(ctx)
    holder_id = (ctx.form or {}).get("holder", "")
    holder = ctx.session.scalar(
        select(Verification).where(
            Verification.town_id == ctx.town.id,
            Verification.user_id == (parse_int(holder_id) or -1),
            live_condition(),
        )
    )
    if holder is None or holder.user_id == user.id:
        raise HTTPException(404)
    from_user = holder.user_id
    claims.transfer(ctx.session, holder, user, expiry(ctx.town))
    ctx.audit("verification.transfer", f"user:{user.id}", from_user=from_user)
    ctx.flash(_("The verification is moved to %(name)s.", name=user.display_name))
    return redirect(ctx.url("verification:account", user_id=user.id))


@view
def revoke(request: Request) -> Response:
    ctx = staff(request)
    user = account_of(ctx)
    current = verification_of(ctx.session, user)
    if current is not None:
        end_verification(ctx.session, current, REVOKED)
        ctx.audit("verification.revoke", f"user:{user.id}")
    ctx.flash(_("%(name)s is no longer a verified resident.", name=user.display_name))
    return redirect(ctx.url("verification:account", user_id=user.id))


routes = [
    Route("/admin/verification", settings, methods=["GET", "POST"], name="verification:settings"),
    Route("/admin/verification/counter", counter, name="verification:counter"),
    Route(
        "/admin/verification/account/{user_id:int}",
        account,
        methods=["GET", "POST"],
        name="verification:account",
    ),
    Route(
        "/admin/verification/account/{user_id:int}/transfer",
        transfer,
        methods=["POST"],
        name="verification:transfer",
    ),
    Route(
        "/admin/verification/account/{user_id:int}/revoke",
        revoke,
        methods=["POST"],
        name="verification:revoke",
    ),
]
