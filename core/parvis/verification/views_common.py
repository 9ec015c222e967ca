"""What the verification pages share: neighbourhood choices, guessing limits, messages."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from sqlalchemy import select
from starlette.exceptions import HTTPException

from parvis import ratelimit
from parvis.context import Context, LoginRequired
from parvis.i18n import gettext as _
from parvis.i18n import use_locale
from parvis.mail import queue_mail
from parvis.models import Area, User
from parvis.towns import town_areas
from parvis.verification.claims import Identity, holder_account, masked_email
from parvis.verification.forms import IdentityForm
from parvis.verification.methods import method_enabled
from parvis.verification.models import VerificationClaim
from parvis.verification.records import PersonAlreadyVerified

# A resident may try their details (census, letter code) this many times per window.
ATTEMPTS_PER_USER = (5, 15 * 60)
ATTEMPTS_PER_CONNECTION = (20, 60 * 60)


def area_choices(ctx: Context, empty: str) -> list[tuple[str, str]]:
    return [("", empty)] + [(str(a.id), a.name) for a in town_areas(ctx.session, ctx.town)]


def area_names(ctx: Context) -> dict[int, str]:
    rows = ctx.session.execute(select(Area.id, Area.name).where(Area.town_id == ctx.town.id))
    return {area_id: name for area_id, name in rows}


def resident(ctx: Context) -> User:
    if ctx.user is None:
        raise LoginRequired()
    return ctx.user


def require_method(ctx: Context, key: str) -> None:
    if not method_enabled(ctx.parvis, ctx.town, key):
        raise HTTPException(404)


def too_many_attempts(ctx: Context, kind: str) -> bool:
    """Counts this attempt; True once the account or the connection tried too often."""
    user = resident(ctx)
    ip = ctx.request.client.host if ctx.request.client else "unknown"
    ip_key = hashlib.sha256(ip.encode()).hexdigest()[:16]
    per_user = ratelimit.hit(
        ctx.session, f"verification.{kind}:{ctx.town.id}:u{user.id}", *ATTEMPTS_PER_USER
    )
    per_ip = ratelimit.hit(
        ctx.session, f"verification.{kind}:{ctx.town.id}:ip{ip_key}", *ATTEMPTS_PER_CONNECTION
    )
    return not (per_user and per_ip)


def already_verified_message(ctx: Context, exc: PersonAlreadyVerified) -> str:
    """To the resident: which account holds them (masked), and how to get it back."""
    holder = holder_account(ctx.session, exc.holder_user_id)
    hint = masked_email(holder.email) if holder else "—"
    return _(
        "This person is already verified on another account (%(account)s). If it is yours, log "
        "in to it (use “Forgotten password” if needed) and delete this one. Otherwise, come to "
        "the town hall with an identity document: staff can move the verification to this "
        "account.",
        account=hint,
    )


def identity_from(form: IdentityForm) -> Identity:
    return Identity(
        form.family_name.data.strip(),
        form.given_names.data.strip(),
        form.birth_date.data,
        int(form.area.data) if form.area.data else None,
        (form.address.data or "").strip(),
    )


def mail_resident(ctx: Context, user: User, compose: Callable[[], tuple[str, str]]) -> None:
    """Queue an e-mail written by ``compose`` (subject, body) in the resident's language."""
    with use_locale(ctx.parvis.catalogs, user.locale or ctx.town.default_locale):
        subject, body = compose()
    queue_mail(ctx.session, user.email, subject, body, ctx.town.id)


def identity_form(
    ctx: Context, form_class: type[IdentityForm], claim: VerificationClaim | None, user: User
) -> IdentityForm:
    """The identity form: what was posted, else the resident's claim, else their neighbourhood."""
    if ctx.request.method == "POST":
        return form_class.from_request(ctx.form)  # type: ignore[return-value]
    if claim is not None:
        return form_class(
            family_name=claim.family_name,
            given_names=claim.given_names,
            birth_date=claim.birth_date,
            area=str(claim.area_id or ""),
            address=claim.address,
        )
    return form_class(area=str(user.area_id or ""))
