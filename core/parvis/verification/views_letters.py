"""Staff pages of letter codes: make a batch, download it for a mail merge or to print."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from parvis.context import Context
from parvis.forms import parse_int
from parvis.i18n import format_date
from parvis.i18n import gettext as _
from parvis.rendering import form_status, redirect, render
from parvis.verification import letters as service
from parvis.verification.forms import LetterBatchForm
from parvis.verification.views_staff import staff
from parvis.web import view

SHEET_PAGE = 200


@view
def index(request: Request) -> Response:
    ctx = staff(request)
    form = LetterBatchForm.from_request(ctx.form)
    if request.method == "POST" and form.validate():
        batch, made = service.generate(
            ctx.session, ctx.parvis.config.secret_key, ctx.town.id, form.days.data
        )
        ctx.audit("verification.letters_generate", f"letters:{batch}", codes=made)
        if made:
            ctx.flash(_("%(count)s codes are ready to download.", count=made))
        else:
            ctx.flash(_("Everyone on the list already has a valid code or a verification."), "info")
        return redirect(ctx.url("verification:letters"))
    return render(
        request,
        "verification/letters.html",
        {"form": form, "batches": service.batches(ctx.session, ctx.town.id)},
        status_code=form_status(request),
    )


def _batch(request: Request) -> int:
    return int(request.path_params["batch"])


def _csv_lines(ctx: Context, batch: int) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    # The BOM lets spreadsheet software read the accents right.
    writer.writerow(
        [
            "\ufeff" + _("Family name"),
            _("Given names"),
            _("Address"),
            _("Postcode"),
            _("Neighbourhood"),
            _("Code"),
            _("Valid until"),
            _("Web address"),
        ]
    )
    link = ctx.base_url + ctx.url("verification:letter")
    for letter in service.letters(ctx.session, ctx.parvis.config.secret_key, ctx.town.id, batch):
        writer.writerow(
            [
                letter.family_name,
                letter.given_names,
                letter.address,
                letter.postcode,
                letter.area,
                letter.code,
                format_date(letter.expires_at, "short"),
                link,
            ]
        )
        if out.tell() > 64 * 1024:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


@view
def download(request: Request) -> Response:
    ctx = staff(request)
    batch = _batch(request)
    ctx.audit("verification.letters_download", f"letters:{batch}")
    body = "".join(_csv_lines(ctx, batch))
    return Response(
        body.encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="letter-codes-{batch}.csv"',
            "Cache-Control": "no-store",
        },
    )


@view
def sheet(request: Request) -> Response:
    ctx = staff(request)
    batch = _batch(request)
    raw_page = request.query_params.get("page", "1")
    page = max(parse_int(raw_page, digits=6) or 1, 1)
    rows = list(
        service.letters(
            ctx.session,
            ctx.parvis.config.secret_key,
            ctx.town.id,
            batch,
            offset=(page - 1) * SHEET_PAGE,
            limit=SHEET_PAGE + 1,
        )
    )
    ctx.audit("verification.letters_print", f"letters:{batch}", page=page)
    return render(
        request,
        "verification/letters_sheet.html",
        {
            "batch": batch,
            "letters": rows[:SHEET_PAGE],
            "page": page,
            "more": len(rows) > SHEET_PAGE,
            "link": ctx.base_url + ctx.url("verification:letter"),
        },
        headers={"Cache-Control": "no-store"},
    )


routes = [
    Route(
        "/admin/verification/letters",
        index,
        methods=["GET", "POST"],
        name="verification:letters",
    ),
    Route(
        "/admin/verification/letters/{batch:int}.csv",
        download,
        name="verification:letters_csv",
    ),
    Route(
        "/admin/verification/letters/{batch:int}/sheet",
        sheet,
        name="verification:letters_sheet",
    ),
]
