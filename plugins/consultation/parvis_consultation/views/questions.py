"""The builder's question page: adding and editing a question, its options and rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from parvis.api import Context, form_status, parse_int, redirect, render, view
from parvis_consultation import question_types
from parvis_consultation.forms import QuestionForm
from parvis_consultation.i18n import _
from parvis_consultation.models import (
    CHOICE,
    ROW,
    Option,
    Question,
    Section,
)
from parvis_consultation.structure import Structure, has_responses, load_structure, next_position
from parvis_consultation.views.builder import add_section, move
from parvis_consultation.views.common import here, kind_labels, manage_ctx


def _question_form(
    ctx: Context, structure: Structure, question: Question | None, formdata: Any = None
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
        form = QuestionForm(section_id=parse_int(section))
    form.section_id.choices = [(s.id, s.title) for s in structure.sections]
    earlier = structure.questions
    if question is not None:
        ids = [q.id for q in structure.questions]
        earlier = structure.questions[: ids.index(question.id)] if question.id in ids else []
    conditions = [("", _("Always show it"))]
    for q in earlier:
        if question_types.get(q.kind).conditions:
            for option in structure.choices[q.id]:
                conditions.append((f"{q.id}:{option.id}", f"{q.label} → {option.label}"))
    form.condition.choices = conditions
    poll = ctx.module.type == "poll"
    form.kind.choices = [
        (t.key, t.label) for t in question_types.all_types() if t.polls or not poll
    ]
    return form


def _question_page(
    request: Request,
    ctx: Context,
    structure: Structure,
    form: QuestionForm,
    question: Question | None,
    *,
    option_errors: dict[int, str] | None = None,
    option_values: dict[int, str] | None = None,
    status_code: int = 200,
) -> Response:
    locked = question is not None and has_responses(ctx.session, ctx.module.id)
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
            "kinds": kind_labels(),
            "option_values": option_values or {},
        },
        status_code=status_code,
    )


def _lines(text: str | None) -> list[str]:
    return [line.strip()[:300] for line in (text or "").splitlines() if line.strip()]


@view
def question_new(request: Request) -> Response:
    ctx = manage_ctx(request)
    structure = load_structure(ctx.session, ctx.module.id)
    if has_responses(ctx.session, ctx.module.id):
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
                form.section_id.data = add_section(ctx, ctx.module.title).id
            question = Question(
                module_id=ctx.module.id,
                section_id=form.section_id.data,
                kind=form.kind.data,
                label=form.label.data.strip(),
                position=next_position(
                    ctx.session, Question.position, Question.section_id == form.section_id.data
                ),
            )
            _apply_structure(form, question)
            ctx.session.add(question)
            ctx.session.flush()
            _add_options(ctx, question, form)
            ctx.flash(_("The question is added."))
            return redirect(here(ctx, "manage") + f"#question-{question.id}")
    return _question_page(request, ctx, structure, form, None, status_code=form_status(request))


def _check_question(form: QuestionForm, question: Question | None, structure: Any) -> bool:
    ok = form.validate()
    qtype = question_types.get(form.kind.data)
    ok = qtype.check(form) and ok
    existing = len(structure.choices.get(question.id, [])) if question else 0
    if qtype.options and existing + len(_lines(form.new_options.data)) < 2:
        form.add_error("new_options", _("Give at least two options."))
        ok = False
    existing_rows = len(structure.rows.get(question.id, [])) if question else 0
    if qtype.rows and existing_rows + len(_lines(form.new_rows.data)) < 1:
        form.add_error("new_rows", _("Give at least one row."))
        ok = False
    if form.condition.data in (None, "None"):
        form.condition.data = ""
    if form.condition.data not in {value for value, _label in form.condition.choices}:
        form.add_error("condition", _("Choose an earlier choice question and one of its options."))
        ok = False
    return ok


def _apply_structure(form: QuestionForm, question: Question) -> None:
    qtype = question_types.get(form.kind.data)
    question.kind = qtype.key
    question.required = bool(form.required.data)
    # The settings of other types are reset; the type copies its own.
    question.min_choices = question.max_choices = None
    question.min_value = question.max_value = None
    question.scale_max = 5
    question.allow_other = bool(form.allow_other.data) and qtype.other
    qtype.configure(form, question)
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


def _add_options(ctx: Context, question: Question, form: QuestionForm) -> None:
    qtype = question_types.get(question.kind)
    if not qtype.options:
        return
    start = next_position(ctx.session, Option.position, Option.question_id == question.id)
    for i, label in enumerate(_lines(form.new_options.data)):
        ctx.session.add(
            Option(question_id=question.id, role=CHOICE, label=label, position=start + i)
        )
    if qtype.rows:
        for i, label in enumerate(_lines(form.new_rows.data)):
            ctx.session.add(
                Option(question_id=question.id, role=ROW, label=label, position=start + i)
            )


def _question(ctx: Context, question_id: int) -> Question:
    question = ctx.session.get(Question, question_id)
    if question is None or question.module_id != ctx.module.id:
        raise HTTPException(404)
    return question


@view
def question_edit(request: Request) -> Response:
    ctx = manage_ctx(request)
    structure = load_structure(ctx.session, ctx.module.id)
    question = _question(ctx, request.path_params["question"])
    if request.method != "POST":
        form = _question_form(ctx, structure, question)
        return _question_page(request, ctx, structure, form, question)
    locked = has_responses(ctx.session, ctx.module.id)
    action = (ctx.form or {}).get("action", "save")
    if action in ("up", "down"):
        move(ctx, Question, question, Question.section_id == question.section_id, action)
        return redirect(here(ctx, "manage") + f"#question-{question.id}")
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
        return redirect(here(ctx, "manage"))
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
        return redirect(here(ctx, "manage") + f"#question-{question.id}")
    removed = [o for o in options if not option_values[o.id]]
    kept_choices = len(structure.choices[question.id]) - sum(1 for o in removed if o.role == CHOICE)
    structure.choices[question.id] = structure.choices[question.id][:kept_choices]
    if not _check_question(form, question, structure):
        return _question_page(
            request, ctx, structure, form, question, option_values=option_values, status_code=400
        )
    qtype = question_types.get(form.kind.data)
    if not qtype.options:
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
    if not qtype.rows:
        for option in structure.rows[question.id]:
            if option not in removed:
                ctx.session.delete(option)
    question.section_id = form.section_id.data
    _apply_structure(form, question)
    ctx.session.flush()
    _add_options(ctx, question, form)
    ctx.flash(_("The question is saved."))
    return redirect(here(ctx, "manage") + f"#question-{question.id}")
