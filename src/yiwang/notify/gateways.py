"""Delivery gateways: the port every channel implements, and the HTTP SMS, SMTP e-mail and in-app adapters.

A gateway sends one message and either returns the provider's message id or raises
:class:`RetryableDeliveryError` (try again later) or :class:`PermanentDeliveryError` (give up). Every send carries
``client_ref`` — the outbox row id — as the provider's idempotency key, so re-sending after a crash between the
provider's acceptance and our bookkeeping does not produce a second message at a provider that honours it (the
in-app gateway does, through a unique constraint).
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

import httpx
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from yiwang.db import utcnow
from yiwang.notify.catalog import Channel
from yiwang.notify.models import InboxMessage
from yiwang.notify.policy import NotifyConfig

_PERMANENT_SMTP_CODES = range(500, 600)


class DeliveryError(Exception):
    """A gateway could not deliver a message."""


class RetryableDeliveryError(DeliveryError):
    """Temporary failure (network, timeout, provider overloaded or rate limiting): try again later."""


class PermanentDeliveryError(DeliveryError):
    """The provider refused the message for good (bad number, rejected content, bad credentials)."""


@dataclass(frozen=True)
class OutgoingMessage:
    """What a gateway needs to send one outbox row."""

    client_ref: str  # the outbox id: the provider's idempotency key
    channel: Channel
    recipient: str  # phone, e-mail address or account id
    account_id: str | None  # the message centre the message belongs to, when known
    title: str
    body: str
    subject_ref: str | None = None


class Gateway(Protocol):
    """Sends one message; returns the provider's message id."""

    def send(self, message: OutgoingMessage) -> str:
        """Deliver ``message`` or raise :class:`RetryableDeliveryError` / :class:`PermanentDeliveryError`."""
        ...


class HttpSmsGateway:
    """Posts ``{"to", "text", "client_ref"}`` as JSON to an SMS provider's HTTP endpoint.

    The provider answers 2xx with a JSON body carrying ``message_id`` (or ``id``). 408, 425, 429 and 5xx answers
    and network errors are retryable; any other 4xx is permanent. The token goes in the header
    ``auth_header`` (``Authorization`` gets the ``Bearer`` scheme).
    """

    def __init__(
        self,
        *,
        url: str,
        token: str = "",
        auth_header: str = "Authorization",
        timeout_s: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not url:
            raise ValueError("短信网关地址未配置（YIWANG_NOTIFY_SMS_URL）")
        self.url = url
        headers = {"Accept": "application/json"}
        if token:
            headers[auth_header] = f"Bearer {token}" if auth_header.lower() == "authorization" else token
        self._client = httpx.Client(timeout=timeout_s, headers=headers, transport=transport)

    def send(self, message: OutgoingMessage) -> str:
        """POST the message; map the answer to a message id or a typed delivery error."""
        payload = {"to": message.recipient, "text": message.body, "client_ref": message.client_ref}
        try:
            response = self._client.post(self.url, json=payload)
        except httpx.TransportError as exc:  # connection refused, timeouts, TLS errors
            raise RetryableDeliveryError(f"短信网关连接失败：{type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if status in {408, 425, 429} or status >= 500:  # noqa: PLR2004 - HTTP status codes
            raise RetryableDeliveryError(f"短信网关暂时不可用：HTTP {status} {response.text[:200]}")
        if status >= 400:  # noqa: PLR2004
            raise PermanentDeliveryError(f"短信网关拒绝：HTTP {status} {response.text[:200]}")
        try:
            body = response.json()
        except ValueError:
            body = {}
        message_id = body.get("message_id") or body.get("id") if isinstance(body, dict) else None
        return str(message_id or message.client_ref)

    def close(self) -> None:
        """Release the HTTP connection pool."""
        self._client.close()


class SmtpEmailGateway:
    """Sends plain-text UTF-8 e-mail through an SMTP relay (stdlib :mod:`smtplib`).

    The ``Message-ID`` is derived from ``client_ref`` and the header ``X-Client-Ref`` carries it, so a relay or
    mailbox that de-duplicates by message id sees a re-send as the same message. 5xx replies are permanent;
    4xx replies and network errors are retryable.
    """

    def __init__(
        self,
        *,
        host: str,
        port: int = 25,
        sender: str,
        user: str = "",
        password: str = "",
        starttls: bool = False,
        timeout_s: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.user, self.password, self.starttls, self.timeout_s = user, password, starttls, timeout_s

    def send(self, message: OutgoingMessage) -> str:
        """Send one e-mail; return its Message-ID."""
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.recipient
        mail["Subject"] = message.title or "一网通知"
        mail["Date"] = formatdate(localtime=False)
        domain = self.sender.rsplit("@", 1)[-1] or "yiwang.local"
        mail["Message-ID"] = make_msgid(idstring=f"outbox-{message.client_ref}", domain=domain)
        mail["X-Client-Ref"] = message.client_ref
        mail.set_content(message.body, charset="utf-8")
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.user:
                    smtp.login(self.user, self.password)
                refused = smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            error = PermanentDeliveryError if all(code in _PERMANENT_SMTP_CODES for code in codes) else None
            raise (error or RetryableDeliveryError)(f"收件人被拒绝：{exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            error_type = PermanentDeliveryError if exc.smtp_code in _PERMANENT_SMTP_CODES else RetryableDeliveryError
            raise error_type(f"邮件服务器拒绝：{exc.smtp_code} {exc.smtp_error!r}") from exc
        except (smtplib.SMTPException, OSError) as exc:  # OSError covers timeouts and refused connections
            raise RetryableDeliveryError(f"邮件服务器连接失败：{type(exc).__name__}: {exc}") from exc
        if refused:
            raise PermanentDeliveryError(f"收件人被拒绝：{refused}")
        return str(mail["Message-ID"])


class InAppGateway:
    """Stores messages in the in-app message centre (``notify_message``), in its own transaction.

    It behaves like an external provider: it commits on its own, and it honours ``client_ref`` — a second
    delivery of the same outbox row finds the stored message and returns its id instead of adding another.
    SMS and e-mail routed here (the demo) land in the account's message centre labelled with their channel.
    """

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    def send(self, message: OutgoingMessage) -> str:
        """Store the message once per ``client_ref``; return the stored message's id."""
        account = message.account_id or message.recipient
        values = {
            "account_id": account,
            "client_ref": message.client_ref,
            "channel": message.channel.value,
            "address": "" if message.channel is Channel.INAPP else message.recipient,
            "title": message.title,
            "body": message.body,
            "subject_ref": message.subject_ref,
            "created_at": utcnow(),
        }
        with self.session_factory() as session:
            dialect = session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            session.execute(insert(InboxMessage).values(**values).on_conflict_do_nothing(index_elements=["client_ref"]))
            stored = session.scalar(select(InboxMessage.id).where(InboxMessage.client_ref == message.client_ref))
            session.commit()
        return f"inapp-{stored}"


def build_gateways(config: NotifyConfig, session_factory: sessionmaker[Session]) -> dict[Channel, Gateway]:
    """The gateways for every channel under ``config`` (``inapp`` mode: the message centre for all)."""
    inapp = InAppGateway(session_factory)
    if config.gateway_mode == "inapp":
        return dict.fromkeys(Channel, inapp)
    if config.gateway_mode != "live":
        raise ValueError(f"未知的通知网关模式：{config.gateway_mode}（可选 inapp / live）")
    gateways: dict[Channel, Gateway] = {Channel.INAPP: inapp}
    if config.sms_url:
        gateways[Channel.SMS] = HttpSmsGateway(
            url=config.sms_url,
            token=config.sms_token,
            auth_header=config.sms_auth_header,
            timeout_s=config.sms_timeout_s,
        )
    gateways[Channel.EMAIL] = SmtpEmailGateway(
        host=config.smtp_host,
        port=config.smtp_port,
        sender=config.email_from,
        user=config.smtp_user,
        password=config.smtp_password,
        starttls=config.smtp_starttls,
        timeout_s=config.smtp_timeout_s,
    )
    return gateways
