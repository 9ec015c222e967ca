"""The builder's page: settings, sections, and publishing the decision."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from parvis.api import Context, Event, emit, redirect, render, utcnow, view
from parvis_consultation.decision import DECISION_PUBLISHED
from parvis_consultation.forms import DecisionForm, SectionForm, SettingsForm
from parvis_consultation.i18n import _
from parvis_consultation.models import Section
from parvis_consultation.structure import (
    Structure,
    has_responses,
    load_structure,
    next_position,
    saved_survey,
)
from parvis_consultation.views.common import here, kind_labels, manage_ctx, to_local, to_utc


def _manage_page(
    request: Request,
    ctx: Context,
    structure: Structure,
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
            opens_at=to_local(ctx, survey.opens_at),
            closes_at=to_local(ctx, survey.closes_at),
            allow_anonymous=survey.allow_anonymous,
            results_visibility=survey.results_visibility,
            poll_results=survey.poll_results,
            show_on_home=survey.show_on_home,
        )
    locked = has_responses(ctx.session, ctx.module.id)
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
            "kinds": kind_labels(),
            "is_poll": ctx.module.type == "poll",
        },
        status_code=status_code,
    )


@view
def manage(request: Request) -> Response:
    ctx = manage_ctx(request)
    structure = load_structure(ctx.session, ctx.module.id)
    return _manage_page(request, ctx, structure)


@view
def manage_settings(request: Request) -> Response:
    ctx = manage_ctx(request)
    form = SettingsForm.from_request(ctx.form)
    structure = load_structure(ctx.session, ctx.module.id)
    if form.validate():
        opens, closes = to_utc(ctx, form.opens_at.data), to_utc(ctx, form.closes_at.data)
        if opens and closes and closes <= opens:
            form.add_error("closes_at", _("The closing date must come after the opening date."))
    if form.errors:
        return _manage_page(request, ctx, structure, settings_form=form, status_code=400)
    survey = saved_survey(ctx.session, ctx.module.id)
    survey.intro = form.intro.data or ""
    survey.opens_at, survey.closes_at = opens, closes
    survey.allow_anonymous = bool(form.allow_anonymous.data)
    survey.results_visibility = form.results_visibility.data
    survey.poll_results = form.poll_results.data
    survey.show_on_home = bool(form.show_on_home.data)
    ctx.flash(_("The settings are saved."))
    return redirect(here(ctx, "manage"))


@view
def section_add(request: Request) -> Response:
    ctx = manage_ctx(request)
    form = SectionForm.from_request(ctx.form)
    structure = load_structure(ctx.session, ctx.module.id)
    if has_responses(ctx.session, ctx.module.id):
        raise HTTPException(400, _("People have answered: sections can no longer be added."))
    if not form.validate():
        return _manage_page(request, ctx, structure, section_form=form, status_code=400)
    add_section(ctx, form.title.data.strip(), form.description.data or "")
    ctx.flash(_("The section is added."))
    return redirect(here(ctx, "manage"))


def add_section(ctx: Context, title: str, description: str = "") -> Section:
    section = Section(
        module_id=ctx.module.id,
        title=title,
        description=description,
        position=next_position(ctx.session, Section.position, Section.module_id == ctx.module.id),
    )
    ctx.session.add(section)
    ctx.session.flush()
    return section


def _section(ctx: Context, section_id: int) -> Section:
    section = ctx.session.get(Section, section_id)
    if section is None or section.module_id != ctx.module.id:
        raise HTTPException(404)
    return section


@view
def section_edit(request: Request) -> Response:
    ctx = manage_ctx(request)
    section = _section(ctx, request.path_params["section"])
    form = ctx.form or {}
    action = form.get("action", "save")
    locked = has_responses(ctx.session, ctx.module.id)
    if action == "delete":
        if locked:
            raise HTTPException(400, _("People have answered: sections can no longer be deleted."))
        ctx.session.delete(section)
        ctx.flash(_("The section is deleted."))
    elif action in ("up", "down"):
        move(ctx, Section, section, Section.module_id == ctx.module.id, action)
    else:
        sform = SectionForm.from_request(ctx.form)
        if not sform.validate():
            structure = load_structure(ctx.session, ctx.module.id)
            return _manage_page(request, ctx, structure, section_form=sform, status_code=400)
        section.title = sform.title.data.strip()
        section.description = sform.description.data or ""
        ctx.flash(_("The section is saved."))
    return redirect(here(ctx, "manage"))


def move(ctx: Context, model: Any, item: Any, scope: Any, direction: str) -> None:
    siblings = list(
        ctx.session.scalars(select(model).where(scope).order_by(model.position, model.id))
    )
    i = siblings.index(item)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(siblings):
        siblings[i], siblings[j] = siblings[j], siblings[i]
    for position, sibling in enumerate(siblings, start=1):
        sibling.position = position


@view
def publish_decision(request: Request) -> Response:
    ctx = manage_ctx(request)
    form = DecisionForm.from_request(ctx.form)
    structure = load_structure(ctx.session, ctx.module.id)
    valid = form.validate()
    if valid and ctx.module.phase not in ("closed", "decided"):
        # A decision taken while answers still arrive would ignore some of them.
        form.decision.errors = [
            _("The consultation is still open: close it before publishing the decision.")
        ]
        valid = False
    if not valid:
        return _manage_page(request, ctx, structure, decision_form=form, status_code=400)
    survey = saved_survey(ctx.session, ctx.module.id)
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
                DECISION_PUBLISHED,
                ctx.town.id,
                ctx.actor.id,
                ctx.space.id,
                {
                    "module_id": ctx.module.id,
                    # Never the request's own Host header: a forged one would put another
                    # domain in the e-mail sent to every follower.
                    "url": ctx.base_url + here(ctx),
                },
            ),
        )
        ctx.flash(_("The decision is published; followers of the space are notified by e-mail."))
    else:
        ctx.flash(_("The decision is updated."))
    return redirect(here(ctx))
