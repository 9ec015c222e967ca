"""The resident's side: "Verify my residence", and one page per method they can use alone."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis.context import Context, get_context
from parvis.i18n import gettext as _
from parvis.rendering import form_status, redirect, render
from parvis.verification import claims, letters
from parvis.verification.forms import CensusForm, IdentityForm, LetterForm, ProofForm
from parvis.verification.methods import CENSUS, COUNTER, LETTER, PROOF, enabled_methods, expiry
from parvis.verification.records import PersonAlreadyVerified, latest_verification, verification_of
from parvis.verification.views_common import (
    already_verified_message,
    area_choices,
    area_names,
    identity_form,
    identity_from,
    require_method,
    resident,
    too_many_attempts,
)
from parvis.web import view


@view
def index(request: Request) -> Response:
    ctx = get_context(request)
    user = resident(ctx)
    current = verification_of(ctx.session, user)
    return render(
        request,
        "verification/index.html",
        {
            "current": current,
            "last": None if current else latest_verification(ctx.session, user),
            "claim": claims.claim_of(ctx.session, user),
            "methods": enabled_methods(ctx.parvis, ctx.town),
            "method_labels": {
                k: m.label for k, m in ctx.parvis.registry.verification_methods.items()
            },
            "areas": area_names(ctx),
        },
    )


def _done(ctx: Context, message: str) -> Response:
    ctx.flash(message)
    return redirect(ctx.url("verification:index"))


@view
def census(request: Request) -> Response:
    ctx = get_context(request)
    user = resident(ctx)
    require_method(ctx, CENSUS)
    form = CensusForm.from_request(ctx.form)
    if request.method == "POST" and form.validate():
        if too_many_attempts(ctx, "census"):
            form.add_error("family_name", _("Too many attempts. Try again later."))
        else:
            identity = claims.Identity(
                form.family_name.data.strip(),
                form.given_names.data.strip(),
                form.birth_date.data,
                None,
            )
            secret = ctx.parvis.config.secret_key
            entry = claims.census_match(
                ctx.session, secret, ctx.town.id, identity, form.postcode.data
            )
            if entry is None:
                form.add_error(
                    "family_name",
                    _(
                        "Nobody with these details is on the town's list. Check the spelling "
                        "against your identity document, or use another method."
                    ),
                )
            else:
                try:
                    claims.verify_identity(
                        ctx.session,
                        secret,
                        user,
                        claims.Identity(
                            identity.family_name,
                            identity.given_names,
                            identity.birth_date,
                            entry.area_id,
                        ),
                        CENSUS,
                        expiry(ctx.town),
                    )
                except PersonAlreadyVerified as exc:
                    form.add_error("family_name", already_verified_message(ctx, exc))
                else:
                    return _done(ctx, _("Your residence is verified."))
    return render(
        request,
        "verification/census.html",
        {"form": form},
        status_code=form_status(request),
    )


@view
def letter(request: Request) -> Response:
    ctx = get_context(request)
    user = resident(ctx)
    require_method(ctx, LETTER)
    form = LetterForm.from_request(ctx.form)
    if request.method == "POST" and form.validate():
        if too_many_attempts(ctx, "letter"):
            form.add_error("code", _("Too many attempts. Try again later."))
        else:
            try:
                letters.redeem(
                    ctx.session,
                    ctx.parvis.config.secret_key,
                    user,
                    form.code.data,
                    form.birth_date.data,
                    expiry(ctx.town),
                )
            except letters.LetterRefused as exc:
                form.add_error("code", _letter_message(exc.reason))
            except PersonAlreadyVerified as exc:
                form.add_error("code", already_verified_message(ctx, exc))
            else:
                ctx.audit("verification.letter_used", f"user:{user.id}")
                return _done(ctx, _("Your residence is verified."))
    return render(
        request, "verification/letter.html", {"form": form}, status_code=form_status(request)
    )


def _letter_message(reason: str) -> str:
    if reason == letters.USED:
        return _("This code has already been used. Each code works once.")
    if reason == letters.EXPIRED:
        return _("This code has expired. Ask the town hall for a new letter.")
    return _("This code and this date of birth do not match a letter. Check both and try again.")


def _claim_page(request: Request, *, with_proof: bool) -> Response:
    ctx = get_context(request)
    user = resident(ctx)
    require_method(ctx, PROOF if with_proof else COUNTER)
    existing = claims.claim_of(ctx.session, user)
    form_class = ProofForm if with_proof else IdentityForm
    form = identity_form(ctx, form_class, existing, user)
    form.area.choices = area_choices(ctx, _("Choose your neighbourhood"))
    if request.method == "POST" and form.validate():
        proof = None
        if with_proof:
            proof = _read_proof(form, ctx.form.get("proof") if ctx.form else None)
        if not form.errors:
            claims.save_claim(ctx.session, user, identity_from(form), proof)
            if with_proof:
                return _done(ctx, _("Your proof is sent. Staff will check it and tell you."))
            return _done(ctx, _("Your details are saved. Bring your documents to the town hall."))
    return render(
        request,
        "verification/claim.html",
        {"form": form, "with_proof": with_proof, "claim": existing},
        status_code=400 if form.errors else 200,
    )


def _read_proof(form: ProofForm, upload: object) -> tuple[bytes, str, str] | None:
    if not isinstance(upload, UploadFile) or not upload.filename:
        form.add_error("proof", _("Choose the file of your proof of address."))
        return None
    data = upload.file.read(claims.MAX_PROOF_BYTES + 1)
    if len(data) > claims.MAX_PROOF_BYTES:
        form.add_error("proof", _("This file is larger than 5 MB: send a smaller photo or PDF."))
        return None
    try:
        return claims.check_proof(data, upload.filename)
    except claims.InvalidProof:
        form.add_error("proof", _("This file is not a photo (JPEG or PNG) or a PDF we can read."))
        return None


@view(files=("proof",))
def proof(request: Request) -> Response:
    return _claim_page(request, with_proof=True)


@view
def details(request: Request) -> Response:
    return _claim_page(request, with_proof=False)


routes = [
    Route("/verify", index, name="verification:index"),
    Route("/verify/list", census, methods=["GET", "POST"], name="verification:census"),
    Route("/verify/letter", letter, methods=["GET", "POST"], name="verification:letter"),
    Route("/verify/proof", proof, methods=["GET", "POST"], name="verification:proof"),
    Route("/verify/details", details, methods=["GET", "POST"], name="verification:claim"),
]
