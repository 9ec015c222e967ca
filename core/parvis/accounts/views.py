"""Account pages."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis import i18n, ratelimit
from parvis.accounts import forms, services
from parvis.i18n import gettext as _
from parvis.models import Area, User
from parvis.towns import town_areas
from parvis.verification.records import MOVED, end_verification, verification_of
from parvis.web import Context, form_status, get_context, redirect, render, view

# A field hidden from people (off-screen, out of the tab order) that spam bots fill in.
HONEYPOT = "website"


def _area_choices(ctx: Context) -> list[tuple[str, str]]:
    areas = town_areas(ctx.session, ctx.town)
    return [("", _("Not said"))] + [(str(a.id), a.name) for a in areas]


def _limited(ctx: Context, kind: str, *keys: str) -> bool:
    """True when one of ``keys`` is over the configured limit for ``kind``."""
    limit, window = ctx.parvis.config.rate_limits[kind]
    return not all(
        ratelimit.hit(ctx.session, f"{kind}:{ctx.town.id}:{key}", limit, window) for key in keys
    )


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _log_in(ctx: Context, user: User) -> None:
    session = ctx.request.session
    session.clear()  # a fresh session (and CSRF token) at each log-in
    session["uid"] = user.id
    session["epoch"] = user.session_epoch
    if user.locale:
        session["locale"] = user.locale


def _next_url(request: Request) -> str:
    target = request.query_params.get("next", "/")
    return target if target.startswith("/") and not target.startswith("//") else "/"


@view
def signup(request: Request) -> Response:
    ctx = get_context(request)
    form = forms.SignupForm.from_request(ctx.form)
    form.area.choices = _area_choices(ctx)
    if request.method == "POST" and form.validate():
        if ctx.form and ctx.form.get(HONEYPOT):
            # A bot filled the field people cannot see: answer as usual, create nothing.
            return render(
                request, "accounts/check_email.html", {"email": form.email.data, "reset": False}
            )
        if _limited(ctx, "signup", _client_ip(request)):
            form.add_error("email", _("Too many sign-ups from your connection. Try again later."))
            return render(request, "accounts/signup.html", {"form": form}, status_code=429)
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
        )
        return render(
            request, "accounts/check_email.html", {"email": form.email.data, "reset": False}
        )
    status = form_status(request)
    return render(request, "accounts/signup.html", {"form": form}, status_code=status)


@view(write=True)
def confirm(request: Request) -> Response:
    ctx = get_context(request)
    user, first_use = services.confirm(
        ctx.session,
        ctx.town,
        secret=ctx.parvis.config.secret_key,
        token=request.path_params["token"],
    )
    if user is None:
        return render(request, "accounts/confirm_failed.html", status_code=400)
    if not first_use:
        ctx.flash(_("Your address is already confirmed: log in."), "info")
        return redirect(ctx.url("accounts:login"))
    _log_in(ctx, user)
    ctx.flash(_("Your address is confirmed. Welcome!"))
    return redirect("/")


@view
def resend_confirmation(request: Request) -> Response:
    ctx = get_context(request)
    if ctx.user is None:
        return redirect(ctx.url("accounts:login"))
    if not ctx.user.is_confirmed and not _limited(ctx, "reset", f"confirm:{ctx.user.id}"):
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
def login(request: Request) -> Response:
    ctx = get_context(request)
    form = forms.LoginForm.from_request(ctx.form)
    if request.method == "POST" and form.validate():
        email = services.normalise_email(form.email.data)
        if _limited(ctx, "login", _client_ip(request), email):
            form.add_error("email", _("Too many attempts. Wait a few minutes and try again."))
            return render(request, "accounts/login.html", {"form": form}, status_code=429)
        user = services.authenticate(ctx.session, ctx.town, email, form.password.data)
        if user is not None:
            _log_in(ctx, user)
            return redirect(_next_url(request))
        form.add_error("password", _("Wrong e-mail address or password."))
    status = form_status(request)
    return render(request, "accounts/login.html", {"form": form}, status_code=status)


@view(write=False)
def logout(request: Request) -> Response:
    request.session.clear()
    return redirect("/")


@view
def reset_request(request: Request) -> Response:
    ctx = get_context(request)
    form = forms.ResetRequestForm.from_request(ctx.form)
    if request.method == "POST" and form.validate():
        if _limited(ctx, "reset", _client_ip(request)):
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
        _log_in(ctx, user)
        ctx.flash(_("Your password has been changed."))
        return redirect("/")
    status = form_status(request)
    return render(request, "accounts/reset_password.html", {"form": form}, status_code=status)


def _require_user(ctx: Context) -> User:
    from parvis.web import LoginRequired

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
            request.session.clear()
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
    return redirect(_next_url(request))


routes = [
    Route("/signup", signup, methods=["GET", "POST"], name="accounts:signup"),
    Route("/confirm/{token}", confirm, name="accounts:confirm"),
    Route("/confirm-again", resend_confirmation, methods=["POST"], name="accounts:resend"),
    Route("/login", login, methods=["GET", "POST"], name="accounts:login"),
    Route("/logout", logout, methods=["POST"], name="accounts:logout"),
    Route("/password/reset", reset_request, methods=["GET", "POST"], name="accounts:reset"),
    Route(
        "/password/reset/{token}",
        reset_password,
        methods=["GET", "POST"],
        name="accounts:reset_password",
    ),
    Route("/account", profile, methods=["GET", "POST"], name="accounts:profile"),
    Route("/account/export", export, name="accounts:export"),
    Route("/account/delete", delete_account, methods=["POST"], name="accounts:delete"),
    Route(
        "/account/logout-everywhere",
        logout_everywhere,
        methods=["POST"],
        name="accounts:logout_everywhere",
    ),
    Route("/language", set_language, methods=["POST"], name="accounts:language"),
    Route(
        "/unsubscribe/{token}", unsubscribe, methods=["GET", "POST"], name="accounts:unsubscribe"
    ),
]
