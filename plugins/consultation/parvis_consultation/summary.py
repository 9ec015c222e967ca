"""How surveys and quick polls sum themselves up on the home page and space pages
(``ModuleType.summarize``): answers so far, the one action, where the results are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Integer, Select, func, literal, select, type_coerce

from parvis.api import (
    Context,
    Module,
    ModuleRow,
    ModuleSummary,
    Space,
    count_by_week,
    driver_rows,
    keyed_rows,
)
from parvis_consultation.i18n import _, ngettext
from parvis_consultation.models import Response, Survey
from parvis_consultation.polls import HOME_POLL_IDS, home_limit


def _summary(home: bool) -> Select[Any]:
    """Only the columns read here: plain rows, not surveys loaded into the session, each
    module's answers counted in the same statement (one statement, not two: on PostgreSQL each
    costs about 100 µs of client CPU), and (``home``) whether the home page shows it in place:
    the slot's choice, read here so that no page but the home page reads the slot's polls (a
    space page, "open now"). Built once, the ids in one parameter, the modules read as a join
    (``keyed_rows``: no temporary b-tree on SQLite); a module without a survey row comes with
    empty settings."""
    return select(
        Module.id,
        Survey.module_id,
        Survey.poll_results,
        Survey.results_visibility,
        select(func.count())
        .where(Response.module_id == Module.id)
        .correlate(Module)
        .scalar_subquery()
        .label("answers"),
        # Tested for truth only: as stored (0 or 1 on SQLite), without a result processor.
        type_coerce(Module.id.in_(HOME_POLL_IDS) if home else literal(False), Integer),
    ).select_from(keyed_rows(Module.id, "ids").outerjoin(Survey, Survey.module_id == Module.id))


# With the home page's choice when some module is an open poll (it needs the ``home_polls``
# setting), without it otherwise.
_SUMMARY = {home: _summary(home) for home in (True, False)}


class _Settings(NamedTuple):
    poll_results: str
    results_visibility: str


def summarize(
    ctx: Context, items: Sequence[tuple[ModuleRow, Space]]
) -> Mapping[int, ModuleSummary]:
    """One query for any number of surveys and polls."""
    ids = [m.id for m, _s in items]
    answers: dict[int, int] = {}
    settings: dict[int, _Settings] = {}
    # The polls the home page shows in place, not as cards.
    on_home: set[int] = set()
    params: dict[str, Any] = {"ids": ids}
    home = False
    for m, _s in items:
        if m.type == "poll" and m.phase == "open":
            home = True
            params["town"] = ctx.town.id
            params["limit"] = home_limit(ctx)
            break
    for module_id, survey, poll_results, visibility, count, shown in driver_rows(
        ctx.session, _SUMMARY[home], params
    ):
        answers[module_id] = count
        if survey is not None:
            settings[module_id] = _Settings(poll_results, visibility)
        if shown:
            on_home.add(module_id)
    # Labels translated once (and only those shown), not once per module; links made in one
    # call per route.
    kinds = {m.type for m, _s in items}
    answer_poll = _("Answer the poll") if "poll" in kinds else ""
    answer_survey = _("Answer the survey") if "survey" in kinds else ""
    urls = ctx.module_urls(items)
    public = [(m, s) for m, s in items if m.phase == "closed" and _public(m, settings.get(m.id))]
    results_urls = ctx.module_urls(public, "results") if public else {}
    counted: dict[int, str] = {}
    found = {}
    for module, space in items:
        count = 0  # ``in`` then ``[]``: no call per module
        if module.id in answers:
            count = answers[module.id]
        if count not in counted:
            counted[count] = ngettext("answer", "answers", count)
        if module.phase == "decided":
            results_url = urls[module.id]
        elif module.id in results_urls:
            results_url = results_urls[module.id]
        else:
            results_url = ""
        poll = module.type == "poll"
        found[module.id] = ModuleSummary(
            participation=count,
            participation_label=counted[count],
            action_label=answer_poll if poll else answer_survey,
            action_url=urls[module.id],
            results_url=results_url,
            # Quick polls shown on the home page are there already, answerable in place.
            listed=module.id not in on_home,
            # The space page shows its open polls the same way (``polls.open_polls``).
            listed_in_space=not (
                poll and module.phase == "open" and module.published and space.published
            ),
        )
    return found


def _public(module: ModuleRow, survey: Any) -> bool:
    """Whether the results of a closed survey or poll are public (no settings: they are)."""
    if survey is None:
        return True
    if module.type == "poll":
        return survey.poll_results in ("answered", "closed")  # type: ignore[no-any-return]
    return survey.results_visibility == "public"  # type: ignore[no-any-return]


def activity(
    ctx: Context, modules: Sequence[Module], since: dt.datetime
) -> Mapping[int, Mapping[dt.date, int]]:
    """Answers per week, one query for any number of surveys and polls (``ModuleType.activity``)."""
    return count_by_week(
        ctx.session, Response.module_id, Response.created_at, [m.id for m in modules], since
    )
