"""A town's branding from the administration: main and accent colours, logo and favicon, with
no theme to write. Colours become CSS custom properties served as a stylesheet (the CSP allows
no inline style); a colour that would make text unreadable is refused beside its field."""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from wtforms import BooleanField, FileField, StringField
from wtforms.validators import Optional, ValidationError

from parvis.context import Context, get_context
from parvis.forms import Form
from parvis.i18n import gettext as _
from parvis.i18n import lazy_gettext as _l
from parvis.models import Town
from parvis.rendering import form_status, redirect, render
from parvis.spaces.services import InvalidImage, store_image
from parvis.web import view

from .guards import town_admin

# Where the branding lives in ``Town.settings`` (plugin settings use plugin names as keys).
KEY = "_brand"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def brand(town: Town) -> dict[str, Any]:
    return dict((town.settings or {}).get(KEY) or {})


def _luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_with_white(hex_colour: str) -> float:
    return 1.05 / (_luminance(hex_colour) + 0.05)


def _colour(minimum: float, message: Any) -> Any:
    def check(form: Form, field: Any) -> None:
        value = (field.data or "").strip()
        if not value:
            return
        if not _HEX.match(value):
            raise ValidationError(
                _("Write the colour as # and six hexadecimal digits, e.g. #1d4ed8.")
            )
        if contrast_with_white(value) < minimum:
            raise ValidationError(str(message) % {"ratio": f"{contrast_with_white(value):.1f}"})

    return check


class BrandForm(Form):
    primary = StringField(
        _l("Main colour"),
        [
            Optional(),
            _colour(
                4.5,
                _l(
                    "Too light: white text on it would be hard to read "
                    "(contrast %(ratio)s:1, 4.5:1 at least)."
                ),
            ),
        ],
        description=_l("Buttons, links and the top border. Dark enough for white text on it."),
    )
    accent = StringField(
        _l("Accent colour"),
        [
            Optional(),
            _colour(3.0, _l("Too light to be seen on white (contrast %(ratio)s:1, 3:1 at least).")),
        ],
        description=_l("Illustrations and highlights."),
    )
    logo = FileField(_l("Logo"), description=_l("JPEG or PNG, shown beside the town's name."))
    favicon = FileField(
        _l("Favicon"), description=_l("A square JPEG or PNG, shown in the browser's tab.")
    )
    remove_logo = BooleanField(_l("Remove the logo"))


def _store(ctx: Context, form: BrandForm, name: str) -> int | None:
    upload = (ctx.form or {}).get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    try:
        return store_image(ctx.session, ctx.town, upload.file.read(), upload.filename).id
    except InvalidImage:
        form[name].errors = [_("This file is not an image we can read (JPEG or PNG).")]
        return None


@view(files=("logo", "favicon"))
def branding(request: Request) -> Response:
    ctx = town_admin(request)
    current = brand(ctx.town)
    if request.method == "POST":
        form = BrandForm.from_request(ctx.form)
    else:
        form = BrandForm(primary=current.get("primary", ""), accent=current.get("accent", ""))
    if request.method == "POST" and form.validate():
        logo = _store(ctx, form, "logo")
        favicon = _store(ctx, form, "favicon")
        if not form.errors:
            values = {k: v for k, v in current.items() if k in ("logo", "favicon")}
            values.update(
                primary=(form.primary.data or "").strip().lower(),
                accent=(form.accent.data or "").strip().lower(),
                version=int(current.get("version", 0)) + 1,
            )
            if logo:
                values["logo"] = logo
            if form.remove_logo.data:
                values.pop("logo", None)
            if favicon:
                values["favicon"] = favicon
            ctx.town.settings = {**(ctx.town.settings or {}), KEY: values}
            ctx.audit("town.branding", f"town:{ctx.town.id}", primary=values["primary"])
            ctx.flash(_("The branding is saved."))
            return redirect(ctx.url("admin:branding"))
    return render(
        request,
        "admin/branding.html",
        {"form": form, "brand": current},
        status_code=form_status(request),
    )


@view
def brand_css(request: Request) -> Response:
    """The town's colours as custom properties, overriding the theme's."""
    values = brand(get_context(request).town)
    lines = [
        f"  --color-{name}: {values[key]};"
        for key, name in (("primary", "primary"), ("accent", "accent"))
        if _HEX.match(str(values.get(key, "")))
    ]
    css = ":root {\n" + "\n".join(lines) + "\n}\n" if lines else ""
    return Response(
        css, media_type="text/css", headers={"cache-control": "public, max-age=31536000"}
    )


routes = [
    Route("/admin/branding", branding, methods=["GET", "POST"], name="admin:branding"),
    Route("/brand.css", brand_css, name="brand_css"),
]
