"""The ballot of a call: choose projects (with or without JavaScript), check them on a summary,
cast, and read the receipt.

Without JavaScript every action is a round trip: "Add" and "Remove" post the ballot form and
come back (303) to the page's address with the choices in it (``?choices=12,15``), so a reload
or the Back button keeps them; a refused step re-renders the page with its message beside the
project or the total. ``static/ballot.js`` does the same in the page and posts only what needs
the server (a refused addition, the summary, the vote).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from starlette.datastructures import MultiDict
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from parvis.api import Context, LoginRequired, parse_int, redirect, render, town_areas, view

from .. import ballot, ballot_box, common, guards, ideas
from ..config import CallConfig
from ..forms import SORT_LABELS
from ..i18n import _
from ..models import Ballot, Idea
from .call import call_context, call_url, page_context

FILTER_FIELDS = ("area", "min_cost", "max_cost", "sort")


@dataclass
class Voting:
    """What every step of the ballot needs to know about the call and the voter."""

    config: CallConfig
    rows: list[ideas.IdeaRow]
    options: dict[int, Idea]
    refusal: str | None
    key: str | None

    @classmethod
    def of(cls, ctx: Context) -> Voting:
        config = CallConfig.of(ctx.module)
        decision = ctx.decide("council_space.vote", ctx.space, ctx.module)
        rows = ballot_box.vote_options(ctx.session, ctx.module)
        refusal = None if decision.allowed else decision.reason
        if refusal is None:
            refusal = guards.ballots_refusal(ctx.session, ctx.module)
        key = ballot_box.voter_key(ctx.user) if ctx.user else None
        if decision.allowed and ctx.user is not None:
            try:
                key = ballot_box.check_voter(ctx.session, ctx.space, config, ctx.user)
            except common.ServiceError as exc:
                refusal = exc.message
        return cls(config, rows, {r.idea.id: r.idea for r in rows}, refusal, key)

    def known(self, choices: dict[int, int]) -> dict[int, int]:
        return {i: p for i, p in choices.items() if i in self.options}

    def cast_choices(self, ctx: Context) -> dict[int, int]:
        return ballot_box.current_choices(ctx.session, ctx.module, self.key) if self.key else {}


# Outside a transaction until it writes (PostgreSQL): a first ballot is one statement.
@view(autocommit=True)
def vote(request: Request) -> Response:
    ctx = call_context(request)
    form = ctx.form or MultiDict()
    if request.method == "POST" and _action(form) == "cast":
        cast = _cast(ctx, CallConfig.of(ctx.module), form)
        if cast is not None:
            return cast
    voting = Voting.of(ctx)
    if request.method == "POST":
        return _post(ctx, voting, form)
    cast = voting.cast_choices(ctx)
    params = request.query_params
    choices = voting.known(ballot.parse_choices(params["choices"])) if "choices" in params else cast
    card_errors = {}
    if "refused" in params:  # an addition the call's limit refused
        _same, why = ballot.add(voting.config, voting.options, choices, params["refused"])
        card = parse_int(params["refused"])
        if why and card in voting.options:
            card_errors[card] = why
    return _page(ctx, voting, choices, params, cast=cast, card_errors=card_errors)


def _action(form: Any) -> str:
    if form.get("action"):
        return str(form.get("action"))
    if "add" in form:
        return "add"
    if "remove" in form:
        return "remove"
    return "cast"  # a form posted without a button (older pages, scripts) casts, as it did


def _post(ctx: Context, voting: Voting, form: Any) -> Response:
    config = voting.config
    action = _action(form)
    choices = ballot.read_form(config, form)
    if action in ("review", "cast"):
        if voting.refusal or ctx.user is None:
            ctx.require("council_space.vote", ctx.space, ctx.module)  # log in, or 403
            raise HTTPException(403, voting.refusal)
        source = ballot.as_form(config, choices) if "choices" in form else form
        checked, errors = ballot_box.parse_ballot(config, voting.options, source)
        if errors:
            return _page(
                ctx, voting, choices, form, errors=errors, raw=ballot.raw_points(form), status=400
            )
        return _review(ctx, voting, checked, form)  # a valid cast never comes this far
    anchor = "ballot-total"
    if action == "add":
        choices, refused = ballot.add(config, voting.options, choices, form.get("add"))
        anchor = f"project-{parse_int(form.get('add'))}"
        if refused:
            card = parse_int(form.get("add"))
            if card not in voting.options:  # no such card: said beside the total
                return _page(ctx, voting, choices, form, errors=[refused], status=400)
            # Back to the page at that project, which says why beside it (see ``vote``).
            url = _draft_url(ctx, voting, choices, form)
            return redirect(f"{url}&refused={card}#project-{card}")
    elif action == "remove":
        choices = ballot.remove(choices, form.get("remove"))
        anchor = f"project-{parse_int(form.get('remove'))}"
    elif config.ballot_rule == "cumulative":
        bad = _bad_points(form)
        if bad:  # shown again as typed, beside their field
            return _page(
                ctx, voting, choices, form, card_errors=bad, raw=ballot.raw_points(form), status=400
            )
    return redirect(_draft_url(ctx, voting, choices, form) + f"#{anchor}")


def _cast(ctx: Context, config: CallConfig, form: Any) -> Response | None:
    """A ballot cast: the named projects checked against the call's options kept per process
    (``ballot_box.ballot_options``), one statement to write; ``None`` when the ballot has errors
    (the page is then shown again with them)."""
    ctx.require("council_space.vote", ctx.space, ctx.module)
    try:
        key = ballot_box.check_voter(ctx.session, ctx.space, config, ctx.user)
    except common.ServiceError as exc:
        raise HTTPException(403, exc.message) from None
    if "choices" in form:  # from the summary page
        form = ballot.as_form(config, ballot.read_form(config, form))
    options, refusal = ballot_box.ballot_options(ctx.session, ctx.module, memo=ctx.memo)
    if refusal:
        raise HTTPException(403, refusal)
    choices, errors = ballot_box.parse_ballot(config, options, form)
    if errors:
        return None
    ballot_box.cast_ballot(ctx.session, ctx.module, key, choices, ctx.user.id)
    # The receipt says it was recorded (not a flash message: that would rewrite the session
    # cookie on every ballot, and again when the receipt shows it).
    return redirect(call_url(ctx, "receipt") + "?cast=1")


def _bad_points(form: Any) -> dict[int, str]:
    bad = {}
    for key, raw in ballot.raw_points(form).items():
        number = parse_int(key)
        if number is not None and raw.strip() and parse_int(raw, 4) is None:
            bad[number] = _("Points must be whole numbers, 0 or more (“%(value)s”).", value=raw)
    return bad


def _draft_url(ctx: Context, voting: Voting, choices: dict[int, int], params: Any) -> str:
    """The ballot page showing these choices (not cast) with the filters in ``params``."""
    query = {"choices": ballot.format_choices(voting.known(choices), voting.config.ballot_rule)}
    query.update({k: str(params.get(k))[:20] for k in FILTER_FIELDS if params.get(k)})
    return call_url(ctx, "vote") + "?" + urlencode(query)


def _page(
    ctx: Context,
    voting: Voting,
    choices: dict[int, int],
    params: Any,
    *,
    cast: dict[int, int] | None = None,
    errors: list[str] | None = None,
    card_errors: dict[int, str] | None = None,
    raw: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    config = voting.config
    filters = ideas.IdeaFilters.from_query(params, ())
    if filters.sort == "newest":
        filters.sort = "title"
    shown = ballot_box.vote_options(ctx.session, ctx.module, filters)
    shown_ids = {row.idea.id for row in shown}
    if cast is None:
        cast = voting.cast_choices(ctx)
    known = voting.known(choices)
    return render(
        ctx.request,
        "council_space/vote.html",
        {
            **page_context(ctx),
            "options": shown,
            "any_options": bool(voting.rows),
            "choices": known,
            "points": raw or {str(i): str(p) for i, p in known.items()},
            "hidden_choices": [(i, p) for i, p in known.items() if i not in shown_ids],
            "choices_param": ballot.format_choices(known, config.ballot_rule),
            "total": ballot.total(config, voting.options, known),
            "filters": filters,
            "filter_values": {k: str(params.get(k))[:20] for k in FILTER_FIELDS if params.get(k)},
            "areas": town_areas(ctx.session, ctx.town.id),
            "sort_labels": {k: v for k, v in SORT_LABELS.items() if k != "newest"},
            "status_labels": {},
            "errors": errors or [],
            "card_errors": card_errors or {},
            "refusal": voting.refusal,
            "can_vote": voting.refusal is None and ctx.user is not None,
            "has_ballot": bool(cast),
            "unsaved": bool(known) and known != cast,
        },
        status_code=status,
    )


def _review(ctx: Context, voting: Voting, checked: dict[int, int], form: Any) -> Response:
    """The confirmation summary: the chosen projects and the total, then cast or go back."""
    config = voting.config
    param = ballot.format_choices(checked, config.ballot_rule)
    return render(
        ctx.request,
        "council_space/vote_review.html",
        {
            **page_context(ctx),
            "chosen": ballot.chosen_rows(voting.rows, checked),
            "total": ballot.total(config, voting.options, checked),
            "choices_param": param,
            "back": _draft_url(ctx, voting, checked, form) + "#ballot-total",
            "has_ballot": bool(voting.cast_choices(ctx)),
        },
    )


@view
def receipt(request: Request) -> Response:
    """What the voter's ballot holds now, with the time it was recorded."""
    ctx = call_context(request)
    if ctx.user is None:
        raise LoginRequired()
    voting = Voting.of(ctx)
    cast = voting.cast_choices(ctx)
    if not cast:
        return redirect(call_url(ctx, "vote"))
    row = ctx.session.execute(
        select(Ballot.created_at, Ballot.updated_at).where(
            Ballot.module_id == ctx.module.id, Ballot.voter_key == voting.key
        )
    ).first()
    if row is None:  # erased in between
        return redirect(call_url(ctx, "vote"))
    created, recorded = row
    just_cast = None
    if request.query_params.get("cast") == "1":  # straight after casting (``_cast``)
        just_cast = (
            _("Your ballot is changed.")
            if recorded != created
            else _("Your ballot is recorded. You can change it until the vote closes.")
        )
    return render(
        request,
        "council_space/vote_receipt.html",
        {
            **page_context(ctx),
            "chosen": ballot.chosen_rows(voting.rows, cast),
            "total": ballot.total(voting.config, voting.options, cast),
            "recorded": recorded,
            "just_cast": just_cast,
            "can_change": voting.refusal is None,
        },
    )
