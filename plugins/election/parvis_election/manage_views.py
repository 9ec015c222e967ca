"""Staff pages of an election: set-up, constituencies, review of candidacies, paper ballots,
the sign-in list and the count. Every change is written to the audit log."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis.api import Context, export_response, redirect, render, town_areas, view

from . import paper, results, services
from .config import ElectionConfig
from .forms import ConstituencyForm, PaperForm, ReviewForm, SettingsForm
from .i18n import _
from .views import _ctx, _url, common

# Parameters and constituencies are frozen once voting opens.
EDITABLE = frozenset({"setup", "candidacies", "review", "campaign"})


def _require_editable(ctx: Context) -> None:
    if ctx.module.phase not in EDITABLE:
        raise HTTPException(403, _("The election's parameters cannot change once voting opens."))


def _areas(ctx: Context) -> list[tuple[str, str]]:
    return [(str(a.id), a.name) for a in town_areas(ctx.session, ctx.town)]


def _manage_page(
    ctx: Context,
    config: ElectionConfig,
    form: SettingsForm,
    cform: ConstituencyForm,
    status: int = 200,
) -> Response:
    cform.area.choices = _areas(ctx)
    return render(
        ctx.request,
        "election/manage.html",
        {
            **common(ctx, config),
            "form": form,
            "cform": cform,
            "constituencies": services.constituencies(ctx.session, ctx.module),
            "editable": ctx.module.phase in EDITABLE,
        },
        status_code=status,
    )


def _settings_form(config: ElectionConfig) -> SettingsForm:
    data = config.as_dict()
    for name in ("election_day", "candidacy_deadline", "voting_start", "voting_end"):
        data[name] = config.date(name)
    return SettingsForm(data=data)


@view
def manage(request: Request) -> Response:
    ctx = _ctx(request)
    ctx.require("election.manage", ctx.space, ctx.module)
    config = ElectionConfig.of(ctx.module)
    if request.method == "GET":
        return _manage_page(ctx, config, _settings_form(config), ConstituencyForm())
    _require_editable(ctx)
    form = SettingsForm.from_request(ctx.form)
    if not form.validate():
        return _manage_page(ctx, config, form, ConstituencyForm(), 400)
    new = ElectionConfig(
        method=form.method.data,
        max_choices=form.max_choices.data,
        min_age=form.min_age.data,
        ballot_order=form.ballot_order.data,
        parity=bool(form.parity.data),
        tie_seed=(form.tie_seed.data or "").strip() or config.tie_seed,
        description=(form.description.data or "").strip(),
        **{
            name: getattr(form, name).data.isoformat() if getattr(form, name).data else ""
            for name in ("election_day", "candidacy_deadline", "voting_start", "voting_end")
        },
    )
    new.save(ctx.module)
    details = {k: v for k, v in new.as_dict().items() if k != "description"}
    ctx.audit("election.settings", f"module:{ctx.module.id}", **details)
    ctx.flash(_("The election's parameters are saved."))
    return redirect(_url(ctx, "manage"))


@view
def add_constituency(request: Request) -> Response:
    ctx = _ctx(request)
    ctx.require("election.manage", ctx.space, ctx.module)
    config = ElectionConfig.of(ctx.module)
    _require_editable(ctx)
    cform = ConstituencyForm.from_request(ctx.form)
    cform.area.choices = _areas(ctx)
    if cform.validate():
        try:
            added = services.add_constituency(
                ctx.session, ctx.module, ctx.town.id, int(cform.area.data), cform.seats.data
            )
        except services.ServiceError as exc:
            cform.area.errors = [exc.message]
        else:
            ctx.audit(
                "election.constituency_add",
                f"constituency:{added.id}",
                name=dict(_areas(ctx)).get(str(added.area_id), ""),
                seats=added.seats,
            )
            ctx.flash(_("The constituency is added."))
            return redirect(_url(ctx, "manage"))
    return _manage_page(ctx, config, _settings_form(config), cform, 400)


@view
def remove_constituency(request: Request) -> Response:
    ctx = _ctx(request)
    ctx.require("election.manage", ctx.space, ctx.module)
    _require_editable(ctx)
    constituency = services.get_constituency(
        ctx.session, ctx.module, request.path_params["constituency"]
    )
    if constituency is None:
        raise HTTPException(404)
    name = dict(_areas(ctx)).get(str(constituency.area_id), "")
    ctx.audit("election.constituency_remove", f"constituency:{constituency.id}", name=name)
    ctx.session.delete(constituency)
    ctx.flash(_("The constituency is removed."))
    return redirect(_url(ctx, "manage"))


# --- review ------------------------------------------------------------------------------------


@view
def review(request: Request) -> Response:
    ctx = _ctx(request)
    ctx.require("election.manage", ctx.space, ctx.module)
    config = ElectionConfig.of(ctx.module)
    forms: dict[int, ReviewForm] = {}
    status = 200
    if request.method == "POST":
        ctx.require("election.review", ctx.space, ctx.module)
        candidacy = services.get_candidacy(
            ctx.session, ctx.module, (ctx.form or {}).get("candidacy")
        )
        if candidacy is None:
            raise HTTPException(404)
        if candidacy.status == "withdrawn":
            ctx.flash(
                _("%(name)s withdrew: there is nothing to decide.", name=candidacy.name), "error"
            )
            return redirect(_url(ctx, "review"))
        form = ReviewForm.from_request(ctx.form, prefix=f"c{candidacy.id}")
        if form.validate():
            try:
                services.review(
                    ctx.session, candidacy, form.decision.data == "accept", form.reason.data or ""
                )
            except services.ServiceError as exc:
                form.add_error("reason", exc.message)
            else:
                ctx.audit(
                    "election.review",
                    f"candidacy:{candidacy.id}",
                    name=candidacy.name,
                    status=candidacy.status,
                    reason=candidacy.reason,
                )
                ctx.flash(_("The decision on %(name)s is saved.", name=candidacy.name))
                return redirect(_url(ctx, "review"))
        forms[candidacy.id] = form
        status = 400
    cands = services.candidacies(ctx.session, ctx.module, accepted_only=False)
    for c in cands:
        if c.id not in forms:
            forms[c.id] = ReviewForm(
                prefix=f"c{c.id}",
                decision={"accepted": "accept", "refused": "refuse"}.get(c.status),
                reason=c.reason,
            )
    return render(
        request,
        "election/review.html",
        {
            **common(ctx, config),
            "candidacies": cands,
            "forms": forms,
            "names": {c.id: c.name for c in services.constituencies(ctx.session, ctx.module)},
            "can_review": ctx.can("election.review", ctx.space, ctx.module),
            "review_reason": ctx.decide("election.review", ctx.space, ctx.module).reason,
        },
        status_code=status,
    )


# --- paper ballots, sign-in list and count ------------------------------------------------------


def _numbers(ctx: Context, constituency_id: int) -> list[Any]:
    """The candidates of a constituency, numbered alphabetically as on the entry sheet."""
    return services.candidacies_of(ctx.session, ctx.module, constituency_id)


@view
def paper_page(request: Request) -> Response:
    ctx = _ctx(request)
    ctx.require("election.manage", ctx.space, ctx.module)
    config = ElectionConfig.of(ctx.module)
    rows = services.constituencies(ctx.session, ctx.module)
    form = PaperForm.from_request(ctx.form) if request.method == "POST" else PaperForm()
    form.constituency.choices = [(str(c.id), c.name) for c in rows]
    status = 200
    if request.method == "POST":
        ctx.require("election.count", ctx.space, ctx.module)
        if form.validate():
            constituency = services.get_constituency(
                ctx.session, ctx.module, form.constituency.data
            )
            cands = _numbers(ctx, constituency.id) if constituency else []
            try:
                ballots = paper.parse_ballots(
                    form.ballots.data or "",
                    {i: c.id for i, c in enumerate(cands, start=1)},
                    ranked=config.method == "stv",
                )
            except services.ServiceError as exc:
                form.add_error("ballots", exc.message)
            else:
                station = form.station.data.strip()
                paper.save_entry(
                    ctx.session, constituency, station, ctx.user, form.signatures.data, ballots
                )
                ctx.audit(
                    "election.paper_entry",
                    f"constituency:{constituency.id}",
                    station=station,
                    signatures=form.signatures.data,
                    ballots=len(ballots),
                )
                ctx.flash(_("Your entry for %(station)s is saved.", station=station))
                return redirect(_url(ctx, "paper"))
        status = 400
    return render(
        request,
        "election/paper.html",
        {
            **common(ctx, config),
            "form": form,
            "rows": rows,
            "numbered": {c.id: list(enumerate(_numbers(ctx, c.id), start=1)) for c in rows},
            "stations": paper.stations(ctx.session, ctx.module),
            "names": {c.id: c.name for c in rows},
            "can_count": ctx.can("election.count", ctx.space, ctx.module),
            "count_reason": ctx.decide("election.count", ctx.space, ctx.module).reason,
        },
        status_code=status,
    )


@view(export=True)
def signin_list(request: Request) -> Response:
    ctx = _ctx(request)
    ctx.require("election.manage", ctx.space, ctx.module)
    ctx.audit("election.signin_list", f"module:{ctx.module.id}")
    module_id, town_id, texts = ctx.module.id, ctx.town.id, paper.signin_texts()
    return export_response(
        request,
        lambda session: paper.signin_list_csv(session, module_id, town_id, texts),
        filename=f"signin-list-{module_id}.csv",
    )


@view
def count(request: Request) -> Response:
    ctx = _ctx(request)
    ctx.require("election.count", ctx.space, ctx.module)
    config = ElectionConfig.of(ctx.module)
    try:
        counted = results.count_election(ctx.session, ctx.module, config, ctx.town)
    except services.ServiceError as exc:
        ctx.flash(exc.message, "error")
        return redirect(_url(ctx, "paper"))
    ctx.audit("election.count", f"module:{ctx.module.id}", constituencies=counted)
    ctx.flash(_("The election is counted. Publish the results by moving it to the results phase."))
    return redirect(_url(ctx, "results"))


routes = [
    Route("/manage", manage, methods=["GET", "POST"], name="manage"),
    Route("/manage/constituencies", add_constituency, methods=["POST"], name="add_constituency"),
    Route(
        "/manage/constituencies/{constituency:int}/remove",
        remove_constituency,
        methods=["POST"],
        name="remove_constituency",
    ),
    Route("/review", review, methods=["GET", "POST"], name="review"),
    Route("/paper", paper_page, methods=["GET", "POST"], name="paper"),
    Route("/signin-list.csv", signin_list, name="signin_list"),
    Route("/count", count, methods=["POST"], name="count"),
]
