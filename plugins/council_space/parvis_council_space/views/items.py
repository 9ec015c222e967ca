"""What a council's news items and meetings share: their lookup in the space, their addresses,
the edit and delete-confirmation pages, and the trail (digest entry, audit) each change leaves.

``kind`` is "news" or "meeting": it names the item's routes (``council_space:<kind>``,
``<kind>_edit``, ``<kind>_delete``), their path parameter, the digest target and audit actions.
"""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from parvis.api import Context, Space, form_status, redirect, render

from .. import digest
from ..models import Meeting, NewsItem
from .council import council_context

Kind = Literal["news", "meeting"]
Item = TypeVar("Item", NewsItem, Meeting)


def get_or_404(ctx: Context, space: Space, model: type[Item], item_id: Any) -> Item:
    """The news item or meeting of this space with this id; 404 for one of another space."""
    item = ctx.session.scalar(select(model).where(model.id == item_id, model.space_id == space.id))
    if item is None:
        raise HTTPException(404)
    return item


def to_change(request: Request, kind: Kind, model: type[Item]) -> tuple[Context, Space, Item]:
    """For a change to an item: the context, the council space (whose manage permission the
    actor must hold) and the item named in the path."""
    ctx, space = council_context(request)
    ctx.require("council_space.manage", space)
    return ctx, space, get_or_404(ctx, space, model, request.path_params[kind])


def url(ctx: Context, space: Space, kind: Kind, item_id: int, action: str = "") -> str:
    """The item's page, or with ``action`` ("_edit", "_delete") the address of that action."""
    return ctx.url(f"council_space:{kind}{action}", space=space.slug, **{kind: item_id})


def record_publication(ctx: Context, space: Space, kind: Kind, item: NewsItem | Meeting) -> None:
    """A new item: announced in the next digest and noted in the audit trail."""
    target = f"{kind}:{item.id}"
    page = url(ctx, space, kind, item.id)
    digest.record_digest(ctx.session, space, kind, item.title, page, target=target)
    ctx.audit(f"council_space.{kind}_add", target)


def record_edit(ctx: Context, kind: Kind, item: NewsItem | Meeting) -> None:
    """An edited item: its digest entries take the new title and the audit trail notes it."""
    target = f"{kind}:{item.id}"
    digest.retitle_digest(ctx.session, target, item.title)
    ctx.audit(f"council_space.{kind}_edit", target, title=item.title)


def record_deletion(ctx: Context, kind: Kind, item: NewsItem | Meeting) -> None:
    """An item about to be deleted: no later digest mails it, the audit trail keeps its title."""
    target = f"{kind}:{item.id}"
    digest.withdraw_digest(ctx.session, target)
    ctx.audit(f"council_space.{kind}_delete", target, title=item.title)


def back_to_manage(ctx: Context, space: Space, message: str) -> Response:
    """After an item is published or deleted: the manage page, with ``message`` flashed."""
    ctx.flash(message)
    return redirect(ctx.url("council_space:manage", space=space.slug))


def edit_page(
    ctx: Context, space: Space, kind: Kind, item: NewsItem | Meeting, form: Any
) -> Response:
    """The item's edit form (400 when a posted form was rejected)."""
    return render(
        ctx.request,
        "council_space/edit.html",
        {
            "space": space,
            "kind": kind,
            "item": item,
            "form": form,
            "action": url(ctx, space, kind, item.id, "_edit"),
            "back": url(ctx, space, kind, item.id),
        },
        status_code=form_status(ctx.request),
    )


def confirm_delete_page(
    ctx: Context, space: Space, kind: Kind, item: NewsItem | Meeting, question: str
) -> Response:
    """Ask ``question`` before deleting the item; the page posts back to the delete action."""
    return render(
        ctx.request,
        "council_space/confirm_delete.html",
        {
            "space": space,
            "question": question,
            "action": url(ctx, space, kind, item.id, "_delete"),
            "back": url(ctx, space, kind, item.id),
        },
    )
