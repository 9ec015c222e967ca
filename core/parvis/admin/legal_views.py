"""Administration: the town's privacy policy and legal notice (linked from every page and from
the sign-up form). A new version of the privacy policy asks every resident to accept it again."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length, Optional

from parvis.accounts.legal import KEY, legal_texts
from parvis.admin.guards import town_admin
from parvis.forms import Form
from parvis.i18n import gettext as _
from parvis.i18n import lazy_gettext as _l
from parvis.rendering import form_status, redirect, render
from parvis.web import view


class LegalForm(Form):
    privacy = TextAreaField(
        _l("Privacy policy"),
        [Optional(), Length(max=100000)],
        description=_l(
            "Markdown. What personal data the site keeps, why, for how long, and how residents "
            "exercise their rights."
        ),
    )
    minor = BooleanField(
        _l("Minor correction (spelling, layout): do not ask residents to accept it again")
    )
    notice = TextAreaField(
        _l("Legal notice"),
        [Optional(), Length(max=100000)],
        description=_l("Markdown. Who publishes the site, who hosts it, how to reach them."),
    )


@view
def legal(request: Request) -> Response:
    ctx = town_admin(request)
    texts = legal_texts(ctx.town)
    if request.method == "POST":
        form = LegalForm.from_request(ctx.form)
    else:
        form = LegalForm(privacy=texts["privacy"], notice=texts["notice"])
    if request.method == "POST" and form.validate():
        privacy = (form.privacy.data or "").strip()
        version = texts["version"]
        changed = privacy != texts["privacy"]
        if privacy and changed and not (form.minor.data and version):
            version += 1
        values = {
            "privacy": privacy,
            "notice": (form.notice.data or "").strip(),
            "version": version,
        }
        ctx.town.settings = {**(ctx.town.settings or {}), KEY: values}
        ctx.audit("town.legal", f"town:{ctx.town.id}", version=version)
        if version != texts["version"]:
            ctx.flash(
                _(
                    "Version %(num)s of the privacy policy is published: residents will be asked "
                    "to accept it.",
                    num=version,
                )
            )
        else:
            ctx.flash(_("The legal pages are saved."))
        return redirect(ctx.url("admin:legal"))
    return render(
        request,
        "admin/legal.html",
        {"form": form, "version": texts["version"]},
        status_code=form_status(request),
    )
