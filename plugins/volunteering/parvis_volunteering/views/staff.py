"""Town staff: the validation queue, decisions on associations (validate, refuse, suspend,
reinstate), and the town's lists of causes and skills."""

from __future__ import annotations

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis.api import redirect, render, slugify, town_areas, view

from .. import associations, terms
from ..forms import StaffDecisionForm, TermForm
from ..i18n import _
from ..models import PENDING, REFUSED, SUSPENDED, VALIDATED, Association, Term
from .common import STAFF, association_or_404, base_url, context

DECISIONS = {"validate": VALIDATED, "refuse": REFUSED, "suspend": SUSPENDED, "reinstate": VALIDATED}


def _queue_page(
    request: Request,
    form: StaffDecisionForm | None = None,
    failed: int | None = None,
    status: int = 200,
) -> Response:
    ctx = context(request)
    others = list(
        ctx.session.scalars(
            select(Association)
            .where(Association.town_id == ctx.town.id, Association.status != PENDING)
            .order_by(Association.name)
        )
    )
    area_names = {a.id: a.name for a in town_areas(ctx.session, ctx.town)}
    return render(
        request,
        "volunteering/staff.html",
        {
            "queue": associations.queue(ctx.session, ctx.town.id),
            "others": others,
            "area_names": area_names,
            "cause_labels": terms.labels(ctx.session, ctx.town.id, terms.CAUSE),
            "form": form or StaffDecisionForm(),
            "failed": failed,
        },
        status_code=status,
    )


@view
def queue(request: Request) -> Response:
    context(request).require(STAFF)
    return _queue_page(request)


@view
def decide(request: Request) -> Response:
    ctx = context(request)
    ctx.require(STAFF)
    association = association_or_404(ctx, request.path_params["association"])
    decision = request.path_params["decision"]
    if decision not in DECISIONS:
        raise HTTPException(404)
    form = StaffDecisionForm.from_request(ctx.form)
    valid = form.validate()
    if valid and decision in ("refuse", "suspend") and not (form.message.data or "").strip():
        form.add_error("message", _("Say why, so that the managers know what to change."))
    if not valid or form.errors:
        return _queue_page(request, form, association.id, 400)
    associations.decide(
        ctx.parvis,
        ctx.session,
        association,
        DECISIONS[decision],
        form.message.data or "",
        base_url(ctx),
    )
    ctx.audit(f"volunteering.{decision}", f"association:{association.id}")
    ctx.flash(_("Done: the managers are told by e-mail."))
    return redirect(ctx.url("volunteering:staff"))


def _terms_page(request: Request, form: TermForm | None = None, status: int = 200) -> Response:
    ctx = context(request)
    return render(
        request,
        "volunteering/terms.html",
        {
            "causes": terms.choices(ctx.session, ctx.town.id, terms.CAUSE, with_retired=True),
            "skills": terms.choices(ctx.session, ctx.town.id, terms.SKILL, with_retired=True),
            "form": form or TermForm(),
        },
        status_code=status,
    )


@view
def term_list(request: Request) -> Response:
    ctx = context(request)
    ctx.require(STAFF)
    if ctx.form is None:
        return _terms_page(request)
    form = TermForm.from_request(ctx.form)
    if not form.validate():
        return _terms_page(request, form, 400)
    key = slugify(form.label.data)[:40] or "term"
    existing = {
        t.key for t in terms.choices(ctx.session, ctx.town.id, form.kind.data, with_retired=True)
    }
    if key in existing:
        form.add_error("label", _("This list already has this term."))
        return _terms_page(request, form, 400)
    ctx.session.add(
        Term(town_id=ctx.town.id, kind=form.kind.data, key=key, label=form.label.data.strip())
    )
    ctx.audit("volunteering.term_add", f"{form.kind.data}:{key}")
    ctx.flash(_("The term is added."))
    return redirect(ctx.url("volunteering:terms"))


@view
def term_toggle(request: Request) -> Response:
    """Retire a term (kept on what already uses it, no longer offered) or bring it back."""
    ctx = context(request)
    ctx.require(STAFF)
    kind, key = request.path_params["kind"], request.path_params["key"][:40]
    known = (
        {t.key: t for t in terms.choices(ctx.session, ctx.town.id, kind, with_retired=True)}
        if kind in terms.DEFAULTS
        else {}
    )
    if key not in known:
        raise HTTPException(404)
    row = ctx.session.scalar(
        select(Term).where(Term.town_id == ctx.town.id, Term.kind == kind, Term.key == key)
    )
    if row is None:
        row = Term(town_id=ctx.town.id, kind=kind, key=key, label="")
        ctx.session.add(row)
    row.retired = not known[key].retired
    ctx.audit("volunteering.term_toggle", f"{kind}:{key}", retired=row.retired)
    return redirect(ctx.url("volunteering:terms"))


routes = [
    Route("/staff", queue, name="staff"),
    Route(
        "/staff/associations/{association:int}/{decision}", decide, methods=["POST"], name="decide"
    ),
    Route("/staff/terms", term_list, methods=["GET", "POST"], name="terms"),
    Route("/staff/terms/{kind}/{key}", term_toggle, methods=["POST"], name="term_toggle"),
]
