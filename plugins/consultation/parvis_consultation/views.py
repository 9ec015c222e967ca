"""Pages of survey and poll modules: answering, results, exports, builder, moderation."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from parvis.api import (
    Decision,
    Event,
    emit,
    form_status,
    get_context,
    rate_limit,
    redirect,
    render,
    utcnow,
    view,
)
from parvis_consultation import services
from parvis_consultation.forms import DecisionForm, QuestionForm, SectionForm, SettingsForm
from parvis_consultation.models import (
    CHOICE,
    CHOICE_KINDS,
    MATRIX,
    MULTIPLE,
    NUMBER,
    OPTION_KINDS,
    ROW,
    SCALE,
    SINGLE,
    TEXT_KINDS,
    Answer,
    Option,
    Question,
    Section,
    Survey,
)

T = services.T
_ = T.gettext
PARIS = ZoneInfo("Europe/Paris")
TOKEN_KEY = "consultation_token"
DRAFT_KEY = "consultation_draft"


# --- helpers ------------------------------------------------------------------------------------


def _ctx(request: Request) -> Any:
    ctx = get_context(request)
    ctx.require("consultation.view", ctx.space, ctx.module)
    return ctx


def _can(ctx: Any, action: str) -> bool:
    return ctx.can(action, ctx.space, ctx.module)


def _here(ctx: Any, route: str = "index", **params: Any) -> str:
    return ctx.module_url(ctx.module, ctx.space, route, **params)


def _token_hash(ctx: Any, create: bool = False) -> str | None:
    token = ctx.request.session.get(TOKEN_KEY)
    if not token and create:
        token = secrets.token_urlsafe(32)
        ctx.request.session[TOKEN_KEY] = token
    return services.respondent_hash(ctx, token) if token else None


def _owners(ctx: Any, create: bool = False) -> list[str]:
    owners = []
    if ctx.user is not None:
        owners.append(f"u:{ctx.user.id}")
    else:
        token_hash = _token_hash(ctx)
        if token_hash:
            owners.append(f"a:{token_hash[:60]}")
    key = ctx.request.session.get(DRAFT_KEY)
    if not key and create and ctx.user is None:
        key = secrets.token_urlsafe(24)
        ctx.request.session[DRAFT_KEY] = key
    if key:
        owners.append(f"s:{key}")
    return owners


def respond_decision(ctx: Any, survey: Survey) -> Decision:
    if not services.is_open(ctx.module, survey):
        return Decision(False, services.closed_reason(ctx.module, survey))
    decision = ctx.decide("consultation.respond", ctx.space, ctx.module)
    if not decision.allowed and ctx.user is None and survey.allow_anonymous:
        return Decision(True, _("This survey accepts answers without an account."))
    return decision


def _current_response(ctx: Any, survey: Survey) -> Any:
    if ctx.user is not None:
        return services.response_of(
            ctx.session, ctx.module.id, user_id=ctx.user.id, token_hash=None
        )
    if survey.allow_anonymous:
        token_hash = _token_hash(ctx)
        if token_hash:
            return services.response_of(
                ctx.session, ctx.module.id, user_id=None, token_hash=token_hash
            )
    return None


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(PARIS).replace(tzinfo=None) if value else None


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=PARIS).astimezone(dt.UTC) if value else None


# --- answering ----------------------------------------------------------------------------------


def _answer_page(
    request: Request,
    ctx: Any,
    structure: services.Structure,
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
    response = _current_response(ctx, survey)
    if values is None:
        values = {}
        draft = services.load_draft(ctx.session, ctx.module.id, _owners(ctx))
        if draft is not None and decision.allowed:
            values, restored = dict(draft.data), True
        elif response is not None:
            values = services.values_of_response(ctx.session, response.id)
    can_manage = _can(ctx, "consultation.manage")
    visible = services.results_visible(
        ctx.module, survey, can_manage=can_manage, answered=response is not None
    )
    poll_result = None
    shows_poll = response is not None or ctx.module.phase in ("closed", "decided")
    if ctx.module.type == "poll" and visible and structure.questions and shows_poll:
        poll_result = services.compute_results(
            ctx.session, structure, ctx.module.id, texts_per_question=0
        )
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
            "visitor": ctx.user is None
            and not decision.allowed
            and services.is_open(ctx.module, survey),
            "can_manage": can_manage,
            "can_export": _can(ctx, "consultation.export"),
            "can_moderate": _can(ctx, "consultation.moderate"),
            "results_visible": visible,
            "poll_result": poll_result,
            "kinds": _kind_labels(),
            "condition_labels": _condition_labels(structure),
        },
        status_code=status_code,
    )


def _condition_labels(structure: services.Structure) -> dict[int, str]:
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


def _kind_labels() -> dict[str, str]:
    from parvis_consultation.forms import KIND_CHOICES

    return {k: str(v) for k, v in KIND_CHOICES}


@view
def index(request: Request) -> Response:
    ctx = _ctx(request)
    structure = services.load_structure(ctx.session, ctx.module.id)
    if request.method == "POST":
        return _submit(request, ctx, structure)
    return _answer_page(request, ctx, structure)


def _submit(request: Request, ctx: Any, structure: services.Structure) -> Response:
    survey = structure.survey
    values = services.raw_values(ctx.form)
    decision = respond_decision(ctx, survey)
    if not decision.allowed:
        if ctx.user is None and services.is_open(ctx.module, survey):
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
    token_hash = _token_hash(ctx, create=True) if anonymous else None
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
        return redirect(_here(ctx))
    parsed = services.validate(structure, values)
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
        existing = services.response_of(
            ctx.session, ctx.module.id, user_id=None, token_hash=token_hash
        )
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
    _response_id, created = services.save_response(
        ctx.session,
        ctx.module.id,
        parsed.rows,
        user_id=ctx.user.id if ctx.user else None,
        token_hash=token_hash,
        area_id=ctx.user.area_id if ctx.user else None,
    )
    services.drop_drafts(ctx.session, ctx.module.id, _owners(ctx))
    if ctx.module.type == "poll":
        ctx.flash(_("Thank you, your vote is counted."))
    elif created:
        ctx.flash(_("Thank you, your answers are recorded. You may change them until it closes."))
    else:
        ctx.flash(_("Your answers are updated."))
    return redirect(_here(ctx))


DRAFT_SAVES_PER_HOUR = 60


def _save_draft(
    request: Request,
    ctx: Any,
    structure: services.Structure,
    owner: str,
    values: dict[str, list[str]],
) -> bool:
    """Keep a cleaned draft for someone allowed to answer; False when saves are rate-limited
    (per account, or per network for answers without an account)."""
    kept = services.draft_values(structure, values)
    if not kept:
        return True
    if ctx.user is not None:
        who = f"u{ctx.user.id}"
    else:
        ip = request.client.host if request.client else "unknown"
        who = "ip" + ctx.sign("consultation.ip", f"draft:{ip}")[:40]
    if not rate_limit(ctx.session, f"consultation:draft:{who}", DRAFT_SAVES_PER_HOUR, 3600):
        return False
    services.save_draft(ctx.session, ctx.module.id, owner, kept, ctx.user.id if ctx.user else None)
    return True


@view
def preview(request: Request) -> Response:
    ctx = get_context(request)
    ctx.require("consultation.manage", ctx.space, ctx.module)
    structure = services.load_structure(ctx.session, ctx.module.id)
    return _answer_page(request, ctx, structure, values={}, preview=True)


@view
def conditions_css(request: Request) -> Response:
    """Hide conditional questions until their condition is checked (no JavaScript needed)."""
    ctx = _ctx(request)
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


# --- results ------------------------------------------------------------------------------------


def _results_or_403(ctx: Any, structure: services.Structure) -> None:
    can_manage = _can(ctx, "consultation.manage") or _can(ctx, "consultation.export")
    answered = False
    if not can_manage and ctx.module.type == "poll":
        answered = _current_response(ctx, structure.survey) is not None
    if not services.results_visible(
        ctx.module, structure.survey, can_manage=can_manage, answered=answered
    ):
        raise HTTPException(
            403,
            _("The results of this consultation are not public.")
            if structure.survey.results_visibility == "admin"
            else _("The results will be published when the consultation closes."),
        )


def _area_param(request: Request) -> int | None:
    return services.parse_id(request.query_params.get("area", ""))


@view
def results(request: Request) -> Response:
    ctx = _ctx(request)
    structure = services.load_structure(ctx.session, ctx.module.id)
    _results_or_403(ctx, structure)
    areas = services.town_areas(ctx.session, ctx.town.id)
    area_id = _area_param(request)
    if area_id is not None and area_id not in {a.id for a in areas}:
        area_id = None
    can_moderate = _can(ctx, "consultation.moderate")
    computed = services.compute_results(
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
            "can_export": _can(ctx, "consultation.export"),
            "can_moderate": can_moderate,
            "can_manage": _can(ctx, "consultation.manage"),
        },
    )


@view
def results_json(request: Request) -> Response:
    ctx = _ctx(request)
    structure = services.load_structure(ctx.session, ctx.module.id)
    _results_or_403(ctx, structure)
    computed = services.compute_results(ctx.session, structure, ctx.module.id, texts_per_question=0)
    return JSONResponse(
        services.open_data(ctx.module, structure, computed),
        headers={"access-control-allow-origin": "*"},
    )


@view
def export_csv(request: Request) -> Response:
    ctx = get_context(request)
    ctx.require("consultation.export", ctx.space, ctx.module)
    structure = services.load_structure(ctx.session, ctx.module.id)
    module_id = ctx.module.id
    filename = f"{ctx.module.slug or 'survey'}-{module_id}.csv"
    ctx.audit("consultation.export", f"module:{module_id}")
    db = ctx.parvis.db

    def body() -> Iterator[bytes]:
        # Its own read-only session: the view's is closed once the view returns, while the
        # rows are still being sent.
        with db.session(write=False) as session:
            for chunk in services.export_csv(session, structure, module_id):
                yield chunk.encode("utf-8")

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


# --- moderation ---------------------------------------------------------------------------------


@view
def moderate(request: Request) -> Response:
    ctx = get_context(request)
    ctx.require("consultation.moderate", ctx.space, ctx.module)
    if request.method == "POST":
        form = ctx.form or {}
        answer_id = services.parse_id(form.get("answer", ""))
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
        return redirect(_here(ctx, "moderate"))
    structure = services.load_structure(ctx.session, ctx.module.id)
    text_ids = [q.id for q in structure.questions if q.kind in TEXT_KINDS or q.allow_other]
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


# --- builder ------------------------------------------------------------------------------------


def _manage_ctx(request: Request) -> Any:
    ctx = get_context(request)
    ctx.require("consultation.manage", ctx.space, ctx.module)
    return ctx


def _manage_page(
    request: Request,
    ctx: Any,
    structure: services.Structure,
    *,
    settings_form: SettingsForm | None = None,
    section_form: SectionForm | None = None,
    decision_form: DecisionForm | None = None,
    status_code: int = 200,
) -> Response:
    survey = structure.survey
    if settings_form is None:
        settings_form = SettingsForm(
            intro=survey.intro,
            opens_at=_local(survey.opens_at),
            closes_at=_local(survey.closes_at),
            allow_anonymous=survey.allow_anonymous,
            results_visibility=survey.results_visibility,
            poll_results=survey.poll_results,
            show_on_home=survey.show_on_home,
        )
    locked = services.has_responses(ctx.session, ctx.module.id)
    return render(
        request,
        "consultation/manage.html",
        {
            "structure": structure,
            "survey": survey,
            "settings_form": settings_form,
            "section_form": section_form or SectionForm(),
            "decision_form": decision_form or DecisionForm(decision=survey.decision),
            "locked": locked,
            "kinds": _kind_labels(),
            "is_poll": ctx.module.type == "poll",
        },
        status_code=status_code,
    )


@view
def manage(request: Request) -> Response:
    ctx = _manage_ctx(request)
    structure = services.load_structure(ctx.session, ctx.module.id)
    return _manage_page(request, ctx, structure)


@view
def manage_settings(request: Request) -> Response:
    ctx = _manage_ctx(request)
    form = SettingsForm.from_request(ctx.form)
    structure = services.load_structure(ctx.session, ctx.module.id)
    if form.validate():
        opens, closes = _utc(form.opens_at.data), _utc(form.closes_at.data)
        if opens and closes and closes <= opens:
            form.add_error("closes_at", _("The closing date must come after the opening date."))
    if form.errors:
        return _manage_page(request, ctx, structure, settings_form=form, status_code=400)
    survey = services.saved_survey(ctx.session, ctx.module.id)
    survey.intro = form.intro.data or ""
    survey.opens_at, survey.closes_at = opens, closes
    survey.allow_anonymous = bool(form.allow_anonymous.data)
    survey.results_visibility = form.results_visibility.data
    survey.poll_results = form.poll_results.data
    survey.show_on_home = bool(form.show_on_home.data)
    ctx.flash(_("The settings are saved."))
    return redirect(_here(ctx, "manage"))


@view
def section_add(request: Request) -> Response:
    ctx = _manage_ctx(request)
    form = SectionForm.from_request(ctx.form)
    structure = services.load_structure(ctx.session, ctx.module.id)
    if services.has_responses(ctx.session, ctx.module.id):
        raise HTTPException(400, _("People have answered: sections can no longer be added."))
    if not form.validate():
        return _manage_page(request, ctx, structure, section_form=form, status_code=400)
    _add_section(ctx, form.title.data.strip(), form.description.data or "")
    ctx.flash(_("The section is added."))
    return redirect(_here(ctx, "manage"))


def _add_section(ctx: Any, title: str, description: str = "") -> Section:
    section = Section(
        module_id=ctx.module.id,
        title=title,
        description=description,
        position=services.next_position(
            ctx.session, Section.position, Section.module_id == ctx.module.id
        ),
    )
    ctx.session.add(section)
    ctx.session.flush()
    return section


def _section(ctx: Any, section_id: int) -> Section:
    section = ctx.session.get(Section, section_id)
    if section is None or section.module_id != ctx.module.id:
        raise HTTPException(404)
    return section


@view
def section_edit(request: Request) -> Response:
    ctx = _manage_ctx(request)
    section = _section(ctx, request.path_params["section"])
    form = ctx.form or {}
    action = form.get("action", "save")
    locked = services.has_responses(ctx.session, ctx.module.id)
    if action == "delete":
        if locked:
            raise HTTPException(400, _("People have answered: sections can no longer be deleted."))
        ctx.session.delete(section)
        ctx.flash(_("The section is deleted."))
    elif action in ("up", "down"):
        _move(ctx, Section, section, Section.module_id == ctx.module.id, action)
    else:
        sform = SectionForm.from_request(ctx.form)
        if not sform.validate():
            structure = services.load_structure(ctx.session, ctx.module.id)
            return _manage_page(request, ctx, structure, section_form=sform, status_code=400)
        section.title = sform.title.data.strip()
        section.description = sform.description.data or ""
        ctx.flash(_("The section is saved."))
    return redirect(_here(ctx, "manage"))


def _move(ctx: Any, model: Any, item: Any, scope: Any, direction: str) -> None:
    siblings = list(
        ctx.session.scalars(select(model).where(scope).order_by(model.position, model.id))
    )
    i = siblings.index(item)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(siblings):
        siblings[i], siblings[j] = siblings[j], siblings[i]
    for position, sibling in enumerate(siblings, start=1):
        sibling.position = position


def _question_form(
    ctx: Any, structure: services.Structure, question: Question | None, formdata: Any = None
) -> QuestionForm:
    if formdata is not None:
        form = QuestionForm.from_request(formdata)
    elif question is not None:
        form = QuestionForm(
            kind=question.kind,
            label=question.label,
            help=question.help,
            required=question.required,
            section_id=question.section_id,
            min_choices=question.min_choices,
            max_choices=question.max_choices,
            min_value=question.min_value,
            max_value=question.max_value,
            scale_max=question.scale_max,
            low_label=question.low_label,
            high_label=question.high_label,
            allow_other=question.allow_other,
            condition=(
                f"{question.condition_question_id}:{question.condition_option_id}"
                if question.condition_option_id
                else ""
            ),
        )
    else:
        section = ctx.request.query_params.get("section", "")
        form = QuestionForm(section_id=services.parse_id(section))
    form.section_id.choices = [(s.id, s.title) for s in structure.sections]
    earlier = structure.questions
    if question is not None:
        ids = [q.id for q in structure.questions]
        earlier = structure.questions[: ids.index(question.id)] if question.id in ids else []
    conditions = [("", _("Always show it"))]
    for q in earlier:
        if q.kind in CHOICE_KINDS:
            for option in structure.choices[q.id]:
                conditions.append((f"{q.id}:{option.id}", f"{q.label} → {option.label}"))
    form.condition.choices = conditions
    if ctx.module.type == "poll":
        form.kind.choices = [c for c in form.kind.choices if c[0] == SINGLE]
    return form


def _question_page(
    request: Request,
    ctx: Any,
    structure: services.Structure,
    form: QuestionForm,
    question: Question | None,
    *,
    option_errors: dict[int, str] | None = None,
    option_values: dict[int, str] | None = None,
    status_code: int = 200,
) -> Response:
    locked = question is not None and services.has_responses(ctx.session, ctx.module.id)
    return render(
        request,
        "consultation/question.html",
        {
            "form": form,
            "question": question,
            "structure": structure,
            "locked": locked,
            "choices": structure.choices.get(question.id, []) if question else [],
            "rows": structure.rows.get(question.id, []) if question else [],
            "option_errors": option_errors or {},
            "kinds": _kind_labels(),
            "option_values": option_values or {},
        },
        status_code=status_code,
    )


def _lines(text: str | None) -> list[str]:
    return [line.strip()[:300] for line in (text or "").splitlines() if line.strip()]


@view
def question_new(request: Request) -> Response:
    ctx = _manage_ctx(request)
    structure = services.load_structure(ctx.session, ctx.module.id)
    if services.has_responses(ctx.session, ctx.module.id):
        raise HTTPException(400, _("People have answered: questions can no longer be added."))
    if ctx.module.type == "poll" and structure.questions:
        raise HTTPException(400, _("A poll has a single question."))
    # A survey without sections gets one, but only once a valid question comes with it: a
    # rejected form must leave nothing behind.
    first_question = not structure.sections
    if first_question:
        structure.sections.append(Section(id=0, title=ctx.module.title, module_id=ctx.module.id))
    form = _question_form(ctx, structure, None, ctx.form if request.method == "POST" else None)
    if request.method == "POST":
        if form.section_id.data == 0:
            form.section_id.data = structure.sections[0].id
        if _check_question(form, None, structure):
            if first_question:
                form.section_id.data = _add_section(ctx, ctx.module.title).id
            question = Question(
                module_id=ctx.module.id,
                section_id=form.section_id.data,
                kind=form.kind.data,
                label=form.label.data.strip(),
                position=services.next_position(
                    ctx.session, Question.position, Question.section_id == form.section_id.data
                ),
            )
            _apply_structure(form, question)
            ctx.session.add(question)
            ctx.session.flush()
            _add_options(ctx, question, form)
            ctx.flash(_("The question is added."))
            return redirect(_here(ctx, "manage") + f"#question-{question.id}")
    return _question_page(request, ctx, structure, form, None, status_code=form_status(request))


def _check_question(form: QuestionForm, question: Question | None, structure: Any) -> bool:
    ok = form.validate()
    kind = form.kind.data
    if (
        kind == MULTIPLE
        and form.min_choices.data
        and form.max_choices.data
        and form.min_choices.data > form.max_choices.data
    ):
        form.add_error("max_choices", _("The maximum must not be below the minimum."))
        ok = False
    if (
        kind == NUMBER
        and form.min_value.data is not None
        and form.max_value.data is not None
        and form.min_value.data > form.max_value.data
    ):
        form.add_error("max_value", _("The largest number must not be below the smallest."))
        ok = False
    existing = len(structure.choices.get(question.id, [])) if question else 0
    if kind in OPTION_KINDS and existing + len(_lines(form.new_options.data)) < 2:
        form.add_error("new_options", _("Give at least two options."))
        ok = False
    existing_rows = len(structure.rows.get(question.id, [])) if question else 0
    if kind == MATRIX and existing_rows + len(_lines(form.new_rows.data)) < 1:
        form.add_error("new_rows", _("Give at least one row."))
        ok = False
    if form.condition.data in (None, "None"):
        form.condition.data = ""
    if form.condition.data not in {value for value, _label in form.condition.choices}:
        form.add_error("condition", _("Choose an earlier choice question and one of its options."))
        ok = False
    return ok


def _apply_structure(form: QuestionForm, question: Question) -> None:
    kind = form.kind.data
    question.kind = kind
    question.required = bool(form.required.data)
    question.min_choices = form.min_choices.data if kind == MULTIPLE else None
    question.max_choices = form.max_choices.data if kind == MULTIPLE else None
    question.min_value = form.min_value.data if kind == NUMBER else None
    question.max_value = form.max_value.data if kind == NUMBER else None
    question.scale_max = form.scale_max.data if kind == SCALE else 5
    question.allow_other = bool(form.allow_other.data) and kind in CHOICE_KINDS
    _apply_wording(form, question)
    condition = form.condition.data or ""
    if condition:
        qid, _sep, oid = condition.partition(":")
        question.condition_question_id, question.condition_option_id = int(qid), int(oid)
    else:
        question.condition_question_id = question.condition_option_id = None


def _apply_wording(form: QuestionForm, question: Question) -> None:
    question.label = form.label.data.strip()
    question.help = form.help.data or ""
    question.low_label = (form.low_label.data or "").strip()
    question.high_label = (form.high_label.data or "").strip()


def _add_options(ctx: Any, question: Question, form: QuestionForm) -> None:
    if question.kind not in OPTION_KINDS:
        return
    start = services.next_position(ctx.session, Option.position, Option.question_id == question.id)
    for i, label in enumerate(_lines(form.new_options.data)):
        ctx.session.add(
            Option(question_id=question.id, role=CHOICE, label=label, position=start + i)
        )
    if question.kind == MATRIX:
        for i, label in enumerate(_lines(form.new_rows.data)):
            ctx.session.add(
                Option(question_id=question.id, role=ROW, label=label, position=start + i)
            )


def _question(ctx: Any, question_id: int) -> Question:
    question = ctx.session.get(Question, question_id)
    if question is None or question.module_id != ctx.module.id:
        raise HTTPException(404)
    return question


@view
def question_edit(request: Request) -> Response:
    ctx = _manage_ctx(request)
    structure = services.load_structure(ctx.session, ctx.module.id)
    question = _question(ctx, request.path_params["question"])
    if request.method != "POST":
        form = _question_form(ctx, structure, question)
        return _question_page(request, ctx, structure, form, question)
    locked = services.has_responses(ctx.session, ctx.module.id)
    action = (ctx.form or {}).get("action", "save")
    if action in ("up", "down"):
        _move(ctx, Question, question, Question.section_id == question.section_id, action)
        return redirect(_here(ctx, "manage") + f"#question-{question.id}")
    if action == "delete":
        if locked:
            raise HTTPException(400, _("People have answered: questions can no longer be deleted."))
        ctx.session.execute(
            update(Question)
            .where(Question.condition_question_id == question.id)
            .values(condition_question_id=None, condition_option_id=None)
        )
        ctx.session.delete(question)
        ctx.flash(_("The question is deleted."))
        return redirect(_here(ctx, "manage"))
    form = _question_form(ctx, structure, question, ctx.form)
    options = structure.choices[question.id] + structure.rows[question.id]
    option_values = {
        o.id: str((ctx.form or {}).get(f"opt_{o.id}", o.label)).strip() for o in options
    }
    option_errors = {}
    if locked:
        # Wording only: the kind, options and rules stay as they were answered.
        form.kind.data = question.kind
        form.section_id.data = question.section_id
        valid = form.label.validate(form) and form.help.validate(form)
        for option in options:
            if not option_values[option.id]:
                option_errors[option.id] = _(
                    "People have answered: an option can no longer be removed."
                )
        if not valid or option_errors:
            return _question_page(
                request,
                ctx,
                structure,
                form,
                question,
                option_errors=option_errors,
                option_values=option_values,
                status_code=400,
            )
        _apply_wording(form, question)
        for option in options:
            option.label = option_values[option.id][:300]
        ctx.flash(_("The wording is saved; the structure is locked because people have answered."))
        return redirect(_here(ctx, "manage") + f"#question-{question.id}")
    removed = [o for o in options if not option_values[o.id]]
    kept_choices = len(structure.choices[question.id]) - sum(1 for o in removed if o.role == CHOICE)
    structure.choices[question.id] = structure.choices[question.id][:kept_choices]
    if not _check_question(form, question, structure):
        return _question_page(
            request, ctx, structure, form, question, option_values=option_values, status_code=400
        )
    if form.kind.data not in OPTION_KINDS:
        removed = options
    for option in options:
        if option in removed:
            ctx.session.execute(
                update(Question)
                .where(Question.condition_option_id == option.id)
                .values(condition_question_id=None, condition_option_id=None)
            )
            ctx.session.delete(option)
        else:
            option.label = option_values[option.id][:300]
    if form.kind.data != MATRIX:
        for option in structure.rows[question.id]:
            if option not in removed:
                ctx.session.delete(option)
    question.section_id = form.section_id.data
    _apply_structure(form, question)
    ctx.session.flush()
    _add_options(ctx, question, form)
    ctx.flash(_("The question is saved."))
    return redirect(_here(ctx, "manage") + f"#question-{question.id}")


@view
def publish_decision(request: Request) -> Response:
    ctx = _manage_ctx(request)
    form = DecisionForm.from_request(ctx.form)
    structure = services.load_structure(ctx.session, ctx.module.id)
    valid = form.validate()
    if valid and ctx.module.phase not in ("closed", "decided"):
        # A decision taken while answers still arrive would ignore some of them.
        form.decision.errors = [
            _("The consultation is still open: close it before publishing the decision.")
        ]
        valid = False
    if not valid:
        return _manage_page(request, ctx, structure, decision_form=form, status_code=400)
    survey = services.saved_survey(ctx.session, ctx.module.id)
    first = survey.decision_published_at is None
    survey.decision = form.decision.data.strip()
    survey.decision_published_at = survey.decision_published_at or utcnow()
    if ctx.module.type == "survey" and ctx.module.phase == "closed":
        ctx.module.phase = "decided"
    ctx.audit("consultation.decision", f"module:{ctx.module.id}")
    if first or (ctx.form or {}).get("notify") == "1":
        emit(
            ctx.session,
            Event(
                "consultation.decision_published",
                ctx.town.id,
                ctx.actor.id,
                ctx.space.id,
                {
                    "module_id": ctx.module.id,
                    # Never the request's own Host header: a forged one would put another
                    # domain in the e-mail sent to every follower.
                    "url": ctx.base_url + _here(ctx),
                },
            ),
        )
        ctx.flash(_("The decision is published; followers of the space are notified by e-mail."))
    else:
        ctx.flash(_("The decision is updated."))
    return redirect(_here(ctx))


def _json_dump(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


ROUTES = [
    Route("/", index, methods=["GET", "POST"], name="index"),
    Route("/preview", preview, name="preview"),
    Route("/conditions.css", conditions_css, name="conditions_css"),
    Route("/results", results, name="results"),
    Route("/results.json", results_json, name="results_json"),
    Route("/export.csv", export_csv, name="export"),
    Route("/moderate", moderate, methods=["GET", "POST"], name="moderate"),
    Route("/manage", manage, name="manage"),
    Route("/manage/settings", manage_settings, methods=["POST"], name="settings"),
    Route("/manage/sections", section_add, methods=["POST"], name="section_add"),
    Route("/manage/sections/{section:int}", section_edit, methods=["POST"], name="section"),
    Route("/manage/questions/new", question_new, methods=["GET", "POST"], name="question_new"),
    Route(
        "/manage/questions/{question:int}",
        question_edit,
        methods=["GET", "POST"],
        name="question",
    ),
    Route("/manage/decision", publish_decision, methods=["POST"], name="decision"),
]

__all__ = ["ROUTES", "delete"]
