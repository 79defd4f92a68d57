"""Notification use cases: queue a message in the caller's transaction, templates, message centre, outbox view.

:func:`enqueue` is the one way other contexts send anything. Unlike other services it does **not** commit: it
adds a row to the caller's unit of work, so the message exists exactly when the caller's change does. Delivery
happens later, in :func:`deliver_pending` (see :mod:`yiwang.notify.dispatcher`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from yiwang.db import as_utc, utcnow
from yiwang.identity.errors import PermissionDeniedError
from yiwang.identity.scopes import INTERNAL_ROLES, Role
from yiwang.kernel.actor import Actor
from yiwang.kernel.errors import ConflictError, NotFoundError, ValidationError
from yiwang.kernel.masking import mask_phone
from yiwang.logs import get_logger
from yiwang.notify import rendering
from yiwang.notify.catalog import Channel, OutboxStatus, TemplateText, shipped_catalog
from yiwang.notify.dispatcher import DeliveryReport, deliver_pending
from yiwang.notify.models import InboxMessage, OutboxMessage, TemplateVersion
from yiwang.notify.schemas import (
    MessagePage,
    MessageRead,
    OutboxPage,
    OutboxRead,
    PreviewRead,
    TemplateRead,
)

__all__ = [
    "DeliveryReport",
    "deliver_pending",
    "enqueue",
    "get_outbox",
    "list_messages",
    "list_outbox",
    "list_templates",
    "mark_all_read",
    "mark_read",
    "preview_template",
    "publish_template",
    "requeue",
    "unread_count",
]

ADMIN_ROLES = (Role.PLATFORM_ADMIN.value, *sorted(INTERNAL_ROLES))
"""Who may see the whole outbox and publish templates (the console and jobs are internal identities).

Messages themselves are private (``message`` resources in :mod:`yiwang.identity.scopes`) and stricter still:
only their recipient sees them in the message centre — a platform administrator does not read other people's
messages there, so the queries filter on the actor's own inboxes rather than on the admin's wider scope.
"""

DEPARTMENT_INBOX_PREFIX = "dept:"
"""Recipient account ids of the form ``dept:<code>`` address a department's shared inbox."""

MAX_PAGE_SIZE = 200
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ACCOUNT = re.compile(r"^[\w.:@-]{1,64}$")

log = get_logger("yiwang.notify")


def department_inbox(department_code: str) -> str:
    """The recipient account id of a department's shared inbox (``dept:market``)."""
    return f"{DEPARTMENT_INBOX_PREFIX}{department_code}"


# --- queueing ------------------------------------------------------------------------------------------------


def enqueue(
    session: Session,
    *,
    template_key: str,
    channel: str,
    recipient: str,
    variables: Mapping[str, Any],
    idempotency_key: str,
    recipient_account_id: str | None = None,
    subject_ref: str | None = None,
    created_by: str | None = None,
    not_before: dt.datetime | None = None,
) -> int:
    """Render a template and queue the message in the caller's transaction; return the outbox id.

    Does not commit. Calling again with the same ``idempotency_key`` returns the queued row instead of adding one
    (a :class:`ConflictError` if that key was used for a different template, channel or recipient). Missing
    variables, an unknown template or an over-long SMS raise :class:`ValidationError` before anything is written.
    ``recipient`` is a mobile number (sms), an e-mail address (email) or an account id (inapp, ``dept:<code>``
    for a department's shared inbox); ``recipient_account_id`` names the message centre of SMS and e-mail
    recipients, used when every channel is delivered in-app (the demo).
    """
    kind = _channel(channel)
    address = _check_recipient(kind, recipient)
    key = (idempotency_key or "").strip()
    if not key or len(key) > 200:  # noqa: PLR2004 - the column's length
        raise ValidationError("幂等键不能为空且不能超过200个字符", field="idempotency_key")
    if recipient_account_id is not None and not _ACCOUNT.match(recipient_account_id):
        raise ValidationError("接收账号格式不正确", field="recipient_account_id")
    text = _current_text(session, template_key, kind)
    rendered = rendering.render(key=template_key, title=text.title, body=text.body, variables=variables)
    body, segments = rendered.body, None
    if kind is Channel.SMS:
        body = shipped_catalog().sms_signature + body
        segments = rendering.check_sms(body, key=template_key).segments
    now = utcnow()
    values = {
        "idempotency_key": key,
        "template_key": template_key,
        "template_version": text.version,
        "channel": kind.value,
        "recipient": address,
        "recipient_account_id": recipient_account_id or (address if kind is Channel.INAPP else None),
        "subject_ref": subject_ref,
        "variables": {name: _jsonable(value) for name, value in variables.items()},
        "title": rendered.title,
        "body": body,
        "sms_segments": segments,
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "deferrals": 0,
        "next_attempt_at": as_utc(not_before) if not_before else now,
        "created_at": now,
        "created_by": created_by,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # ON CONFLICT DO NOTHING keeps the caller's transaction usable on PostgreSQL when the key already exists.
    session.execute(insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"]))
    row = session.execute(
        select(OutboxMessage.id, OutboxMessage.template_key, OutboxMessage.channel, OutboxMessage.recipient).where(
            OutboxMessage.idempotency_key == key
        )
    ).one()
    if (row.template_key, row.channel, row.recipient) != (template_key, kind.value, address):
        raise ConflictError(
            f"幂等键 {key} 已用于另一条消息（{row.template_key}/{row.channel}），不能用于不同的消息",
            field="idempotency_key",
        )
    log.info("notify_enqueued", outbox_id=row.id, template=template_key, channel=kind.value, subject=subject_ref)
    return int(row.id)


def _channel(value: str) -> Channel:
    try:
        return Channel(value)
    except ValueError:
        raise ValidationError(f"未知的通知渠道：{value}（可选 sms/email/inapp）", field="channel") from None


def _check_recipient(channel: Channel, recipient: str) -> str:
    value = (recipient or "").strip()
    if channel is Channel.SMS and not _MOBILE.match(value):
        raise ValidationError("短信接收号码应为11位手机号", field="recipient")
    if channel is Channel.EMAIL and (len(value) > 128 or not _EMAIL.match(value)):  # noqa: PLR2004
        raise ValidationError("电子邮件地址格式不正确", field="recipient")
    if channel is Channel.INAPP and not _ACCOUNT.match(value):
        raise ValidationError("站内消息接收账号格式不正确", field="recipient")
    return value


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


# --- templates -----------------------------------------------------------------------------------------------


def _current_text(session: Session, key: str, channel: Channel) -> TemplateText:
    """The highest version of a template on a channel: published (database) or shipped (templates.yaml)."""
    shipped = shipped_catalog().get(key, channel)
    published = session.scalars(
        select(TemplateVersion)
        .where(TemplateVersion.key == key, TemplateVersion.channel == channel.value)
        .order_by(TemplateVersion.version.desc())
        .limit(1)
    ).first()
    if published is not None and (shipped is None or published.version > shipped.version):
        return TemplateText(
            key=key,
            name=published.name,
            channel=channel,
            version=published.version,
            title=published.title,
            body=published.body,
            source="published",
        )
    if shipped is not None:
        return shipped
    known = key in shipped_catalog().names or published is not None
    reason = f"没有{channel.label}版本" if known else "不存在"
    raise ValidationError(f"通知模板 {key} {reason}", field="template_key")


def _template_read(text: TemplateText) -> TemplateRead:
    used = rendering.check_syntax(text.title, field="title") | rendering.check_syntax(text.body, field="body")
    return TemplateRead(
        key=text.key,
        name=text.name,
        channel=text.channel.value,
        channel_label=text.channel.label,
        version=text.version,
        source=text.source,
        title=text.title,
        body=text.body,
        variables=sorted(used),
    )


def list_templates(session: Session) -> list[TemplateRead]:
    """The current version of every template on every channel it has."""
    catalog = shipped_catalog()
    pairs = set(catalog.texts)
    for key, channel in session.execute(select(TemplateVersion.key, TemplateVersion.channel).distinct()):
        pairs.add((key, Channel(channel)))
    order = {key: index for index, key in enumerate(catalog.names)}
    channels = list(Channel)
    ordered = sorted(pairs, key=lambda pair: (order.get(pair[0], len(order)), pair[0], channels.index(pair[1])))
    return [_template_read(_current_text(session, key, channel)) for key, channel in ordered]


def publish_template(
    session: Session, *, actor: Actor, key: str, channel: str, body: str, title: str = "", name: str | None = None
) -> TemplateRead:
    """Publish a new version of a template text (platform staff); the previous versions stay as they were."""
    _require_admin(actor)
    kind = _channel(channel)
    key = key.strip()
    if not re.fullmatch(r"[a-z][a-z0-9_]{1,63}", key):
        raise ValidationError("模板键应为小写字母、数字和下划线", field="key")
    used = rendering.check_syntax(body, field="body")
    if kind is not Channel.SMS:
        used |= rendering.check_syntax(title, field="title")
        if not title.strip():
            raise ValidationError(f"{kind.label}模板需要标题", field="title")
    catalog = shipped_catalog()
    shipped = catalog.get(key, kind)
    latest = session.scalar(
        select(func.max(TemplateVersion.version)).where(
            TemplateVersion.key == key, TemplateVersion.channel == kind.value
        )
    )
    existing_name = catalog.names.get(key) or session.scalar(
        select(TemplateVersion.name).where(TemplateVersion.key == key).limit(1)
    )
    template_name = (name or "").strip() or existing_name
    if not template_name:
        raise ValidationError("新模板需要名称", field="name")
    version = max(latest or 0, shipped.version if shipped else 0) + 1
    session.add(
        TemplateVersion(
            key=key,
            channel=kind.value,
            version=version,
            name=template_name,
            title="" if kind is Channel.SMS else title.strip(),
            body=body.strip(),
            created_at=utcnow(),
            created_by=actor.id,
        )
    )
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError(f"模板 {key} 的第 {version} 版已被他人发布，请刷新后重试", field="key") from exc
    log.info(
        "notify_template_published", key=key, channel=kind.value, version=version, actor=actor.id, used=sorted(used)
    )
    return _template_read(_current_text(session, key, kind))


def preview_template(session: Session, *, key: str, channel: str, variables: Mapping[str, Any]) -> PreviewRead:
    """Render the current version of a template without queueing anything (SMS: with its billing length)."""
    kind = _channel(channel)
    text = _current_text(session, key, kind)
    rendered = rendering.render(key=key, title=text.title, body=text.body, variables=variables)
    if kind is Channel.SMS:
        body = shipped_catalog().sms_signature + rendered.body
        length = rendering.sms_length(body)
        return PreviewRead(
            key=key,
            channel=kind.value,
            version=text.version,
            title="",
            body=body,
            sms_characters=length.characters,
            sms_segments=length.segments,
        )
    return PreviewRead(key=key, channel=kind.value, version=text.version, title=rendered.title, body=rendered.body)


# --- message centre ------------------------------------------------------------------------------------------


def _inboxes(actor: Actor) -> list[str]:
    """The actor's own inbox and, for department staff, the department's shared inbox."""
    boxes = [actor.id]
    if actor.department:
        boxes.append(department_inbox(actor.department))
    return boxes


def _message_read(message: InboxMessage) -> MessageRead:
    channel = Channel(message.channel)
    return MessageRead(
        id=message.id,
        channel=channel.value,
        channel_label=channel.label,
        address_masked=mask_address_for(channel, message.address),
        shared=message.account_id.startswith(DEPARTMENT_INBOX_PREFIX),
        title=message.title,
        body=message.body,
        subject_ref=message.subject_ref,
        created_at=as_utc(message.created_at),
        read_at=as_utc(message.read_at) if message.read_at else None,
    )


def list_messages(
    session: Session, *, actor: Actor, unread_only: bool = False, page: int = 1, page_size: int = 20
) -> MessagePage:
    """The actor's messages, newest first, with the unread count."""
    page, page_size = max(page, 1), min(max(page_size, 1), MAX_PAGE_SIZE)
    mine = InboxMessage.account_id.in_(_inboxes(actor))
    query = select(InboxMessage).where(mine)
    if unread_only:
        query = query.where(InboxMessage.read_at.is_(None))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size)
    )
    return MessagePage(
        items=[_message_read(row) for row in rows],
        total=total,
        unread=unread_count(session, actor=actor),
        page=page,
        pages=max(math.ceil(total / page_size), 1),
    )


def unread_count(session: Session, *, actor: Actor) -> int:
    """How many of the actor's messages are unread."""
    return (
        session.scalar(
            select(func.count())
            .select_from(InboxMessage)
            .where(InboxMessage.account_id.in_(_inboxes(actor)), InboxMessage.read_at.is_(None))
        )
        or 0
    )


def mark_read(session: Session, *, actor: Actor, message_id: int) -> MessageRead:
    """Mark one of the actor's messages read (a message of someone else is "not found")."""
    message = session.get(InboxMessage, message_id)
    if message is None or message.account_id not in _inboxes(actor):
        raise NotFoundError(f"消息 {message_id} 不存在", field="message_id")
    if message.read_at is None:
        message.read_at = utcnow()
        session.commit()
    return _message_read(message)


def mark_all_read(session: Session, *, actor: Actor) -> int:
    """Mark every unread message of the actor read; return how many changed."""
    result = session.execute(
        update(InboxMessage)
        .where(InboxMessage.account_id.in_(_inboxes(actor)), InboxMessage.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


# --- outbox (platform staff) ---------------------------------------------------------------------------------


def _require_admin(actor: Actor) -> None:
    if not actor.has_role(*ADMIN_ROLES):
        raise PermissionDeniedError("只有平台管理员可以查看发送队列和管理通知模板")


def mask_address_for(channel: Channel, address: str) -> str:
    """Mask a recipient address for display: phone 138****5678, e-mail z***@example.com, accounts as they are."""
    if not address:
        return ""
    if channel is Channel.SMS:
        return mask_phone(address)
    if channel is Channel.EMAIL:
        local, _, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    return address


def _outbox_read(row: OutboxMessage) -> OutboxRead:
    channel, status = Channel(row.channel), OutboxStatus(row.status)
    return OutboxRead(
        id=row.id,
        idempotency_key=row.idempotency_key,
        template_key=row.template_key,
        template_name=shipped_catalog().names.get(row.template_key, row.template_key),
        template_version=row.template_version,
        channel=channel.value,
        channel_label=channel.label,
        recipient_masked=mask_address_for(channel, row.recipient),
        subject_ref=row.subject_ref,
        title=row.title,
        body=row.body,
        sms_segments=row.sms_segments,
        status=status.value,
        status_label=status.label,
        attempts=row.attempts,
        deferrals=row.deferrals,
        next_attempt_at=as_utc(row.next_attempt_at),
        last_error=row.last_error,
        provider_message_id=row.provider_message_id,
        created_at=as_utc(row.created_at),
        sent_at=as_utc(row.sent_at) if row.sent_at else None,
    )


def list_outbox(
    session: Session,
    *,
    actor: Actor,
    status: str | None = None,
    channel: str | None = None,
    template_key: str | None = None,
    recipient: str | None = None,
    subject_ref: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> OutboxPage:
    """The outbox for platform staff, newest first, filtered by status, channel, template, recipient or subject."""
    _require_admin(actor)
    page, page_size = max(page, 1), min(max(page_size, 1), MAX_PAGE_SIZE)
    query = select(OutboxMessage)
    if status:
        try:
            query = query.where(OutboxMessage.status == OutboxStatus(status).value)
        except ValueError:
            raise ValidationError(f"未知的发送状态：{status}", field="status") from None
    if channel:
        query = query.where(OutboxMessage.channel == _channel(channel).value)
    if template_key:
        query = query.where(OutboxMessage.template_key == template_key)
    if recipient:
        query = query.where(OutboxMessage.recipient == recipient.strip())
    if subject_ref:
        query = query.where(OutboxMessage.subject_ref == subject_ref.strip())
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(OutboxMessage.id.desc()).offset((page - 1) * page_size).limit(page_size))
    counts: dict[str, int] = {
        status: int(count)
        for status, count in session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    }
    return OutboxPage(
        items=[_outbox_read(row) for row in rows],
        total=total,
        page=page,
        pages=max(math.ceil(total / page_size), 1),
        status_counts={status.value: int(counts.get(status.value, 0)) for status in OutboxStatus},
    )


def get_outbox(session: Session, *, actor: Actor, outbox_id: int) -> OutboxRead:
    """One outbox row (platform staff)."""
    _require_admin(actor)
    row = session.get(OutboxMessage, outbox_id)
    if row is None:
        raise NotFoundError(f"发送记录 {outbox_id} 不存在", field="outbox_id")
    return _outbox_read(row)


def requeue(session: Session, *, actor: Actor, outbox_id: int) -> OutboxRead:
    """Give a dead message a fresh set of attempts (e.g. after the SMS provider's outage was fixed)."""
    _require_admin(actor)
    row = session.get(OutboxMessage, outbox_id)
    if row is None:
        raise NotFoundError(f"发送记录 {outbox_id} 不存在", field="outbox_id")
    if row.status != OutboxStatus.DEAD.value:
        raise ConflictError(f"发送记录 {outbox_id} 当前为“{OutboxStatus(row.status).label}”，只有已放弃的消息可以重发")
    row.status = OutboxStatus.PENDING.value
    row.attempts = 0
    row.next_attempt_at = utcnow()
    row.last_error = None
    session.commit()
    log.info("notify_requeued", outbox_id=outbox_id, actor=actor.id)
    return _outbox_read(row)
