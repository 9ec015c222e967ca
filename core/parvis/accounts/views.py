"""Account pages."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from sqlalchemy import delete
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis import i18n
from parvis.accounts import forms, legal, login, services
from parvis.accounts.login import (
    client_ip,
    end_session,
    limited,
    local_path,
    log_in,
    next_url,
)
from parvis.context import Context, LoginRequired, get_context
from parvis.i18n import gettext as _
from parvis.models import Area, LoginSession, User
from parvis.rendering import form_status, redirect, render
from parvis.towns import town_areas
from parvis.verification.records import MOVED, end_verification, verification_of
from parvis.web import view

# A field hidden from people (off-screen, out of the tab order) that spam bots fill in.
HONEYPOT = "website"


def _area_choices(ctx: Context) -> list[tuple[str, str]]:
    areas = town_areas(ctx.session, ctx.town)
    return [("", _("Not said"))] + [(str(a.id), a.name) for a in areas]


@view
def signup(request: Request) -> Response:
    ctx = get_context(request)
    form = forms.SignupForm.from_request(ctx.form)
    form.area.choices = _area_choices(ctx)
    terms = legal.terms_version(ctx.town)
    back = next_url(request)
    valid = request.method == "POST" and form.validate()
    if request.method == "POST" and terms and not form.accept_terms.data:
        form.add_error("accept_terms", _("Accept the privacy policy to create your account."))
        valid = False
    if valid:
        if ctx.form and ctx.form.get(HONEYPOT):
            # A bot filled the field people cannot see: answer as usual, create nothing.
            return render(
                request, "accounts/check_email.html", {"email": form.email.data, "reset": False}
            )
        if limited(ctx, "signup", client_ip(request)):
            form.add_error("email", _("Too many sign-ups from your connection. Try again later."))
            context = {"form": form, "terms": terms, "back": back}
            return render(request, "accounts/signup.html", context, status_code=429)
        services.sign_up(
            ctx.session,
            ctx.town,
            secret=ctx.parvis.config.secret_key,
            base_url=ctx.base_url,
            email=form.email.data,
            password=form.password.data,
            display_name=form.display_name.data,
            area_id=int(form.area.data) if form.area.data else None,
            locale=ctx.locale,
            next_path=back,
            terms_version=terms,
        )
        return render(
            request, "accounts/check_email.html", {"email": form.email.data, "reset": False}
        )
    status = form_status(request)
    context = {"form": form, "terms": terms, "back": back}
    return render(request, "accounts/signup.html", context, status_code=status)


@view(write=True)
def confirm(request: Request) -> Response:
    ctx = get_context(request)
    token = request.path_params["token"]
    user, first_use = services.confirm(
        ctx.session, ctx.town, secret=ctx.parvis.config.secret_key, token=token
    )
    if user is None:
        return render(request, "accounts/confirm_failed.html", status_code=400)
    # Back to the page the resident signed up from (a local path only, checked again here).
    back = local_path(services.confirmation_next(ctx.parvis.config.secret_key, token))
    # The link confirms the address and never logs in: opening someone else's link (sent by
    # an attacker who wants the victim to act in the attacker's account) logs nobody in.
    if ctx.user is not None and ctx.user.id == user.id:
        ctx.flash(_("Your address is confirmed. Welcome!"))
        return redirect(back)
    if first_use:
        ctx.flash(_("Your address is confirmed: log in to take part."))
    else:
        ctx.flash(_("Your address is already confirmed: log in."), "info")
    login_page = ctx.url("accounts:login")
    return redirect(login_page if back == "/" else f"{login_page}?next={quote(back, safe='')}")


@view
def resend_confirmation(request: Request) -> Response:
    ctx = get_context(request)
    if ctx.user is None:
        return redirect(ctx.url("accounts:login"))
    if not ctx.user.is_confirmed and not limited(ctx, "reset", f"confirm:{ctx.user.id}"):
        services.send_confirmation(
            ctx.session,
            ctx.town,
            ctx.user,
            secret=ctx.parvis.config.secret_key,
            base_url=ctx.base_url,
        )
    ctx.flash(_("We sent the confirmation link again."), "info")
    return redirect(ctx.url("accounts:profile"))


@view
def reset_request(request: Request) -> Response:
    ctx = get_context(request)
    form = forms.ResetRequestForm.from_request(ctx.form)
    if request.method == "POST" and form.validate():
        if limited(ctx, "reset", client_ip(request)):
            form.add_error("email", _("Too many attempts. Wait a few minutes and try again."))
            return render(request, "accounts/reset_request.html", {"form": form}, status_code=429)
        services.request_reset(
            ctx.session,
            ctx.town,
            secret=ctx.parvis.config.secret_key,
            base_url=ctx.base_url,
            email=form.email.data,
        )
        return render(
            request, "accounts/check_email.html", {"email": form.email.data, "reset": True}
        )
    status = form_status(request)
    return render(request, "accounts/reset_request.html", {"form": form}, status_code=status)


@view
def reset_password(request: Request) -> Response:
    ctx = get_context(request)
    user = services.user_for_reset(
        ctx.session,
        ctx.town,
        secret=ctx.parvis.config.secret_key,
        token=request.path_params["token"],
    )
    if user is None:
        return render(request, "accounts/reset_failed.html", status_code=400)
    form = forms.NewPasswordForm.from_request(ctx.form)
    if request.method == "POST" and form.validate():
        services.set_password(user, form.password.data)
        log_in(ctx, user)
        ctx.flash(_("Your password has been changed."))
        return redirect("/")
    status = form_status(request)
    return render(request, "accounts/reset_password.html", {"form": form}, status_code=status)


def _require_user(ctx: Context) -> User:
    if ctx.user is None:
        raise LoginRequired()
    return ctx.user


def _residence(ctx: Context, user: User) -> dict[str, Any]:
    """The account's verification for the account page (status and expiry)."""
    current = verification_of(ctx.session, user)
    area = ctx.session.get(Area, current.area_id) if current and current.area_id else None
    return {"residence": current, "residence_area": area.name if area else ""}


@view
def profile(request: Request) -> Response:
    ctx = get_context(request)
    user = _require_user(ctx)
    if request.method == "POST":
        form = forms.ProfileForm.from_request(ctx.form)
    else:
        form = forms.ProfileForm(
            display_name=user.display_name,
            locale=user.locale or ctx.locale,
            area=str(user.area_id or ""),
            birth_date=user.birth_date,
            notify_followed=user.notify_followed,
        )
    form.area.choices = _area_choices(ctx)
    form.locale.choices = [(code, i18n.LANGUAGE_NAMES[code]) for code in i18n.SUPPORTED_LOCALES]
    if request.method == "POST" and form.validate():
        user.display_name = form.display_name.data.strip()
        user.locale = form.locale.data
        area_id = int(form.area.data) if form.area.data else None
        current = verification_of(ctx.session, user)
        if current is not None and area_id != user.area_id and area_id != current.area_id:
            # Residency was verified in the old neighbourhood, not in the new one.
            end_verification(ctx.session, current, MOVED)
            ctx.flash(
                _("Your neighbourhood changed: ask the town hall to verify your residency again."),
                "info",
            )
        user.area_id = area_id
        user.birth_date = form.birth_date.data
        user.notify_followed = bool(form.notify_followed.data)
        request.session["locale"] = user.locale
        i18n.activate(ctx.parvis.catalogs, user.locale)
        ctx.flash(_("Your profile is saved."))
        return redirect(ctx.url("accounts:profile"))
    status = form_status(request)
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "delete_form": forms.DeleteAccountForm(), **_residence(ctx, user)},
        status_code=status,
    )


@view(write=False)
def export(request: Request) -> Response:
    ctx = get_context(request)
    user = _require_user(ctx)
    data = services.export_data(ctx.session, ctx.parvis.pm, user)
    body = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    return Response(
        body,
        media_type="application/json",
        headers={"content-disposition": 'attachment; filename="parvis-my-data.json"'},
    )


@view
def delete_account(request: Request) -> Response:
    ctx = get_context(request)
    user = _require_user(ctx)
    form = forms.DeleteAccountForm.from_request(ctx.form)
    if form.validate():
        if services.authenticate(ctx.session, ctx.town, user.email, form.password.data) is None:
            form.add_error("password", _("Wrong password."))
        else:
            services.delete_account(ctx.session, ctx.parvis.pm, user)
            end_session(ctx)
            ctx.flash(_("Your account and your personal data have been deleted."))
            return redirect("/")
    profile_form = forms.ProfileForm(
        display_name=user.display_name,
        locale=user.locale,
        area=str(user.area_id or ""),
        notify_followed=user.notify_followed,
    )
    profile_form.area.choices = _area_choices(ctx)
    profile_form.locale.choices = [(c, i18n.LANGUAGE_NAMES[c]) for c in i18n.SUPPORTED_LOCALES]
    return render(
        request,
        "accounts/profile.html",
        {"form": profile_form, "delete_form": form, **_residence(ctx, user)},
        status_code=400,
    )


@view
def logout_everywhere(request: Request) -> Response:
    """End every session of the account, on every device (e.g. after losing a phone)."""
    ctx = get_context(request)
    user = _require_user(ctx)
    user.session_epoch += 1
    ctx.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    request.session.clear()
    ctx.flash(_("You are logged out on every device."))
    return redirect("/")


@view
def unsubscribe(request: Request) -> Response:
    """From the link in a notification: one click on a button turns news e-mails off."""
    ctx = get_context(request)
    user = services.user_for_unsubscribe(
        ctx.session,
        ctx.town,
        secret=ctx.parvis.config.secret_key,
        token=request.path_params["token"],
    )
    if user is None:
        return render(
            request, "accounts/unsubscribe.html", {"done": False, "valid": False}, status_code=400
        )
    if request.method == "POST":
        user.notify_followed = False
        return render(request, "accounts/unsubscribe.html", {"done": True, "valid": True})
    return render(request, "accounts/unsubscribe.html", {"done": False, "valid": True})


@view
def set_language(request: Request) -> Response:
    ctx = get_context(request)
    chosen = ctx.form.get("locale") if ctx.form else None
    if isinstance(chosen, str) and chosen in i18n.SUPPORTED_LOCALES:
        request.session["locale"] = chosen
        if ctx.user is not None:
            ctx.user.locale = chosen
    return redirect(next_url(request))


@view
def language_link(request: Request) -> Response:
    """The language links anonymous pages show: a cookie, no session, nothing written, so the
    pages stay cacheable. A logged-in resident's choice is saved by ``set_language``."""
    ctx = get_context(request)
    chosen = request.path_params["locale"]
    response = redirect(next_url(request))
    if chosen in i18n.SUPPORTED_LOCALES:
        response.set_cookie(
            i18n.LANGUAGE_COOKIE,
            chosen,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=ctx.parvis.config.https,
        )
        if "locale" in request.session:
            request.session["locale"] = chosen
    return response


routes = [
    Route("/signup", signup, methods=["GET", "POST"], name="accounts:signup"),
    Route("/confirm/{token}", confirm, name="accounts:confirm"),
    Route("/confirm-again", resend_confirmation, methods=["POST"], name="accounts:resend"),
    Route("/login", login.login, methods=["GET", "POST"], name="accounts:login"),
    Route("/login/link", login.login_link_request, methods=["POST"], name="accounts:login_link"),
    Route(
        "/login/link/{token}",
        login.login_link,
        methods=["GET", "POST"],
        name="accounts:login_link_use",
    ),
    Route("/logout", login.logout, methods=["POST"], name="accounts:logout"),
    Route("/password/reset", reset_request, methods=["GET", "POST"], name="accounts:reset"),
    Route(
        "/password/reset/{token}",
        reset_password,
        methods=["GET", "POST"],
        name="accounts:reset_password",
    ),
    Route("/account", profile, methods=["GET", "POST"], name="accounts:profile"),
    Route("/account/terms", legal.accept_terms, methods=["POST"], name="accounts:terms"),
    Route("/privacy", legal.privacy, name="accounts:privacy"),
    Route("/legal", legal.legal_notice, name="accounts:legal"),
    Route("/account/export", export, name="accounts:export"),
    Route("/account/delete", delete_account, methods=["POST"], name="accounts:delete"),
    Route(
        "/account/logout-everywhere",
        logout_everywhere,
        methods=["POST"],
        name="accounts:logout_everywhere",
    ),
    Route("/language", set_language, methods=["POST"], name="accounts:language"),
    Route("/language/{locale}", language_link, name="accounts:language_link"),
    Route(
        "/unsubscribe/{token}", unsubscribe, methods=["GET", "POST"], name="accounts:unsubscribe"
    ),
]
