"""Answering a survey or a poll: the form, sending it, drafts, the preview."""

from __future__ import annotations

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response

from parvis.api import Context, get_context, rate_limit, redirect, render, view
from parvis_consultation.answers import raw_values, validate
from parvis_consultation.i18n import _
from parvis_consultation.models import Question
from parvis_consultation.responses import (
    draft_values,
    drop_drafts,
    load_draft,
    response_of,
    save_draft,
    save_response,
    values_of_response,
)
from parvis_consultation.results import compute_results, results_visible
from parvis_consultation.structure import Structure, is_open, load_structure
from parvis_consultation.views.common import (
    can,
    current_response,
    draft_owners,
    here,
    kind_labels,
    respond_decision,
    respondent_token_hash,
    survey_ctx,
)


def _answer_page(
    request: Request,
    ctx: Context,
    structure: Structure,
    *,
    values: dict[str, list[str]] | None = None,
    errors: dict[int, str] | None = None,
    form_error: str = "",
    status_code: int = 200,
    preview: bool = False,
    restored: bool = False,
    keep_form: bool = False,
) -> Response:
    survey = structure.survey
    decision = respond_decision(ctx, survey)
    response = current_response(ctx, survey)
    if values is None:
        values = {}
        draft = load_draft(ctx.session, ctx.module.id, draft_owners(ctx))
        if draft is not None and decision.allowed:
            values, restored = dict(draft.data), True
        elif response is not None:
            values = values_of_response(ctx.session, structure, response.id)
    can_manage = can(ctx, "consultation.manage")
    visible = results_visible(
        ctx.module, survey, can_manage=can_manage, answered=response is not None
    )
    poll_result = None
    shows_poll = response is not None or ctx.module.phase in ("closed", "decided")
    if ctx.module.type == "poll" and visible and structure.questions and shows_poll:
        poll_result = compute_results(ctx.session, structure, ctx.module.id, texts_per_question=0)
    template = "consultation/poll.html" if ctx.module.type == "poll" else "consultation/survey.html"
    return render(
        request,
        template,
        {
            "structure": structure,
            "survey": survey,
            "values": values,
            "errors": errors or {},
            "form_error": form_error,
            "decision": decision,
            "response": response,
            "preview": preview,
            "restored": restored,
            "keep_form": keep_form,
            # A visitor sees what an open survey asks (fields disabled) and how to take part.
            "visitor": ctx.user is None and not decision.allowed and is_open(ctx.module, survey),
            "can_manage": can_manage,
            "can_export": can(ctx, "consultation.export"),
            "can_moderate": can(ctx, "consultation.moderate"),
            "results_visible": visible,
            "poll_result": poll_result,
            "kinds": kind_labels(),
            "condition_labels": _condition_labels(structure),
        },
        status_code=status_code,
    )


def _condition_labels(structure: Structure) -> dict[int, str]:
    by_id = structure.by_id
    labels = {}
    for q in structure.questions:
        if q.condition_question_id and q.condition_option_id:
            parent = by_id.get(q.condition_question_id)
            if parent is not None:
                labels[q.id] = _(
                    "Answer only if you chose “%(option)s” for “%(question)s”.",
                    option=structure.option_label(q.condition_option_id),
                    question=parent.label,
                )
    return labels


@view
def index(request: Request) -> Response:
    ctx = survey_ctx(request)
    structure = load_structure(ctx.session, ctx.module.id)
    if request.method == "POST":
        return _submit(request, ctx, structure)
    return _answer_page(request, ctx, structure)


def _submit(request: Request, ctx: Context, structure: Structure) -> Response:
    survey = structure.survey
    values = raw_values(ctx.form)
    decision = respond_decision(ctx, survey)
    if not decision.allowed:
        if ctx.user is None and is_open(ctx.module, survey):
            # Someone who may not answer gets no server-side draft: what they typed comes back
            # in the page only, with the way to sign in.
            return _answer_page(
                request,
                ctx,
                structure,
                values=values,
                form_error=_(
                    "Please sign in to send your answers. What you typed is shown below but "
                    "not saved: copy your longer answers before you sign in."
                ),
                keep_form=True,
                status_code=403,
            )
        return _answer_page(
            request, ctx, structure, values=values, form_error=decision.reason, status_code=403
        )
    anonymous = ctx.user is None
    token_hash = respondent_token_hash(ctx, create=True) if anonymous else None
    owner = f"u:{ctx.user.id}" if ctx.user else f"a:{token_hash[:60]}"  # type: ignore[index]
    if (ctx.form or {}).get("action") == "save":
        if not _save_draft(request, ctx, structure, owner, values):
            return _answer_page(
                request,
                ctx,
                structure,
                values=values,
                form_error=_(
                    "Too many saves in the last hour: your answers are not saved. "
                    "Try again later, or send them."
                ),
                status_code=429,
            )
        ctx.flash(_("Your answers are saved. Come back to finish before the survey closes."))
        return redirect(here(ctx))
    parsed = validate(structure, values)
    if not parsed.ok:
        _save_draft(request, ctx, structure, owner, values)
        return _answer_page(
            request,
            ctx,
            structure,
            values=values,
            errors=parsed.errors,
            form_error=parsed.form_error,
            status_code=400,
        )
    if anonymous:
        existing = response_of(ctx.session, ctx.module.id, user_id=None, token_hash=token_hash)
        if existing is None:
            ip = request.client.host if request.client else "unknown"
            address = ctx.sign("consultation.ip", f"{ctx.module.id}:{ip}")
            key = f"consultation:anonymous:{ctx.module.id}:{address}"
            limit = int(ctx.setting("consultation", "anonymous_per_ip_per_hour"))
            if not rate_limit(ctx.session, key, limit, 3600):
                return _answer_page(
                    request,
                    ctx,
                    structure,
                    values=values,
                    form_error=_(
                        "Too many answers were sent from your network in the last hour. "
                        "Try again later, or sign in to answer."
                    ),
                    status_code=429,
                )
    _response_id, created = save_response(
        ctx.session,
        ctx.module.id,
        parsed.rows,
        user_id=ctx.user.id if ctx.user else None,
        token_hash=token_hash,
        area_id=ctx.user.area_id if ctx.user else None,
    )
    drop_drafts(ctx.session, ctx.module.id, draft_owners(ctx))
    if ctx.module.type == "poll":
        ctx.flash(_("Thank you, your vote is counted."))
    elif created:
        ctx.flash(_("Thank you, your answers are recorded. You may change them until it closes."))
    else:
        ctx.flash(_("Your answers are updated."))
    return redirect(here(ctx))


DRAFT_SAVES_PER_HOUR = 60


def _save_draft(
    request: Request,
    ctx: Context,
    structure: Structure,
    owner: str,
    values: dict[str, list[str]],
) -> bool:
    """Keep a cleaned draft for someone allowed to answer; False when saves are rate-limited
    (per account, or per network for answers without an account)."""
    kept = draft_values(structure, values)
    if not kept:
        return True
    if ctx.user is not None:
        who = f"u{ctx.user.id}"
    else:
        ip = request.client.host if request.client else "unknown"
        who = "ip" + ctx.sign("consultation.ip", f"draft:{ip}")[:40]
    if not rate_limit(ctx.session, f"consultation:draft:{who}", DRAFT_SAVES_PER_HOUR, 3600):
        return False
    save_draft(ctx.session, ctx.module.id, owner, kept, ctx.user.id if ctx.user else None)
    return True


@view
def preview(request: Request) -> Response:
    ctx = get_context(request)
    ctx.require("consultation.manage", ctx.space, ctx.module)
    structure = load_structure(ctx.session, ctx.module.id)
    return _answer_page(request, ctx, structure, values={}, preview=True)


@view
def conditions_css(request: Request) -> Response:
    """Hide conditional questions until their condition is checked (no JavaScript needed)."""
    ctx = survey_ctx(request)
    rules = []
    questions = ctx.session.execute(
        select(Question.id, Question.condition_question_id, Question.condition_option_id).where(
            Question.module_id == ctx.module.id, Question.condition_option_id.is_not(None)
        )
    )
    for qid, parent, option in questions:
        rules.append(
            f"form.survey-form:not(:has(#q{parent}-{option}:checked)) #question-{qid} "
            "{ display: none; }"
        )
    return Response("\n".join(rules) + "\n", media_type="text/css")
