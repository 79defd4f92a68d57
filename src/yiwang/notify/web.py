"""Server-rendered pages of the notify context: the message centre and, for platform staff, the outbox."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from yiwang.identity.errors import PermissionDeniedError
from yiwang.kernel.errors import ConflictError, NotFoundError, ValidationError
from yiwang.notify import services
from yiwang.notify.catalog import Channel, OutboxStatus
from yiwang.web.deps import ActorDep, SessionDep, TemplatesDep

router = APIRouter(tags=["pages"])


@router.get("/messages", response_class=HTMLResponse, summary="消息中心")
def messages_page(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    unread: Annotated[str | None, Query(max_length=1)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """The actor's messages (own and department inbox) with the unread count and mark-read buttons."""
    result = services.list_messages(session, actor=actor, unread_only=unread == "1", page=page, page_size=20)
    return templates.TemplateResponse(
        request,
        "notify/messages.html",
        {"result": result, "unread_only": unread == "1", "actor": actor, "done": request.query_params.get("done")},
    )


@router.post("/messages/read-all", summary="全部标为已读（页面）")
def messages_read_all(session: SessionDep, actor: ActorDep) -> Response:
    """Mark everything read, then show the list again (Post/Redirect/Get)."""
    changed = services.mark_all_read(session, actor=actor)
    return RedirectResponse(f"/messages?done=read-all-{changed}", status_code=303)


@router.post("/messages/{message_id}/read", summary="标为已读（页面）")
def messages_read(message_id: int, session: SessionDep, actor: ActorDep) -> Response:
    """Mark one message read and return to the list."""
    services.mark_read(session, actor=actor, message_id=message_id)
    return RedirectResponse(f"/messages#message-{message_id}", status_code=303)


@router.get("/notify/outbox", response_class=HTMLResponse, summary="发送队列页面")
def outbox_page(
    *,
    request: Request,
    session: SessionDep,
    templates: TemplatesDep,
    actor: ActorDep,
    status: Annotated[str | None, Query(max_length=8)] = None,
    channel: Annotated[str | None, Query(max_length=8)] = None,
    template: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """The outbox with status counts and filters (platform staff only)."""
    context: dict[str, object] = {
        "statuses": list(OutboxStatus),
        "channels": list(Channel),
        "filters": {"status": status or "", "channel": channel or "", "template": template or ""},
        "done": request.query_params.get("done"),
        "templates": services.list_templates(session),
    }
    try:
        context["result"] = services.list_outbox(
            session,
            actor=actor,
            status=status or None,
            channel=channel or None,
            template_key=template or None,
            page=page,
            page_size=50,
        )
    except (PermissionDeniedError, ValidationError) as error:
        context["error"] = error.message
        return templates.TemplateResponse(request, "notify/outbox.html", context, status_code=error.status_code)
    return templates.TemplateResponse(request, "notify/outbox.html", context)


@router.post("/notify/outbox/{outbox_id}/requeue", summary="重新发送（页面）")
def outbox_requeue(outbox_id: int, session: SessionDep, actor: ActorDep) -> Response:
    """Requeue a dead message and return to the outbox."""
    try:
        services.requeue(session, actor=actor, outbox_id=outbox_id)
    except (ConflictError, NotFoundError) as error:
        session.rollback()
        return RedirectResponse(f"/notify/outbox?done=error-{error.code}", status_code=303)
    return RedirectResponse(f"/notify/outbox?done=requeued-{outbox_id}", status_code=303)


@router.get("/notify/templates", response_class=HTMLResponse, summary="通知模板页面")
def templates_page(request: Request, session: SessionDep, templates: TemplatesDep) -> Response:
    """Every template's current text per channel, with the variables it needs."""
    return templates.TemplateResponse(request, "notify/templates.html", {"items": services.list_templates(session)})
