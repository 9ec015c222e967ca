"""The ballot, its confirmation and the receipt. The cast step is kept short: one read of the
verification, one narrow check of the chosen ids, then participation and ballot in one
transaction, and a redirect (nothing rendered)."""

from __future__ import annotations

import contextlib
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis.api import Context, redirect, render, view

from . import services, voting
from .box import AlreadyVoted
from .config import ElectionConfig
from .i18n import _
from .views import _ctx, _url, _voted, common


# Outside a transaction until the cast (PostgreSQL): the cast is one statement.
@view(autocommit=True)
def vote(request: Request) -> Response:
    """GET: the ballot. POST step=review: the confirmation page; step=change: the ballot again
    with the choices; step=cast: the ballot goes in the box, then the receipt."""
    ctx = _ctx(request)
    ctx.require("election.vote", ctx.space, ctx.module)
    config = ElectionConfig.of(ctx.module)
    day = services.today(ctx.town)
    where = services.standing(
        ctx.session, ctx.town, ctx.module, config, ctx.user, memo=ctx.memo, day=day
    )
    refusal = None if where.ok else where.reason
    if refusal is None and not config.voting_open_on(day):
        refusal = _("Online voting is not open today.")
    step = (ctx.form or {}).get("step") if request.method == "POST" else None
    if refusal is None and step == "cast":
        # No "already voted?" look-up first: the box refuses a second participation itself.
        cast = _cast(ctx, config, where)
        if cast is not None:
            return cast
    elif refusal is None and _voted(ctx, where):
        return redirect(_url(ctx, "receipt"))
    base = {**common(ctx, config), "standing": where}
    if refusal is not None:
        return render(
            request,
            "election/vote.html",
            {**base, "refusal": refusal},
            status_code=403 if request.method == "POST" else 200,
        )
    return _ballot_page(ctx, config, where, base, step)


def _cast(ctx: Context, config: ElectionConfig, where: services.Standing) -> Response | None:
    """The cast path, kept short: read the choices, check them against the accepted candidates
    ``standing`` brought (kept per process), write participation and ballot. None: the ballot is
    not valid, show it again with the error."""
    constituency = where.constituency
    choices, typed = voting.read_choices(config, ctx.form)
    if voting.ballot_error(config, constituency, choices, typed, where.candidates) is None:
        # A second attempt by the same person (another tab, a double click) is not an error:
        # they voted, and the receipt says so.
        with contextlib.suppress(AlreadyVoted):
            voting.cast(ctx.session, ctx.module, constituency, where.person_key, choices)
    elif not _voted(ctx, where):
        return None
    return redirect(_url(ctx, "receipt"))


def _ballot_page(
    ctx: Context,
    config: ElectionConfig,
    where: services.Standing,
    base: dict[str, Any],
    step: str | None,
) -> Response:
    constituency = where.constituency
    cands = services.candidacies_of(ctx.session, ctx.module, constituency.id)
    ids = {c.id for c in cands}
    choices: tuple[int, ...] = ()
    typed: dict[str, str] = {}
    error = None
    if step in ("review", "change", "cast"):
        choices, typed = voting.read_choices(config, ctx.form)
        error = voting.ballot_error(config, constituency, choices, typed, ids)
    limit = voting.max_choices(config, constituency.seats)
    context = {
        **base,
        "constituency": constituency,
        "candidates": services.ballot_order(cands, config),
        "typed": typed,
        "error": error,
        "max_choices": limit,
        "refusal": None,
    }
    if step == "review" and error is None:
        by_id = {c.id: c for c in cands}
        return render(
            ctx.request,
            "election/confirm.html",
            {**context, "chosen": [by_id[c] for c in choices], "choices": choices},
        )
    return render(
        ctx.request,
        "election/vote.html",
        context,
        status_code=400 if error and step != "change" else 200,
    )


@view
def receipt(request: Request) -> Response:
    ctx = _ctx(request)
    if ctx.user is None:
        return redirect(_url(ctx))
    config = ElectionConfig.of(ctx.module)
    where = services.standing(ctx.session, ctx.town, ctx.module, config, ctx.user, memo=ctx.memo)
    voted_at = _voted(ctx, where)
    return render(
        request,
        "election/receipt.html",
        {
            **common(ctx, config),
            "voted": voted_at is not None,
            "voted_at": voted_at,
            "standing": where,
        },
    )


routes = [
    Route("/vote", vote, methods=["GET", "POST"], name="vote"),
    Route("/receipt", receipt, name="receipt"),
]
