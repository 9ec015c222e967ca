"""E-mail to the followers of a space, each in their own language, with the unsubscribe footer.

Both plugins wrote this loop by hand; a plugin now gives the words, core does the rest.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from parvis.accounts.services import unsubscribe_url
from parvis.context import site_url
from parvis.i18n import gettext as _
from parvis.i18n import use_locale
from parvis.mail import queue_mail
from parvis.models import Space, Town
from parvis.plugin_app import App, unwrap
from parvis.spaces.services import Follower, followers


def notify_followers(
    app: App, session: Session, space: Space, compose: Callable[[Follower], tuple[str, str]]
) -> int:
    """Queue one e-mail per confirmed follower of ``space`` who wants its news; return how many.

    ``compose(follower)`` returns ``(subject, body)`` and runs while the follower's language (else
    the town's) is active, so the plugin's ``_()`` translates for that reader. Core appends a
    footer, in the same language, with the one-click unsubscribe link; links are built from the
    town's own address, never a request's Host header.
    """
    parvis = unwrap(app)
    town = session.get(Town, space.town_id)
    assert town is not None
    base_url = site_url(parvis, session, town.id)
    sent = 0
    for follower in followers(session, space):
        with use_locale(parvis.catalogs, follower.locale or town.default_locale):
            subject, body = compose(follower)
            link = unsubscribe_url(parvis.config.secret_key, base_url, follower.user_id)
            footer = _(
                "You get this e-mail because you follow %(space)s. To stop every e-mail about "
                "the spaces you follow: %(link)s",
                space=space.title,
                link=link,
            )
        queue_mail(session, follower.email, subject, f"{body.rstrip()}\n\n-- \n{footer}\n", town.id)
        sent += 1
    return sent
