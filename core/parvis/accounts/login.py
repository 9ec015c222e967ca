"""Logging in and out: throttled password checks, one-time log-in links, server-side sessions.

Wrong passwords are counted three ways, and a success never counts:

* per account *and* network address (``login``): a guesser at one address is stopped soon;
* per address (``login_ip``): one address trying many accounts is stopped;
* per account from every address (``login_account``): a guesser rotating addresses is stopped
  too, but so would the owner be; the owner then asks for a one-time log-in link by e-mail,
  which a guesser without the mailbox cannot use.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete
from starlette.requests import Request
from starlette.responses import Response

from parvis import ratelimit
from parvis.accounts import forms, services, tokens
from parvis.context import Context, get_context
from parvis.db import utcnow
from parvis.i18n import gettext as _
from parvis.mail import queue_mail
from parvis.models import LoginSession, User
from parvis.rendering import form_status, redirect, render
from parvis.web import view

LOGIN_LINK_MAX_AGE = 15 * 60
SESSION_MAX_AGE = 14 * 24 * 3600


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limited(ctx: Context, kind: str, *keys: str) -> bool:
    """True when one of ``keys`` is over the configured limit for ``kind`` (else counts them)."""
    limit, window = ctx.parvis.config.rate_limit(kind)
    full = [f"{kind}:{ctx.town.id}:{key}" for key in keys]
    ratelimit.lock(ctx.session, *full)
    return not all(ratelimit.hit(ctx.session, key, limit, window) for key in full)


def login_keys(town_id: int, email: str, ip: str) -> dict[str, str]:
    """The rate-limit key of each kind of count for a log-in attempt (see the module's doc)."""
    return {
        "login": f"login:{town_id}:{email}|{ip}",
        "login_ip": f"login-ip:{town_id}:{ip}",
        "login_account": f"login:{town_id}:{email}",
    }


def session_id_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def log_in(ctx: Context, user: User) -> None:
    """A fresh session (and CSRF token), recorded server-side so log-out can end it."""
    token = secrets.token_urlsafe(32)
    expired = utcnow() - dt.timedelta(seconds=SESSION_MAX_AGE)
    ctx.session.execute(
        delete(LoginSession).where(
            LoginSession.user_id == user.id, LoginSession.created_at < expired
        )
    )
    ctx.session.add(LoginSession(id=session_id_hash(token), user_id=user.id))
    session = ctx.request.session
    session.clear()
    session["uid"] = user.id
    session["epoch"] = user.session_epoch
    session["sid"] = token
    if user.locale:
        session["locale"] = user.locale


def end_session(ctx: Context) -> None:
    token = ctx.request.session.get("sid")
    if isinstance(token, str):
        ctx.session.execute(delete(LoginSession).where(LoginSession.id == session_id_hash(token)))
    ctx.request.session.clear()


def local_path(target: object) -> str:
    """``target`` if it is a path on this site, else ``/``.

    Browsers read a backslash as a slash, so ``/\\evil.example`` would leave the site."""
    if not isinstance(target, str):
        return "/"
    local = target.startswith("/") and not target.startswith("//")
    return target if local and "\\" not in target and target.isprintable() else "/"


def next_url(request: Request) -> str:
    """The local path to return to after logging in or signing up; anything else goes home."""
    return local_path(request.query_params.get("next", "/"))


@view
def login(request: Request) -> Response:
    ctx = get_context(request)
    form = forms.LoginForm.from_request(ctx.form)
    if request.method == "POST" and form.validate():
        email = services.normalise_email(form.email.data)
        keys = login_keys(ctx.town.id, email, client_ip(request))
        ratelimit.lock(ctx.session, *keys.values())
        limits = {kind: ctx.parvis.config.rate_limit(kind) for kind in keys}
        over = {
            kind
            for kind, key in keys.items()
            if ratelimit.used(ctx.session, key, limits[kind][1]) >= limits[kind][0]
        }
        if over:
            offer_link = over == {"login_account"}
            form.add_error(
                "email",
                _(
                    "This account has had too many wrong passwords. We can e-mail you a one-time "
                    "log-in link."
                )
                if offer_link
                else _("Too many attempts. Wait a few minutes and try again."),
            )
            context = {"form": form, "offer_link": offer_link, "email": email}
            return render(request, "accounts/login.html", context, status_code=429)
        user = services.authenticate(ctx.session, ctx.town, email, form.password.data)
        if user is not None:
            log_in(ctx, user)
            return redirect(next_url(request))
        for key in keys.values():
            ratelimit.record(ctx.session, key)
        form.add_error("password", _("Wrong e-mail address or password."))
    status = form_status(request)
    return render(request, "accounts/login.html", {"form": form}, status_code=status)


@view
def login_link_request(request: Request) -> Response:
    """Mail a one-time log-in link, if the address has an account (the page says the same)."""
    ctx = get_context(request)
    form = forms.ResetRequestForm.from_request(ctx.form)
    refused = None
    if not form.validate():
        refused = 400
    elif limited(ctx, "reset", client_ip(request)):
        form.add_error("email", _("Too many attempts. Wait a few minutes and try again."))
        refused = 429
    if refused:
        # Back to the log-in page, the address kept and the reason beside it.
        login_form = forms.LoginForm(email=form.email.data)
        login_form.email.errors = list(form.email.errors)
        return render(request, "accounts/login.html", {"form": login_form}, status_code=refused)
    user = services.find_user(ctx.session, ctx.town, form.email.data)
    if user is not None:
        token = tokens.make_token(
            ctx.parvis.config.secret_key, "login", {"u": user.id, "s": user.session_epoch}
        )
        queue_mail(
            ctx.session,
            user.email,
            _("Log in to %(town)s", town=ctx.town.name),
            _(
                "Hello %(name)s,\n\nTo log in without your password, open this link within "
                "15 minutes and press the button:\n%(url)s\n\nIf you did not ask for it, "
                "ignore this message: someone may be guessing your password, which stays "
                "safe as long as it is long and used nowhere else.",
                name=user.display_name,
                url=f"{ctx.base_url}/login/link/{token}",
            ),
            ctx.town.id,
        )
    return render(request, "accounts/check_email.html", {"email": form.email.data, "link": True})


@view
def login_link(request: Request) -> Response:
    """The link shows a button; only pressing it logs in (a link opened by mistake, or sent
    by someone else, logs nobody in), and only once."""
    ctx = get_context(request)
    token = request.path_params["token"]
    data = tokens.read_token(ctx.parvis.config.secret_key, "login", token, LOGIN_LINK_MAX_AGE)
    user = ctx.session.get(User, data.get("u")) if data else None
    if user is None or user.town_id != ctx.town.id or user.session_epoch != data.get("s"):
        return render(request, "accounts/login_link.html", {"valid": False}, status_code=400)
    if request.method == "POST":
        once = f"login-link:{session_id_hash(token)}"
        if not ratelimit.hit(ctx.session, once, 1, LOGIN_LINK_MAX_AGE):
            return render(request, "accounts/login_link.html", {"valid": False}, status_code=400)
        log_in(ctx, user)
        return redirect("/")
    return render(request, "accounts/login_link.html", {"valid": True, "email": user.email})


@view
def logout(request: Request) -> Response:
    end_session(get_context(request))
    return redirect("/")
