"""Results: the page, open data, the CSV export, moderation of free-text answers."""

from __future__ import annotations

from sqlalchemy import select, update
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from parvis.api import (
    Context,
    export_response,
    get_context,
    parse_int,
    redirect,
    render,
    town_areas,
    view,
)
from parvis_consultation import exports, question_types
from parvis_consultation.i18n import _
from parvis_consultation.models import Answer
from parvis_consultation.results import compute_results, results_visible
from parvis_consultation.structure import Structure, load_structure
from parvis_consultation.views.common import can, current_response, here, survey_ctx


def _results_or_403(ctx: Context, structure: Structure) -> None:
    can_manage = can(ctx, "consultation.manage") or can(ctx, "consultation.export")
    answered = False
    if not can_manage and ctx.module.type == "poll":
        answered = current_response(ctx, structure.survey) is not None
    if not results_visible(ctx.module, structure.survey, can_manage=can_manage, answered=answered):
        raise HTTPException(
            403,
            _("The results of this consultation are not public.")
            if structure.survey.results_visibility == "admin"
            else _("The results will be published when the consultation closes."),
        )


def _area_param(request: Request) -> int | None:
    return parse_int(request.query_params.get("area", ""))


@view
def results(request: Request) -> Response:
    ctx = survey_ctx(request)
    structure = load_structure(ctx.session, ctx.module.id)
    _results_or_403(ctx, structure)
    areas = town_areas(ctx.session, ctx.town.id)
    area_id = _area_param(request)
    if area_id is not None and area_id not in {a.id for a in areas}:
        area_id = None
    can_moderate = can(ctx, "consultation.moderate")
    computed = compute_results(
        ctx.session, structure, ctx.module.id, area_id=area_id, include_hidden=False
    )
    return render(
        request,
        "consultation/results.html",
        {
            "structure": structure,
            "survey": structure.survey,
            "results": computed,
            "areas": areas,
            "area_id": area_id,
            "can_export": can(ctx, "consultation.export"),
            "can_moderate": can_moderate,
            "can_manage": can(ctx, "consultation.manage"),
        },
    )


@view
def results_json(request: Request) -> Response:
    ctx = survey_ctx(request)
    structure = load_structure(ctx.session, ctx.module.id)
    _results_or_403(ctx, structure)
    computed = compute_results(ctx.session, structure, ctx.module.id, texts_per_question=0)
    return JSONResponse(
        exports.open_data(ctx.module, structure, computed),
        headers={"access-control-allow-origin": "*"},
    )


@view(export=True)
def export_csv(request: Request) -> Response:
    ctx = get_context(request)
    ctx.require("consultation.export", ctx.space, ctx.module)
    structure = load_structure(ctx.session, ctx.module.id)
    module_id = ctx.module.id
    ctx.audit("consultation.export", f"module:{module_id}")
    return export_response(
        request,
        lambda session: exports.export_csv(session, structure, module_id),
        filename=f"{ctx.module.slug or 'survey'}-{module_id}.csv",
    )


# --- moderation ---------------------------------------------------------------------------------


@view
def moderate(request: Request) -> Response:
    ctx = get_context(request)
    ctx.require("consultation.moderate", ctx.space, ctx.module)
    if request.method == "POST":
        form = ctx.form or {}
        answer_id = parse_int(form.get("answer", ""))
        hide = form.get("hide") == "1"
        if answer_id is None:
            raise HTTPException(400, _("Unknown answer."))
        done = ctx.session.execute(
            update(Answer)
            .where(Answer.id == answer_id, Answer.module_id == ctx.module.id)
            .values(hidden=hide)
        )
        if not done.rowcount:
            raise HTTPException(404)
        ctx.audit(
            "consultation.hide" if hide else "consultation.show",
            f"answer:{answer_id}",
        )
        ctx.flash(
            _("The answer is hidden from the results.") if hide else _("The answer is shown again.")
        )
        return redirect(here(ctx, "moderate"))
    structure = load_structure(ctx.session, ctx.module.id)
    text_ids = question_types.with_free_text(structure.questions)
    answers = (
        list(
            ctx.session.scalars(
                select(Answer)
                .where(
                    Answer.module_id == ctx.module.id,
                    Answer.question_id.in_(text_ids),
                    Answer.text.is_not(None),
                )
                .order_by(Answer.hidden.desc(), Answer.id.desc())
                .limit(500)
            )
        )
        if text_ids
        else []
    )
    return render(
        request,
        "consultation/moderate.html",
        {"structure": structure, "answers": answers, "by_id": structure.by_id},
    )
