"""Gateways against real servers on 127.0.0.1: the HTTP SMS provider and an SMTP relay."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy

import pytest
from notify_support import FakeSmsProvider, SmtpMailbox
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from yiwang.notify.catalog import Channel
from yiwang.notify.gateways import (
    HttpSmsGateway,
    InAppGateway,
    OutgoingMessage,
    PermanentDeliveryError,
    RetryableDeliveryError,
    SmtpEmailGateway,
    build_gateways,
)
from yiwang.notify.models import InboxMessage
from yiwang.notify.policy import NotifyConfig

SMS = OutgoingMessage(
    client_ref="42", channel=Channel.SMS, recipient="13812345678", account_id=None, title="", body="【成都一网】您好"
)
MAIL = OutgoingMessage(
    client_ref="43",
    channel=Channel.EMAIL,
    recipient="zhangsan@example.com",
    account_id="citizen-001",
    title="【受理通知】个体工商户设立登记",
    body="您好：\n\n您申请的事项已受理。",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_http_sms_posts_json_with_token_and_client_ref(sms_provider: FakeSmsProvider) -> None:
    gateway = HttpSmsGateway(url=sms_provider.url, token="s3cret")  # noqa: S106 - a fake provider's token
    try:
        assert gateway.send(SMS) == "sms-1"
        assert gateway.send(SMS) == "sms-1"  # the provider recognises the client_ref
    finally:
        gateway.close()
    assert sms_provider.requests[0] == {"to": "13812345678", "text": "【成都一网】您好", "client_ref": "42"}
    assert sms_provider.headers[0]["Authorization"] == "Bearer s3cret"


def test_http_sms_custom_token_header(sms_provider: FakeSmsProvider) -> None:
    gateway = HttpSmsGateway(url=sms_provider.url, token="k", auth_header="X-Api-Key")  # noqa: S106
    try:
        gateway.send(SMS)
    finally:
        gateway.close()
    assert sms_provider.headers[0]["X-Api-Key"] == "k"


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (429, RetryableDeliveryError),
        (500, RetryableDeliveryError),
        (503, RetryableDeliveryError),
        (408, RetryableDeliveryError),
        (400, PermanentDeliveryError),
        (401, PermanentDeliveryError),
        (422, PermanentDeliveryError),
    ],
)
def test_http_sms_maps_status_codes(sms_provider: FakeSmsProvider, status: int, error: type[Exception]) -> None:
    sms_provider.script.append(status)
    gateway = HttpSmsGateway(url=sms_provider.url)
    try:
        with pytest.raises(error, match=f"HTTP {status}"):
            gateway.send(SMS)
    finally:
        gateway.close()


def test_http_sms_connection_refused_is_retryable() -> None:
    gateway = HttpSmsGateway(url=f"http://127.0.0.1:{_free_port()}/sms", timeout_s=2)
    try:
        with pytest.raises(RetryableDeliveryError, match="短信网关连接失败"):
            gateway.send(SMS)
    finally:
        gateway.close()


def test_http_sms_needs_a_url() -> None:
    with pytest.raises(ValueError, match="短信网关地址未配置"):
        HttpSmsGateway(url="")


def test_smtp_sends_utf8_mail_with_a_stable_message_id(smtp_server: SmtpMailbox) -> None:
    gateway = SmtpEmailGateway(
        host="127.0.0.1",
        port=smtp_server.port,
        sender="noreply@yiwang.example",
        timeout_s=5,
    )
    message_id = gateway.send(MAIL)
    assert "outbox-43" in message_id
    assert smtp_server.envelopes == [("noreply@yiwang.example", ["zhangsan@example.com"])]
    mail = message_from_bytes(smtp_server.received[0], policy=policy.default)
    assert str(mail["Subject"]) == "【受理通知】个体工商户设立登记"
    assert mail["X-Client-Ref"] == "43"
    assert mail["Message-ID"] == message_id
    assert mail.get_content().replace("\r\n", "\n").strip() == "您好：\n\n您申请的事项已受理。"


def test_smtp_errors_are_classified(smtp_server: SmtpMailbox) -> None:
    gateway = SmtpEmailGateway(host="127.0.0.1", port=smtp_server.port, sender="noreply@yiwang.example", timeout_s=5)
    refused = OutgoingMessage(
        client_ref="44", channel=Channel.EMAIL, recipient="reject@example.com", account_id=None, title="t", body="b"
    )
    with pytest.raises(PermanentDeliveryError, match="收件人被拒绝"):
        gateway.send(refused)
    smtp_server.temporary_failures = 1
    with pytest.raises(RetryableDeliveryError, match="451"):
        gateway.send(MAIL)
    closed = SmtpEmailGateway(host="127.0.0.1", port=_free_port(), sender="noreply@yiwang.example", timeout_s=2)
    with pytest.raises(RetryableDeliveryError, match="邮件服务器连接失败"):
        closed.send(MAIL)


def test_inapp_gateway_stores_once_per_client_ref(session_factory: sessionmaker[Session]) -> None:
    gateway = InAppGateway(session_factory)
    first = gateway.send(MAIL)
    again = gateway.send(MAIL)
    assert first == again
    with session_factory() as session:
        stored = session.scalars(select(InboxMessage)).one()
    assert (stored.account_id, stored.channel, stored.address) == ("citizen-001", "email", "zhangsan@example.com")


def test_build_gateways_by_mode(session_factory: sessionmaker[Session], sms_provider: FakeSmsProvider) -> None:
    demo = build_gateways(NotifyConfig(), session_factory)
    assert {type(gateway) for gateway in demo.values()} == {InAppGateway}
    live = build_gateways(NotifyConfig(gateway_mode="live", sms_url=sms_provider.url), session_factory)
    assert isinstance(live[Channel.SMS], HttpSmsGateway)
    assert isinstance(live[Channel.EMAIL], SmtpEmailGateway)
    live[Channel.SMS].close()
    with pytest.raises(ValueError, match="未知的通知网关模式"):
        build_gateways(NotifyConfig(gateway_mode="carrier-pigeon"), session_factory)
