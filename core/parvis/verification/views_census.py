"""Staff pages of the census list: upload, column mapping, import progress, purge."""

from __future__ import annotations

from sqlalchemy import func, select
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis.context import Context
from parvis.i18n import gettext as _
from parvis.jobs import enqueue
from parvis.models import Area
from parvis.rendering import form_status, redirect, render
from parvis.verification import census_file as cf
from parvis.verification.census_messages import readable
from parvis.verification.forms import MappingForm, UploadForm
from parvis.verification.models import CensusEntry, CensusImport
from parvis.verification.privacy import purge_census
from parvis.verification.records import normalise
from parvis.verification.views_staff import staff
from parvis.web import view

CENSUS_JOB = "verification.census_import"
MAX_CSV_BYTES = 10 * 1024 * 1024


def _import(ctx: Context) -> CensusImport:
    imp = ctx.session.scalar(
        select(CensusImport).where(
            CensusImport.id == ctx.request.path_params["import_id"],
            CensusImport.town_id == ctx.town.id,
        )
    )
    if imp is None:
        raise HTTPException(404)
    return imp


@view(files=("file",))
def imports(request: Request) -> Response:
    ctx = staff(request)
    form = UploadForm.from_request(ctx.form)
    if request.method == "POST":
        upload = ctx.form.get("file") if ctx.form else None
        if not isinstance(upload, UploadFile) or not upload.filename:
            form.add_error("file", _("Choose the CSV file of the list."))
        else:
            data = upload.file.read(MAX_CSV_BYTES + 1)
            try:
                if len(data) > MAX_CSV_BYTES:
                    raise cf.CensusFileError(_("The file is larger than 10 MB."))
                layout = cf.sniff(data)
            except cf.CensusFileError as exc:
                form.add_error("file", str(exc))
            else:
                imp = CensusImport(
                    town_id=ctx.town.id,
                    created_by=ctx.actor.id,
                    filename=upload.filename[:200],
                    data=data,
                    encoding=layout.encoding,
                    delimiter=layout.delimiter,
                    total_rows=cf.count_rows(data),
                )
                ctx.session.add(imp)
                ctx.session.flush()
                ctx.audit("verification.census_upload", f"census:{imp.id}", rows=imp.total_rows)
                return redirect(ctx.url("verification:census_mapping", import_id=imp.id))
    history = ctx.session.scalars(
        select(CensusImport)
        .where(CensusImport.town_id == ctx.town.id)
        .order_by(CensusImport.id.desc())
        .limit(20)
    ).all()
    counts = ctx.session.execute(
        select(func.count(CensusEntry.id), func.count(CensusEntry.purged_at)).where(
            CensusEntry.town_id == ctx.town.id
        )
    ).one()
    return render(
        request,
        "verification/census_imports.html",
        {"form": form, "history": history, "listed": counts[0], "purged": counts[1]},
        status_code=400 if form.errors else 200,
    )


def _postcodes(ctx: Context, text: str, form: MappingForm) -> dict[str, int] | None:
    """'44100 = Centre-ville' lines as {postcode: area id}; None after an error."""
    areas = {
        normalise(name): area_id
        for area_id, name in ctx.session.execute(
            select(Area.id, Area.name).where(Area.town_id == ctx.town.id)
        )
    }
    found: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        code, sep, name = line.partition("=")
        area_id = areas.get(normalise(name))
        if not sep or not cf.clean_postcode(code) or area_id is None:
            form.add_error(
                "postcodes",
                _(
                    "Line %(line)d: write a postcode, “=”, then a neighbourhood's name.",
                    line=number,
                ),
            )
            return None
        found[cf.clean_postcode(code)] = area_id
    return found


@view
def mapping(request: Request) -> Response:
    ctx = staff(request)
    imp = _import(ctx)
    if imp.status != "uploaded" or imp.data is None:
        return redirect(ctx.url("verification:census_import", import_id=imp.id))
    layout = cf.sniff(imp.data)
    choices = [("", _("Not in the file"))] + [
        (str(i), name or _("Column %(number)d", number=i + 1))
        for i, name in enumerate(layout.header)
    ]
    guessed = cf.guess_mapping(layout.header)
    if request.method == "POST":
        form = MappingForm.from_request(ctx.form)
    else:
        form = MappingForm(**{k: str(v) for k, v in guessed.items()})
    for name in cf.FIELDS:
        form[name].choices = choices
    if request.method == "POST" and form.validate():
        chosen = {name: int(form[name].data) for name in cf.FIELDS if form[name].data}
        if len(set(chosen.values())) < len(chosen):
            form.add_error("family_name", _("Each column can hold only one field."))
        postcodes = _postcodes(ctx, form.postcodes.data or "", form)
        if postcodes and "postcode" not in chosen:
            form.add_error("postcode", _("Choose the postcode column to use the postcode list."))
        if not form.errors and postcodes is not None:
            imp.mapping = {**chosen, "postcodes": postcodes}
            imp.status = "queued"
            ctx.audit("verification.census_start", f"census:{imp.id}", columns=sorted(chosen))
            enqueue(
                ctx.session,
                CENSUS_JOB,
                {"import": imp.id},
                town_id=ctx.town.id,
                dedupe_key=f"{CENSUS_JOB}:{imp.id}",
            )
            return redirect(ctx.url("verification:census_import", import_id=imp.id))
    return render(
        request,
        "verification/census_mapping.html",
        {"form": form, "imp": imp, "layout": layout, "fields": cf.FIELDS},
        status_code=form_status(request) if not form.errors else 400,
    )


@view
def progress(request: Request) -> Response:
    ctx = staff(request)
    imp = _import(ctx)
    return render(
        request,
        "verification/census_progress.html",
        {"imp": imp, "errors": readable(imp.errors or [])},
    )


@view
def purge(request: Request) -> Response:
    ctx = staff(request)
    count = purge_census(ctx.session, ctx.town.id)
    ctx.audit("verification.census_purge", "", entries=count)
    ctx.flash(_("Names and addresses of the list are deleted; the person keys stay."))
    return redirect(ctx.url("verification:census_imports"))


routes = [
    Route(
        "/admin/verification/census",
        imports,
        methods=["GET", "POST"],
        name="verification:census_imports",
    ),
    Route(
        "/admin/verification/census/{import_id:int}/mapping",
        mapping,
        methods=["GET", "POST"],
        name="verification:census_mapping",
    ),
    Route(
        "/admin/verification/census/{import_id:int}",
        progress,
        name="verification:census_import",
    ),
    Route(
        "/admin/verification/census/purge",
        purge,
        methods=["POST"],
        name="verification:census_purge",
    ),
]
