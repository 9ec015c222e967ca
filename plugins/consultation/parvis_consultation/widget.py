"""The quick polls' section (home page and space pages), written in Python.

Through a template (``memo_fragment``), the section cost about 180 Python calls per page with the
render memo off (a template context built from the environment's globals, the memo's key, the
loop's work per poll and option), a tenth of the home page's slot work; written here, the same
markup costs a few calls per poll. Every value is escaped by ``markupsafe.escape`` (its C
function: a ``str.translate`` table, tried before, goes character by character through a
dictionary for any text past ASCII, eight times slower on a French question); themes restyle it
through CSS (``consultation.css``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from markupsafe import Markup, escape

from parvis.api import format_percent
from parvis_consultation.i18n import _


class PollWidget(NamedTuple):
    """What the section shows of one poll to one viewer (``polls.poll_cards``)."""

    url: str
    question_id: int
    label: str
    # (option id, label, count of answers, share of the answers 0..1), in the options' order.
    options: list[tuple[int, str, int, float]]
    answered: bool
    show_results: bool
    can_vote: bool


def polls_section(
    polls: Sequence[PollWidget], slot: str, signed_in: bool, csrf_token: str
) -> Markup:
    """The section of ``polls`` in ``slot`` (``home.main``, ``space.main``): a form of one button
    per option where the viewer may vote (``csrf_token`` is theirs), the results where they may
    see them, else a word on their vote or a link to the poll."""
    anchor = slot.replace(".", "-")
    heading = _("Quick polls")  # outside the f-string: Babel does not extract from one
    html = (
        f'<section class="consultation-polls" aria-labelledby="polls-{anchor}">\n'
        f'<h2 id="polls-{anchor}">{escape(heading)}</h2>\n'
    )
    token = escape(csrf_token)
    for poll in polls:
        url, label = escape(poll.url), escape(poll.label)
        html += f'<div class="poll-card">\n  <h3><a href="{url}">{label}</a></h3>\n'
        if poll.can_vote:
            name = f"q{poll.question_id}"
            buttons = "".join(
                [
                    f'<button type="submit" name="{name}" value="{o[0]}">{escape(o[1])}</button>'
                    for o in poll.options
                ]
            )
            html += (
                f'  <form method="post" action="{url}">\n'
                f'    <input type="hidden" name="csrf_token" value="{token}">\n'
                f'    <div class="poll-buttons" role="group" aria-label="{label}">\n'
                f"{buttons}    </div>\n  </form>\n"
            )
        elif poll.show_results:
            bars = "".join(
                [
                    f"<li><span>{escape(o[1])}</span> "
                    f"<strong>{escape(format_percent(o[3]))}</strong></li>"
                    for o in poll.options
                ]
            )
            html += f'  <ul class="poll-results">{bars}</ul>\n'
        elif poll.answered:
            counted = _("Your vote is counted. The results will be shown when the poll closes.")
            html += f"  <p>{escape(counted)}</p>\n"
        else:
            link = _("See the poll") if signed_in else _("Log in to vote")
            html += f'  <p><a href="{url}">{escape(link)}</a></p>\n'
        html += "</div>\n"
    return Markup(html + "</section>")
