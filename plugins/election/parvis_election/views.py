"""Public pages of an election (a module of type ``election``): the election, candidates,
candidacy form and withdrawal, results and published ballots (the ballot is in vote_views)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis.api import (
    Context,
    InvalidImage,
    LoginRequired,
    export_response,
    get_context,
    phase_deadline,
    phase_timeline,
    redirect,
    render,
    store_image,
    town_time_zone,
    view,
)

from . import results as results_service
from . import services
from .box import ballot_box
from .config import GENDER_LABELS, METHOD_LABELS, STATUS_LABELS, STATUS_TONES, ElectionConfig
from .forms import CandidacyForm
from .i18n import _
from .services import LIST_PUBLISHED, RESULTS_PUBLISHED


def _ctx(request: Request) -> Any:
    ctx = get_context(request)
    assert ctx.space is not None and ctx.module is not None
    return ctx


def _url(ctx: Context, route: str = "index", **params: Any) -> str:
    return ctx.module_url(ctx.module, ctx.space, route, **params)


# The phase's badge: residents can act now, it is still to come, or it is over.
PHASE_TONES = {"candidacies": "open", "voting": "open", "results": "success"}
UPCOMING = frozenset({"setup", "review", "campaign"})


def common(ctx: Context, config: ElectionConfig) -> dict[str, Any]:
    mtype = ctx.module_type
    key = ctx.module.phase
    return {
        "config": config,
        "phase": mtype.phase(key) if mtype else None,
        "phase_tone": PHASE_TONES.get(key, "upcoming" if key in UPCOMING else "closed"),
        "method_labels": METHOD_LABELS,
        "gender_labels": GENDER_LABELS,
        "status_labels": STATUS_LABELS,
        "status_tones": STATUS_TONES,
        "can_manage": ctx.can("election.manage", ctx.space, ctx.module),
        "list_published": ctx.module.phase in LIST_PUBLISHED,
        "results_published": ctx.module.phase in RESULTS_PUBLISHED,
    }


def _voted(ctx: Context, where: services.Standing) -> dt.datetime | None:
    """When the person behind the account voted in this election (any account of theirs)."""
    if not where.person_key:
        return None
    return ballot_box().voted_at(ctx.session, ctx.module.id, where.person_key)


@view
def index(request: Request) -> Response:
    ctx = _ctx(request)
    config = ElectionConfig.of(ctx.module)
    where = services.standing(ctx.session, ctx.town, ctx.module, config, ctx.user, memo=ctx.memo)
    cands = []
    if ctx.module.phase in LIST_PUBLISHED:
        cands = services.candidacies(ctx.session, ctx.module, accepted_only=True)
    voted = _voted(ctx, where) is not None
    mine = services.my_candidacy(ctx.session, ctx.module, ctx.user, where.person_key)
    base = common(ctx, config)
    # The election's own days, and any phase dates staff set in core's administration (those
    # also move the phase on by themselves).
    schedule = {
        **config.schedule(town_time_zone(ctx.town)),
        **ctx.schedules.get(ctx.module.id, {}),
    }
    rows = services.constituencies(ctx.session, ctx.module)
    return render(
        request,
        "election/index.html",
        {
            **base,
            "steps": phase_timeline(ctx.module_type.phases, ctx.module.phase, schedule)
            if ctx.module_type
            else [],
            "deadline": phase_deadline(
                str(base["phase"].label), schedule.get(ctx.module.phase, (None, None))[1]
            )
            if base["phase"]
            else None,
            "seats": sum(c.seats for c in rows),
            # The resident's own constituency first: the candidates they will vote for.
            "constituencies": sorted(
                rows, key=lambda c: where.constituency is None or c.id != where.constituency.id
            ),
            "by_constituency": services.by_constituency(cands),
            "standing": where,
            "mine": mine,
            "can_withdraw": services.can_withdraw(ctx.module, mine),
            "voted": voted,
            "apply": ctx.decide("election.apply", ctx.space, ctx.module),
            "vote": ctx.decide("election.vote", ctx.space, ctx.module),
        },
    )


@view
def candidate(request: Request) -> Response:
    ctx = _ctx(request)
    candidacy = services.get_candidacy(ctx.session, ctx.module, request.path_params["candidacy"])
    own = candidacy is not None and ctx.user is not None and candidacy.user_id == ctx.user.id
    visible = candidacy is not None and (
        (candidacy.status == "accepted" and ctx.module.phase in LIST_PUBLISHED)
        or ctx.can("election.manage", ctx.space, ctx.module)
        or own
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
            "own": own,
            "can_withdraw": services.can_withdraw(ctx.module, candidacy),
        },
    )


@view(files=("photo",))
def apply(request: Request) -> Response:
    ctx = _ctx(request)
    ctx.require("election.apply", ctx.space, ctx.module)
    config = ElectionConfig.of(ctx.module)
    where = services.standing(ctx.session, ctx.town, ctx.module, config, ctx.user, memo=ctx.memo)
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


@view
def withdraw(request: Request) -> Response:
    """The candidate withdraws (until the list is published): a confirmation, then done."""
    ctx = _ctx(request)
    if ctx.user is None:
        raise LoginRequired()
    config = ElectionConfig.of(ctx.module)
    where = services.standing(ctx.session, ctx.town, ctx.module, config, ctx.user, memo=ctx.memo)
    mine = services.my_candidacy(ctx.session, ctx.module, ctx.user, where.person_key)
    if mine is None:
        raise HTTPException(404)
    if not services.can_withdraw(ctx.module, mine):
        ctx.flash(_("A candidacy can be withdrawn only until the list is published."), "error")
        return redirect(_url(ctx, "candidate", candidacy=mine.id))
    if request.method == "POST" and (ctx.form or {}).get("confirm") == "1":
        services.withdraw(ctx.module, mine)
        ctx.audit("election.withdraw", f"candidacy:{mine.id}", name=mine.name)
        ctx.flash(_("Your candidacy is withdrawn."))
        return redirect(_url(ctx))
    rows = {c.id: c.name for c in services.constituencies(ctx.session, ctx.module)}
    return render(
        request,
        "core/confirm.html",
        {
            "heading": _("Withdraw your candidacy in “%(title)s”?", title=ctx.module.title),
            "summary": [
                (_("Name on the ballot"), mine.name),
                (_("Constituency"), rows.get(mine.constituency_id, "")),
            ],
            "consequences": [
                _("Your name will not be on the list of candidates nor on the ballot."),
                _("The election staff see that you withdrew."),
                _("You can stand again while candidacies are open."),
            ],
            "action": _url(ctx, "withdraw"),
            "fields": {},
            "confirm_label": _("Withdraw my candidacy"),
            "back": _url(ctx),
            "danger": True,
        },
    )


def _candidacy_input(ctx: Context, form: CandidacyForm) -> services.CandidacyInput | None:
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


# --- results ------------------------------------------------------------------------------------


def _results_visible(ctx: Context) -> bool:
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


@view(export=True)
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
    chunks = results_service.ballot_export(ctx.session, ctx.module, config, row, fmt, ctx.sign)
    return export_response(
        request,
        chunks,
        filename=f"election-{ctx.module.id}-{row.id}.{fmt}",
        media_type="application/json" if fmt == "json" else "text/csv; charset=utf-8",
    )


routes = [
    Route("/", index, name="index"),
    Route("/candidates/{candidacy:int}", candidate, name="candidate"),
    Route("/apply", apply, methods=["GET", "POST"], name="apply"),
    Route("/withdraw", withdraw, methods=["GET", "POST"], name="withdraw"),
    Route("/results", results, name="results"),
    Route("/ballots/{constituency:int}.{fmt}", ballots, name="ballots"),
]
