"""The town's decision after a consultation, e-mailed to the followers of its space."""

from __future__ import annotations

from sqlalchemy import select

from parvis.api import App, Event, Follower, Module, Space, Town, notify_followers
from parvis_consultation.i18n import _
from parvis_consultation.models import Survey

DECISION_PUBLISHED = "consultation.decision_published"


def decision_mail(town: str, space: str, title: str, decision: str, url: str) -> tuple[str, str]:
    """The e-mail to a follower, in the current locale (core adds the unsubscribe footer)."""
    subject = _("Consultation “%(title)s”: what the town decided", title=title)
    body = (
        _(
            "Hello,\n\nYou follow “%(space)s” on the participation platform of %(town)s. "
            "The town has published what it decided after the consultation “%(title)s”:",
            space=space,
            town=town,
            title=title,
        )
        + "\n\n"
        + decision
        + "\n\n"
        + _("Read it online: %(url)s", url=url)
    )
    return subject, body


def notify_decision(app: App, event: Event) -> None:
    """Queue the decision's e-mail to every follower of the consultation's space."""
    with app.session() as session:
        module = session.get(Module, event.payload["module_id"])
        if module is None:
            return
        space = session.get(Space, module.space_id)
        town = session.get(Town, event.town_id)
        survey = session.scalar(select(Survey).where(Survey.module_id == module.id))
        if space is None or town is None or survey is None:
            return
        # Built by the view from ``ctx.base_url``: a host of the town, never a forged Host header.
        url = event.payload["url"]

        def compose(_follower: Follower) -> tuple[str, str]:
            return decision_mail(town.name, space.title, module.title, survey.decision, url)

        notify_followers(app, session, space, compose)
