"""The call's settings page, and the Pabulib (.pb) export and import it offers."""

from __future__ import annotations

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from parvis.api import Context, get_context, redirect, render, view

from .. import common, pb
from ..config import CallConfig
from ..forms import CallSettingsForm, ImportForm
from ..i18n import _
from .call import call_context, call_url, page_context


@view
def settings(request: Request) -> Response:
    ctx = call_context(request)
    ctx.require("council_space.manage", ctx.space, ctx.module)
    config = CallConfig.of(ctx.module)
    if request.method == "POST":
        form = CallSettingsForm.from_request(ctx.form)
        if form.validate():
            for name in CallConfig.__dataclass_fields__:
                setattr(config, name, getattr(form, name).data)
            config.criteria = config.criteria or ""
            config.save(ctx.module)
            ctx.audit(
                "council_space.settings",
                f"module:{ctx.module.id}",
                **{k: v for k, v in config.as_dict().items() if k != "criteria"},
            )
            ctx.flash(_("The settings of the call are saved."))
            return redirect(call_url(ctx, "settings"))
    else:
        form = settings_form(ctx)
    return render(
        request,
        "council_space/settings.html",
        {**page_context(ctx), "form": form, "import_form": ImportForm()},
        status_code=400 if form.errors else 200,
    )


def settings_form(ctx: Context) -> CallSettingsForm:
    return CallSettingsForm(**CallConfig.of(ctx.module).as_dict())


@view
def export(request: Request) -> Response:
    """Anyone may download a call's election once the vote is over (staff at any time)."""
    ctx = get_context(request)
    assert ctx.space is not None and ctx.module is not None
    if ctx.module.phase not in ("results", "follow_up"):
        ctx.require("council_space.manage", ctx.space, ctx.module)
    text = pb.export_call(ctx.session, ctx.town, ctx.space, ctx.module)
    filename = f"{ctx.space.slug}-{ctx.module.slug}.pb"
    return Response(
        text.encode("utf-8"),
        media_type="text/plain; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )


@view(files=("file",))
def import_pb(request: Request) -> Response:
    ctx = get_context(request)
    assert ctx.space is not None and ctx.module is not None
    ctx.require("council_space.manage", ctx.space, ctx.module)
    form = ImportForm.from_request(ctx.form)
    upload = ctx.form.get("file") if ctx.form else None
    if not (isinstance(upload, UploadFile) and upload.filename):
        form.add_error("file", _("Choose a .pb file."))
    else:
        raw = upload.file.read()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            form.add_error("file", _("The file must be UTF-8 text."))
        else:
            try:
                projects, ballots = pb.import_call(
                    ctx.session, ctx.town, ctx.space, ctx.module, text
                )
            except common.ServiceError as exc:
                form.add_error("file", exc.message)
            else:
                ctx.audit(
                    "council_space.import",
                    f"module:{ctx.module.id}",
                    projects=projects,
                    ballots=ballots,
                )
                ctx.flash(
                    _(
                        "Imported %(projects)s projects and %(ballots)s ballots.",
                        projects=projects,
                        ballots=ballots,
                    )
                )
                return redirect(ctx.module_url(ctx.module, ctx.space, "index"))
    return render(
        request,
        "council_space/settings.html",
        {**page_context(ctx), "form": settings_form(ctx), "import_form": form},
        status_code=400,
    )
