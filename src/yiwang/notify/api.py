"""HTTP JSON API of the notify context: the caller's messages, the outbox (platform staff) and templates."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from yiwang.notify import services
from yiwang.notify.schemas import (
    MessagePage,
    MessageRead,
    OutboxPage,
    OutboxRead,
    PreviewRead,
    PreviewRequest,
    TemplatePublish,
    TemplateRead,
    UnreadCount,
)
from yiwang.web.deps import ActorDep, SessionDep

router = APIRouter(prefix="/api/notify", tags=["notify"])


@router.get("/messages", summary="我的消息")
def list_messages(
    *,
    session: SessionDep,
    actor: ActorDep,
    unread_only: bool = False,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=services.MAX_PAGE_SIZE)] = 20,
) -> MessagePage:
    """The caller's message centre (own and department inbox), newest first."""
    return services.list_messages(session, actor=actor, unread_only=unread_only, page=page, page_size=page_size)


@router.get("/messages/unread-count", summary="未读消息数")
def unread_count(session: SessionDep, actor: ActorDep) -> UnreadCount:
    """How many of the caller's messages are unread."""
    return UnreadCount(unread=services.unread_count(session, actor=actor))


@router.post("/messages/read-all", summary="全部标为已读")
def mark_all_read(session: SessionDep, actor: ActorDep) -> dict[str, int]:
    """Mark every unread message of the caller read."""
    return {"changed": services.mark_all_read(session, actor=actor)}


@router.post("/messages/{message_id}/read", summary="标为已读")
def mark_read(message_id: int, session: SessionDep, actor: ActorDep) -> MessageRead:
    """Mark one of the caller's messages read."""
    return services.mark_read(session, actor=actor, message_id=message_id)


@router.get("/outbox", summary="发送队列（平台管理员）")
def list_outbox(
    *,
    session: SessionDep,
    actor: ActorDep,
    status: Annotated[str | None, Query(max_length=8)] = None,
    channel: Annotated[str | None, Query(max_length=8)] = None,
    template_key: Annotated[str | None, Query(max_length=64)] = None,
    recipient: Annotated[str | None, Query(max_length=128)] = None,
    subject_ref: Annotated[str | None, Query(max_length=64)] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=services.MAX_PAGE_SIZE)] = 50,
) -> OutboxPage:
    """Every queued message with its delivery status, attempts and last error."""
    return services.list_outbox(
        session,
        actor=actor,
        status=status,
        channel=channel,
        template_key=template_key,
        recipient=recipient,
        subject_ref=subject_ref,
        page=page,
        page_size=page_size,
    )


@router.get("/outbox/{outbox_id}", summary="发送记录详情")
def get_outbox(outbox_id: int, session: SessionDep, actor: ActorDep) -> OutboxRead:
    """One queued message."""
    return services.get_outbox(session, actor=actor, outbox_id=outbox_id)


@router.post("/outbox/{outbox_id}/requeue", summary="重新发送已放弃的消息")
def requeue(outbox_id: int, session: SessionDep, actor: ActorDep) -> OutboxRead:
    """Give a dead message a fresh set of attempts."""
    return services.requeue(session, actor=actor, outbox_id=outbox_id)


@router.get("/templates", summary="通知模板")
def list_templates(session: SessionDep) -> list[TemplateRead]:
    """The current version of every template on every channel."""
    return services.list_templates(session)


@router.post("/templates", status_code=201, summary="发布模板新版本（平台管理员）")
def publish_template(body: TemplatePublish, session: SessionDep, actor: ActorDep) -> TemplateRead:
    """Publish a new version of a template text; earlier versions stay unchanged."""
    return services.publish_template(
        session, actor=actor, key=body.key, channel=body.channel, title=body.title, body=body.body, name=body.name
    )


@router.post("/templates/{key}/{channel}/preview", summary="预览模板")
def preview_template(key: str, channel: str, body: PreviewRequest, session: SessionDep) -> PreviewRead:
    """Render the current version with the given variables (nothing is sent); SMS shows its billed length."""
    return services.preview_template(session, key=key, channel=channel, variables=body.variables)
