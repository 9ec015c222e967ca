"""A council's news: publishing, reading, editing and deleting a news item."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from parvis.api import redirect, render, utcnow, view

from ..forms import NewsForm
from ..i18n import _
from ..models import NewsItem
from . import items
from .council import council_context, manage_page


@view
def news_add(request: Request) -> Response:
    ctx, space = council_context(request)
    ctx.require("council_space.manage", space)
    form = NewsForm.from_request(ctx.form)
    if not form.validate():
        return manage_page(ctx, space, news_form=form, status_code=400)
    item = NewsItem(
        space_id=space.id,
        author_id=ctx.actor.id,
        title=form.title.data.strip(),
        body=form.body.data.strip(),
        published_at=utcnow(),
    )
    ctx.session.add(item)
    ctx.session.flush()
    items.record_publication(ctx, space, "news", item)
    return items.back_to_manage(ctx, space, _("The news item is published."))


@view
def news_page(request: Request) -> Response:
    ctx, space = council_context(request)
    item = items.get_or_404(ctx, space, NewsItem, request.path_params["news"])
    return render(
        request,
        "council_space/news.html",
        {"space": space, "item": item, "can_manage": ctx.can("council_space.manage", space)},
    )


@view
def news_edit(request: Request) -> Response:
    ctx, space, item = items.to_change(request, "news", NewsItem)
    if request.method == "POST":
        form = NewsForm.from_request(ctx.form)
        if form.validate():
            item.title = form.title.data.strip()
            item.body = form.body.data.strip()
            items.record_edit(ctx, "news", item)
            ctx.flash(_("The news item is saved."))
            return redirect(items.url(ctx, space, "news", item.id))
    else:
        form = NewsForm(title=item.title, body=item.body)
    return items.edit_page(ctx, space, "news", item, form)


@view
def news_delete(request: Request) -> Response:
    ctx, space, item = items.to_change(request, "news", NewsItem)
    if request.method == "POST":
        items.record_deletion(ctx, "news", item)
        ctx.session.delete(item)
        return items.back_to_manage(ctx, space, _("The news item is deleted."))
    return items.confirm_delete_page(
        ctx, space, "news", item, _("Delete the news item “%(title)s”?", title=item.title)
    )
