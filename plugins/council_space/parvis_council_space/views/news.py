"""A council's news: publishing, reading, editing and deleting a news item."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from parvis.api import Context, Space, form_status, redirect, render, utcnow, view

from .. import digest
from ..forms import NewsForm
from ..i18n import _
from ..models import NewsItem
from .council import confirm_page, council_context, manage_page


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
    digest.record_digest(
        ctx.session,
        space,
        "news",
        item.title,
        ctx.url("council_space:news", space=space.slug, news=item.id),
        target=f"news:{item.id}",
    )
    ctx.audit("council_space.news_add", f"news:{item.id}")
    ctx.flash(_("The news item is published."))
    return redirect(ctx.url("council_space:manage", space=space.slug))


@view
def news_page(request: Request) -> Response:
    ctx, space = council_context(request)
    item = ctx.session.scalar(
        select(NewsItem).where(
            NewsItem.id == request.path_params["news"], NewsItem.space_id == space.id
        )
    )
    if item is None:
        raise HTTPException(404)
    return render(
        request,
        "council_space/news.html",
        {"space": space, "item": item, "can_manage": ctx.can("council_space.manage", space)},
    )


def _news_or_404(ctx: Context, space: Space, news_id: Any) -> NewsItem:
    item = ctx.session.scalar(
        select(NewsItem).where(NewsItem.id == news_id, NewsItem.space_id == space.id)
    )
    if item is None:
        raise HTTPException(404)
    return item


@view
def news_edit(request: Request) -> Response:
    ctx, space = council_context(request)
    ctx.require("council_space.manage", space)
    item = _news_or_404(ctx, space, request.path_params["news"])
    if request.method == "POST":
        form = NewsForm.from_request(ctx.form)
        if form.validate():
            item.title = form.title.data.strip()
            item.body = form.body.data.strip()
            digest.retitle_digest(ctx.session, f"news:{item.id}", item.title)
            ctx.audit(
                "council_space.news_edit",
                f"news:{item.id}",
                title=item.title,
            )
            ctx.flash(_("The news item is saved."))
            return redirect(ctx.url("council_space:news", space=space.slug, news=item.id))
    else:
        form = NewsForm(title=item.title, body=item.body)
    return render(
        request,
        "council_space/edit.html",
        {
            "space": space,
            "kind": "news",
            "item": item,
            "form": form,
            "action": ctx.url("council_space:news_edit", space=space.slug, news=item.id),
            "back": ctx.url("council_space:news", space=space.slug, news=item.id),
        },
        status_code=form_status(request),
    )


@view
def news_delete(request: Request) -> Response:
    ctx, space = council_context(request)
    ctx.require("council_space.manage", space)
    item = _news_or_404(ctx, space, request.path_params["news"])
    if request.method == "POST":
        digest.withdraw_digest(ctx.session, f"news:{item.id}")
        ctx.audit(
            "council_space.news_delete",
            f"news:{item.id}",
            title=item.title,
        )
        ctx.session.delete(item)
        ctx.flash(_("The news item is deleted."))
        return redirect(ctx.url("council_space:manage", space=space.slug))
    return confirm_page(
        ctx,
        space,
        _("Delete the news item “%(title)s”?", title=item.title),
        ctx.url("council_space:news_delete", space=space.slug, news=item.id),
        ctx.url("council_space:news", space=space.slug, news=item.id),
    )
