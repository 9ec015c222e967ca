"""Public pages of an election (a module of type ``election``): the election, candidates,
candidacy form, ballot, confirmation, receipt, results and published ballots."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis.api import InvalidImage, get_context, redirect, render, store_image, view

from . import results as results_service
from . import services, voting
from .box import AlreadyVoted, ballot_box
from .config import GENDER_LABELS, METHOD_LABELS, STATUS_LABELS, ElectionConfig
from .forms import CandidacyForm
from .i18n import _
from .services import LIST_PUBLISHED, RESULTS_PUBLISHED


def _ctx(request: Request) -> Any:
    ctx = get_context(request)
    assert ctx.space is not None and ctx.module is not None
    return ctx


def _url(ctx: Any, route: str = "index", **params: Any) -> str:
    return ctx.module_url(ctx.module, ctx.space, route, **params)


def common(ctx: Any, config: ElectionConfig) -> dict[str, Any]:
    mtype = ctx.module_type
    return {
        "config": config,
        "phase": mtype.phase(ctx.module.phase) if mtype else None,
        "method_labels": METHOD_LABELS,
        "gender_labels": GENDER_LABELS,
        "status_labels": STATUS_LABELS,
        "can_manage": ctx.can("election.manage", ctx.space, ctx.module),
        "list_published": ctx.module.phase in LIST_PUBLISHED,
        "results_published": ctx.module.phase in RESULTS_PUBLISHED,
    }


def _voted(ctx: Any, where: services.Standing) -> dt.datetime | None:
    """When the person behind the account voted in this election (any account of theirs)."""
    if not where.person_key:
        return None
    return ballot_box().voted_at(ctx.session, ctx.module.id, where.person_key)


@view
def index(request: Request) -> Response:
    ctx = _ctx(request)
    config = ElectionConfig.of(ctx.module)
    where = services.standing(ctx.session, ctx.town, ctx.module, config, ctx.user)
    cands = []
    if ctx.module.phase in LIST_PUBLISHED:
        cands = services.candidacies(ctx.session, ctx.module, accepted_only=True)
    voted = _voted(ctx, where) is not None
    return render(
        request,
        "election/index.html",
        {
            **common(ctx, config),
            "constituencies": services.constituencies(ctx.session, ctx.module),
            "by_constituency": services.by_constituency(cands),
            "standing": where,
            "mine": services.my_candidacy(ctx.session, ctx.module, ctx.user, where.person_key),
            "voted": voted,
            "apply": ctx.decide("election.apply", ctx.space, ctx.module),
            "vote": ctx.decide("election.vote", ctx.space, ctx.module),
        },
    )


@view
def candidate(request: Request) -> Response:
    ctx = _ctx(request)
    candidacy = services.get_candidacy(ctx.session, ctx.module, request.path_params["candidacy"])
    visible = candidacy is not None and (
        (candidacy.status == "accepted" and ctx.module.phase in LIST_PUBLISHED)
        or ctx.can("election.manage", ctx.space, ctx.module)
        or (ctx.user is not None and candidacy.user_id == ctx.user.id)
    )
    if not visible:
        raise HTTPException(404)
    config = ElectionConfig.of(ctx.module)
    rows = {c.id: c for c in services.constituencies(ctx.session, ctx.module)}
    return render(
        request,
        "election/candidate.html",
        {
            **common(ctx, config),
            "candidacy": candidacy,
            "constituency": rows.get(candidacy.constituency_id),
        },
    )


@view(files=("photo",))
def apply(request: Request) -> Response:
    ctx = _ctx(request)
    ctx.require("election.apply", ctx.space, ctx.module)
    config = ElectionConfig.of(ctx.module)
    where = services.standing(ctx.session, ctx.town, ctx.module, config, ctx.user)
    mine = services.my_candidacy(ctx.session, ctx.module, ctx.user, where.person_key)
    if request.method == "POST":
        form = CandidacyForm.from_request(ctx.form)
    elif mine is not None:
        form = CandidacyForm(name=mine.name, statement=mine.statement, gender=mine.gender or "")
    else:
        form = CandidacyForm(name=ctx.user.display_name)
    status = 200
    if request.method == "POST" and where.ok:
        data = _candidacy_input(ctx, form)
        if data is not None:
            try:
                candidacy = services.apply(ctx.session, ctx.module, config, ctx.user, where, data)
            except services.ServiceError as exc:
                form.add_error(exc.field or "name", exc.message)
            else:
                ctx.audit("election.apply", f"candidacy:{candidacy.id}", module=ctx.module.id)
                ctx.flash(_("Your candidacy is received. Staff will review it."))
                return redirect(_url(ctx))
        status = 400
    elif request.method == "POST":
        status = 403
    return render(
        request,
        "election/apply.html",
        {**common(ctx, config), "form": form, "standing": where, "mine": mine},
        status_code=status,
    )


def _candidacy_input(ctx: Any, form: CandidacyForm) -> services.CandidacyInput | None:
    ok = form.validate()
    photo_id = None
    photo = ctx.form.get("photo") if ctx.form else None
    if ok and isinstance(photo, UploadFile) and photo.filename:
        try:
            photo_id = store_image(ctx.session, ctx.town, photo.file.read(), photo.filename).id
        except InvalidImage:
            form.add_error("photo", _("This file is not an image we can read (JPEG or PNG)."))
            ok = False
    if not ok:
        return None
    return services.CandidacyInput(
        name=form.name.data.strip(),
        statement=form.statement.data.strip(),
        gender=form.gender.data or None,
        photo_id=photo_id,
    )


# --- voting -------------------------------------------------------------------------------------


@view
def vote(request: Request) -> Response:
    """GET: the ballot. POST step=review: the confirmation page; step=change: the ballot again
    with the choices; step=cast: the ballot goes in the box, then the receipt."""
    ctx = _ctx(request)
    ctx.require("election.vote", ctx.space, ctx.module)
    config = ElectionConfig.of(ctx.module)
    where = services.standing(ctx.session, ctx.town, ctx.module, config, ctx.user)
    base = {**common(ctx, config), "standing": where}
    refusal = None if where.ok else where.reason
    if refusal is None and not config.voting_open_on(services.today(ctx.town)):
        refusal = _("Online voting is not open today.")
    step = (ctx.form or {}).get("step") if request.method == "POST" else None
    # Casting needs no look-up first: the box refuses a second participation.
    if refusal is None and step != "cast" and _voted(ctx, where):
        return redirect(_url(ctx, "receipt"))
    if refusal is not None:
        return render(
            request,
            "election/vote.html",
            {**base, "refusal": refusal},
            status_code=403 if request.method == "POST" else 200,
        )
    constituency = where.constituency
    cands = [
        c
        for c in services.candidacies(ctx.session, ctx.module, accepted_only=True)
        if c.constituency_id == constituency.id
    ]
    ids = {c.id for c in cands}
    choices: tuple[int, ...] = ()
    typed: dict[str, str] = {}
    error = None
    if step in ("review", "change", "cast"):
        choices, typed = voting.read_choices(config, ctx.form, ids)
        error = voting.ballot_error(config, constituency, choices, typed, ids)
    if step == "cast" and (error is None or _voted(ctx, where)):
        try:
            if error is None:
                voting.cast(ctx.session, ctx.module, constituency, where.person_key, choices)
        except AlreadyVoted:
            pass
        return redirect(_url(ctx, "receipt"))
    context = {
        **base,
        "constituency": constituency,
        "candidates": services.ballot_order(cands, config),
        "typed": typed,
        "error": error,
        "max_choices": voting.max_choices(config, constituency.seats),
        "refusal": None,
    }
    if step == "review" and error is None:
        by_id = {c.id: c for c in cands}
        return render(
            request,
            "election/confirm.html",
            {**context, "chosen": [by_id[c] for c in choices], "choices": choices},
        )
    return render(
        request,
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
    where = services.standing(ctx.session, ctx.town, ctx.module, config, ctx.user)
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


# --- results ------------------------------------------------------------------------------------


def _results_visible(ctx: Any) -> bool:
    return ctx.module.phase in RESULTS_PUBLISHED or ctx.can(
        "election.manage", ctx.space, ctx.module
    )


@view
def results(request: Request) -> Response:
    from .results_view import results_context

    ctx = _ctx(request)
    if not _results_visible(ctx):
        raise HTTPException(404)
    config = ElectionConfig.of(ctx.module)
    return render(
        request,
        "election/results.html",
        {**common(ctx, config), **results_context(ctx, config)},
    )


@view
def ballots(request: Request) -> Response:
    ctx = _ctx(request)
    fmt = request.path_params["fmt"]
    if fmt not in ("json", "csv") or not _results_visible(ctx):
        raise HTTPException(404)
    row = next(
        (
            c
            for c in services.constituencies(ctx.session, ctx.module)
            if c.id == request.path_params["constituency"]
        ),
        None,
    )
    if row is None:
        raise HTTPException(404)
    config = ElectionConfig.of(ctx.module)
    text = results_service.ballot_export(ctx.session, ctx.module, config, row, fmt)
    media = "application/json" if fmt == "json" else "text/csv; charset=utf-8"
    filename = f"election-{ctx.module.id}-{row.id}.{fmt}"
    return Response(
        text,
        media_type=media,
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


routes = [
    Route("/", index, name="index"),
    Route("/candidates/{candidacy:int}", candidate, name="candidate"),
    Route("/apply", apply, methods=["GET", "POST"], name="apply"),
    Route("/vote", vote, methods=["GET", "POST"], name="vote"),
    Route("/receipt", receipt, name="receipt"),
    Route("/results", results, name="results"),
    Route("/ballots/{constituency:int}.{fmt}", ballots, name="ballots"),
]
