"""Staff review of proofs of address: the queue, the file, refusing with a reason."""

from __future__ import annotations

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis.context import Context
from parvis.i18n import gettext as _
from parvis.models import User
from parvis.rendering import redirect, render
from parvis.verification import claims
from parvis.verification.forms import RefuseForm
from parvis.verification.models import VerificationClaim
from parvis.verification.views_common import mail_resident
from parvis.verification.views_staff import account_of, staff
from parvis.web import view


@view
def queue(request: Request) -> Response:
    ctx = staff(request)
    rows = ctx.session.execute(
        select(VerificationClaim, User)
        .join(User, User.id == VerificationClaim.user_id)
        .where(
            VerificationClaim.town_id == ctx.town.id,
            VerificationClaim.status == "pending",
            VerificationClaim.proof_data.is_not(None),
        )
        .order_by(VerificationClaim.created_at)
        .limit(200)
    ).all()
    return render(request, "verification/staff_claims.html", {"rows": rows})


def _claim(ctx: Context, user: User) -> VerificationClaim:
    claim = claims.claim_of(ctx.session, user)
    if claim is None:
        raise HTTPException(404)
    return claim


@view
def proof_file(request: Request) -> Response:
    ctx = staff(request)
    user = account_of(ctx)
    claim = _claim(ctx, user)
    if claim.proof_data is None:
        raise HTTPException(404)
    ctx.audit("verification.proof_view", f"user:{user.id}")
    return Response(
        claim.proof_data,
        media_type=claim.proof_type,
        headers={
            "Content-Disposition": f'inline; filename="{claim.proof_name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            # A PDF viewer runs in this page's origin: no scripts, no forms from it.
            "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self'; "
            "style-src 'unsafe-inline'",
        },
    )


@view
def refuse(request: Request) -> Response:
    ctx = staff(request)
    user = account_of(ctx)
    claim = _claim(ctx, user)
    form = RefuseForm.from_request(ctx.form)
    if not form.validate():
        ctx.flash(_("Write the reason of the refusal: the resident will read it."), "error")
        return redirect(ctx.url("verification:account", user_id=user.id))
    reason = form.reason.data.strip()
    claims.refuse_claim(ctx.session, claim, reason)
    ctx.audit("verification.refuse", f"user:{user.id}")
    mail_resident(
        ctx,
        user,
        lambda: (
            _("Your proof of address was not accepted"),
            _(
                "Hello %(name)s,\n\nThe town hall could not accept your proof of address:\n\n"
                "%(reason)s\n\nYou can send another one: %(link)s\n",
                name=user.display_name,
                reason=reason,
                link=ctx.base_url + ctx.url("verification:proof"),
            ),
        ),
    )
    ctx.flash(_("The proof is refused and deleted; the resident is told why."))
    return redirect(ctx.url("verification:claims"))


routes = [
    Route("/admin/verification/proofs", queue, name="verification:claims"),
    Route(
        "/admin/verification/account/{user_id:int}/proof",
        proof_file,
        name="verification:proof_file",
    ),
    Route(
        "/admin/verification/account/{user_id:int}/refuse",
        refuse,
        methods=["POST"],
        name="verification:refuse",
    ),
]
