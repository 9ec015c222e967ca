"""E-mails to residents whose verification ended without them asking (census re-import)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from parvis.context import site_url
from parvis.i18n import gettext as _
from parvis.i18n import use_locale
from parvis.mail import queue_mail
from parvis.models import Town, User
from parvis.verification.records import MOVED

if TYPE_CHECKING:
    from parvis.app import Parvis


def notify_ended(
    parvis: Parvis, session: Session, town_id: int, ended: list[tuple[int, str]]
) -> None:
    """Queue one e-mail per account, in its language, saying why and how to verify again."""
    if not ended:
        return
    town = session.get(Town, town_id)
    link = site_url(parvis, session, town_id) + "/verify"
    reasons = dict(ended)
    for start in range(0, len(ended), 1000):
        ids = [user_id for user_id, _reason in ended[start : start + 1000]]
        for user in session.scalars(select(User).where(User.id.in_(ids))):
            with use_locale(parvis.catalogs, user.locale or town.default_locale):
                if reasons[user.id] == MOVED:
                    why = _("The town's list now places you in another neighbourhood.")
                else:
                    why = _("You are no longer on the town's list of residents.")
                body = _(
                    "Hello %(name)s,\n\nYour residence verification on %(town)s has ended. "
                    "%(why)s\n\nIf this is a mistake, or once you are settled, verify your "
                    "residence again: %(link)s\n",
                    name=user.display_name,
                    town=town.name,
                    why=why,
                    link=link,
                )
                subject = _("Your residence verification has ended")
            queue_mail(session, user.email, subject, body, town_id)
