"""Account domain logic: plain functions over a session, one unit of work each."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from parvis.accounts import tokens
from parvis.db import utcnow
from parvis.i18n import gettext as _
from parvis.mail import queue_mail
from parvis.models import Consent, Follow, Job, OutboxMail, RateLimitHit, RoleGrant, Town, User
from parvis.passwords import hash_password, needs_rehash, verify_password
from parvis.plugins import call_each
from parvis.verification.records import forget_user

if TYPE_CHECKING:
    import pluggy


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user(session: Session, town: Town, email: str) -> User | None:
    return session.scalar(
        select(User).where(User.town_id == town.id, User.email == normalise_email(email))
    )


def sign_up(
    session: Session,
    town: Town,
    *,
    secret: str,
    base_url: str,
    email: str,
    password: str,
    display_name: str,
    area_id: int | None,
    locale: str,
    next_path: str = "/",
    terms_version: int = 0,
) -> User | None:
    """Create an unconfirmed account and mail its confirmation link.

    If the address already has an account, its owner is told by e-mail instead and ``None`` is
    returned: the page says the same either way, so nobody learns who has an account.
    """
    email = normalise_email(email)
    # Hashed whether or not the address is taken: both answers take the same time.
    password_hash = hash_password(password)
    existing = find_user(session, town, email)
    if existing is not None:
        queue_mail(
            session,
            email,
            _("Your account on %(town)s", town=town.name),
            _(
                "Someone tried to create an account on %(town)s with this address, which already "
                "has one. If it was you, log in or reset your password at %(url)s.",
                town=town.name,
                url=f"{base_url}/password/reset",
            ),
            town.id,
        )
        return None
    user = User(
        town_id=town.id,
        email=email,
        password_hash=password_hash,
        display_name=display_name.strip(),
        area_id=area_id,
        locale=locale,
    )
    session.add(user)
    session.flush()
    if terms_version:
        session.add(Consent(user_id=user.id, version=terms_version))
    send_confirmation(session, town, user, secret=secret, base_url=base_url, next_path=next_path)
    return user


def send_confirmation(
    session: Session, town: Town, user: User, *, secret: str, base_url: str, next_path: str = "/"
) -> None:
    """Mail the confirmation link; ``next_path`` (a local path) is where the resident goes back
    to once confirmed and logged in, carried in the signed link."""
    data: dict[str, Any] = {"u": user.id, "e": user.email}
    if next_path != "/":
        data["n"] = next_path
    token = tokens.make_token(secret, "confirm", data)
    queue_mail(
        session,
        user.email,
        _("Confirm your account on %(town)s", town=town.name),
        _(
            "Hello %(name)s,\n\nTo confirm your account on %(town)s, open this link within "
            "7 days:\n%(url)s\n\nIf you did not sign up, ignore this message.",
            name=user.display_name,
            town=town.name,
            url=f"{base_url}/confirm/{token}",
        ),
        town.id,
    )


def confirm(session: Session, town: Town, *, secret: str, token: str) -> tuple[User | None, bool]:
    """The account the link confirms, and whether this use confirmed it (only the first use
    may log in: the link must not stay a password-less key to the account)."""
    data = tokens.read_token(secret, "confirm", token, tokens.CONFIRM_MAX_AGE)
    if data is None:
        return None, False
    user = session.get(User, data.get("u"))
    if user is None or user.town_id != town.id or user.email != data.get("e"):
        return None, False
    if user.confirmed_at is not None:
        return user, False
    user.confirmed_at = utcnow()
    return user, True


def confirmation_next(secret: str, token: str) -> str | None:
    """The page a confirmation link leads back to (unchecked: pass it through ``local_path``)."""
    data = tokens.read_token(secret, "confirm", token, tokens.CONFIRM_MAX_AGE)
    value = data.get("n") if data else None
    return value if isinstance(value, str) else None


def authenticate(session: Session, town: Town, email: str, password: str) -> User | None:
    user = find_user(session, town, email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    assert user is not None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _reset_payload(user: User) -> dict[str, Any]:
    # The hash's tail makes the link single-use: it dies as soon as the password changes.
    return {"u": user.id, "s": user.session_epoch, "h": user.password_hash[-16:]}


def request_reset(session: Session, town: Town, *, secret: str, base_url: str, email: str) -> None:
    user = find_user(session, town, email)
    if user is None:
        return
    token = tokens.make_token(secret, "reset", _reset_payload(user))
    queue_mail(
        session,
        user.email,
        _("Reset your password on %(town)s", town=town.name),
        _(
            "Hello %(name)s,\n\nTo choose a new password, open this link within 2 hours:\n"
            "%(url)s\n\nIf you did not ask for it, ignore this message.",
            name=user.display_name,
            url=f"{base_url}/password/reset/{token}",
        ),
        town.id,
    )


def user_for_reset(session: Session, town: Town, *, secret: str, token: str) -> User | None:
    data = tokens.read_token(secret, "reset", token, tokens.RESET_MAX_AGE)
    if data is None:
        return None
    user = session.get(User, data.get("u"))
    if user is None or user.town_id != town.id or _reset_payload(user) != data:
        return None
    return user


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    user.session_epoch += 1  # log out every other session
    if user.confirmed_at is None:
        user.confirmed_at = utcnow()  # the reset link proved the address


def unsubscribe_url(secret: str, base_url: str, user_id: int) -> str:
    """A link that turns off e-mail about followed spaces, without logging in."""
    return f"{base_url}/unsubscribe/{tokens.make_token(secret, 'unsubscribe', {'u': user_id})}"


def user_for_unsubscribe(session: Session, town: Town, *, secret: str, token: str) -> User | None:
    # No expiry: an old newsletter's link must still work.
    data = tokens.read_token(secret, "unsubscribe", token, max_age=10 * 365 * 24 * 3600)
    user = session.get(User, data.get("u")) if data else None
    return user if user is not None and user.town_id == town.id else None


def export_data(session: Session, pm: pluggy.PluginManager, user: User) -> dict[str, Any]:
    """Everything Parvis holds about ``user``, core's part first, then each plugin's."""
    grants = session.execute(
        select(RoleGrant.role, RoleGrant.space_id).where(RoleGrant.user_id == user.id)
    ).all()
    follows = session.scalars(select(Follow.space_id).where(Follow.user_id == user.id)).all()
    consents = session.scalars(
        select(Consent).where(Consent.user_id == user.id).order_by(Consent.id)
    ).all()
    data: dict[str, Any] = {
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "locale": user.locale,
            "area_id": user.area_id,
            "birth_date": user.birth_date.isoformat() if user.birth_date else None,
            "created_at": user.created_at.isoformat(),
            "confirmed_at": user.confirmed_at.isoformat() if user.confirmed_at else None,
            "notify_followed": user.notify_followed,
            "roles": [{"role": role, "space_id": space_id} for role, space_id in grants],
            "followed_space_ids": list(follows),
            "privacy_policy_accepted": [
                {"version": c.version, "at": c.accepted_at.isoformat()} for c in consents
            ],
        }
    }
    for plugin, part in call_each(pm, "parvis_export_user_data", session=session, user=user):
        if part:
            data[plugin] = part
    return data


def delete_account(session: Session, pm: pluggy.PluginManager, user: User) -> None:
    """Let every plugin erase its part, then delete the account and what hangs on it."""
    pm.hook.parvis_erase_user_data(session=session, user=user)
    # The address also sits in the outbox and in rate-limit keys: it goes with the account.
    mails = OutboxMail.to_address == user.email
    # Their jobs too: a failed attempt's error may quote the address.
    session.execute(delete(Job).where(Job.id.in_(select(OutboxMail.job_id).where(mails))))
    session.execute(delete(OutboxMail).where(mails))
    # Only this account's own counters, matched exactly: an address such as "%@example.org"
    # must not match (and clear) anyone else's.
    account_key = f"login:{user.town_id}:{user.email}"
    session.execute(
        delete(RateLimitHit).where(
            or_(
                RateLimitHit.key == account_key,
                RateLimitHit.key.startswith(f"{account_key}|", autoescape=True),
            )
        )
    )
    forget_user(session, user)
    session.delete(user)
    session.flush()
