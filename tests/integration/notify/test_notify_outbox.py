"""The transactional outbox: idempotent enqueueing, crash safety, retries, rate limits, concurrent dispatchers."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from notify_support import FakeSmsProvider
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from yiwang.db import as_utc, utcnow
from yiwang.kernel.errors import ConflictError, ValidationError
from yiwang.notify import services
from yiwang.notify.catalog import Channel
from yiwang.notify.dispatcher import deliver_pending
from yiwang.notify.gateways import HttpSmsGateway, InAppGateway, OutgoingMessage
from yiwang.notify.models import InboxMessage, OutboxMessage
from yiwang.notify.policy import NotifyConfig, RateLimit

ACCEPTED = {"service_name": "个体工商户设立登记", "case_no": "SL20260301001", "due_date": "2026年3月10日"}
NO_LIMITS = NotifyConfig(rate_limits={})


class SimulatedCrash(BaseException):
    """The process dies: not an Exception, so nothing in the dispatcher may swallow it."""


class CrashAfterSend:
    """A gateway that delivers through ``inner`` and then "crashes" before the dispatcher can record the outcome."""

    def __init__(self, inner: object) -> None:
        self.inner = inner

    def send(self, message: OutgoingMessage) -> str:
        self.inner.send(message)
        raise SimulatedCrash


def _enqueue(session: Session, key: str, **overrides: object) -> int:
    values: dict[str, object] = {
        "template_key": "application_accepted",
        "channel": "inapp",
        "recipient": "citizen-001",
        "variables": ACCEPTED,
        "idempotency_key": key,
    }
    values.update(overrides)
    outbox_id = services.enqueue(session, **values)  # type: ignore[arg-type]
    session.commit()
    return outbox_id


def _row(session_factory: sessionmaker[Session], outbox_id: int) -> OutboxMessage:
    with session_factory() as session:
        row = session.get(OutboxMessage, outbox_id)
        assert row is not None
        return row


def _count(session_factory: sessionmaker[Session], model: type) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_enqueue_renders_and_delivers_into_the_message_centre(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    outbox_id = _enqueue(session, "accepted:SL20260301001")
    row = _row(session_factory, outbox_id)
    assert row.status == "pending"
    assert row.title == "事项已受理：个体工商户设立登记"
    assert row.body == "办件编号 SL20260301001，承诺于 2026年3月10日 前办结。"

    report = deliver_pending(session_factory, batch_size=10, config=NO_LIMITS)
    assert (report.claimed, report.sent) == (1, 1)
    row = _row(session_factory, outbox_id)
    assert row.status == "sent"
    assert row.attempts == 1
    assert row.provider_message_id is not None
    assert row.provider_message_id.startswith("inapp-")
    with session_factory() as check:
        message = check.scalars(select(InboxMessage)).one()
    assert (message.account_id, message.client_ref, message.channel) == ("citizen-001", str(outbox_id), "inapp")


def test_same_idempotency_key_never_queues_twice(session: Session, session_factory: sessionmaker[Session]) -> None:
    first = _enqueue(session, "accepted:1")
    second = _enqueue(session, "accepted:1")
    assert first == second
    assert _count(session_factory, OutboxMessage) == 1
    with pytest.raises(ConflictError) as error:
        _enqueue(session, "accepted:1", recipient="someone-else")
    assert error.value.field == "idempotency_key"
    session.rollback()
    deliver_pending(session_factory, config=NO_LIMITS)
    deliver_pending(session_factory, now=utcnow() + dt.timedelta(hours=1), config=NO_LIMITS)
    assert _count(session_factory, InboxMessage) == 1


def test_rolled_back_transaction_sends_nothing(session: Session, session_factory: sessionmaker[Session]) -> None:
    services.enqueue(
        session,
        template_key="application_accepted",
        channel="inapp",
        recipient="citizen-001",
        variables=ACCEPTED,
        idempotency_key="accepted:rolled-back",
    )
    session.rollback()  # the business change failed: its message must vanish with it
    report = deliver_pending(session_factory, config=NO_LIMITS)
    assert report.claimed == 0
    assert _count(session_factory, OutboxMessage) == 0
    assert _count(session_factory, InboxMessage) == 0


def test_crash_after_the_gateway_call_redelivers_with_the_same_key_and_the_centre_keeps_one(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    outbox_id = _enqueue(session, "accepted:crash")
    inapp = InAppGateway(session_factory)
    crashing = dict.fromkeys(Channel, CrashAfterSend(inapp))
    start = utcnow()
    with pytest.raises(SimulatedCrash):
        deliver_pending(session_factory, now=start, gateways=crashing, config=NO_LIMITS, worker_id="worker-a")
    row = _row(session_factory, outbox_id)
    assert (row.status, row.claimed_by, row.attempts) == ("sending", "worker-a", 1)
    assert _count(session_factory, InboxMessage) == 1  # the provider got it before the crash

    # While the lease runs, another dispatcher leaves the row alone.
    report = deliver_pending(session_factory, now=start + dt.timedelta(minutes=1), config=NO_LIMITS, worker_id="b")
    assert report.claimed == 0

    after_lease = start + NO_LIMITS.lease + dt.timedelta(seconds=1)
    report = deliver_pending(session_factory, now=after_lease, config=NO_LIMITS, worker_id="worker-b")
    assert (report.claimed, report.sent) == (1, 1)
    row = _row(session_factory, outbox_id)
    assert (row.status, row.attempts) == ("sent", 2)
    with session_factory() as check:
        messages = check.scalars(select(InboxMessage)).all()
    assert len(messages) == 1
    assert row.provider_message_id == f"inapp-{messages[0].id}"


def test_crash_with_http_provider_resends_the_same_client_ref(
    session: Session, session_factory: sessionmaker[Session], sms_provider: FakeSmsProvider
) -> None:
    outbox_id = _enqueue(session, "accepted:sms", channel="sms", recipient="13812345678")
    gateway = HttpSmsGateway(url=sms_provider.url, token="test-token")  # noqa: S106 - a fake provider's token
    start = utcnow()
    try:
        with pytest.raises(SimulatedCrash):
            deliver_pending(
                session_factory, now=start, gateways={Channel.SMS: CrashAfterSend(gateway)}, config=NO_LIMITS
            )
        report = deliver_pending(
            session_factory,
            now=start + NO_LIMITS.lease + dt.timedelta(seconds=1),
            gateways={Channel.SMS: gateway},
            config=NO_LIMITS,
        )
    finally:
        gateway.close()
    assert report.sent == 1
    refs = [request["client_ref"] for request in sms_provider.requests]
    assert refs == [str(outbox_id), str(outbox_id)]
    assert len(sms_provider.messages) == 1
    assert _row(session_factory, outbox_id).provider_message_id == "sms-1"


def test_missing_variables_fail_at_enqueue_and_write_nothing(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    with pytest.raises(ValidationError) as error:
        services.enqueue(
            session,
            template_key="application_accepted",
            channel="sms",
            recipient="13812345678",
            variables={"service_name": "个体工商户设立登记"},
            idempotency_key="accepted:incomplete",
        )
    assert error.value.message == "通知模板 application_accepted 缺少变量：case_no、due_date"
    assert error.value.field == "variables"
    session.rollback()
    assert _count(session_factory, OutboxMessage) == 0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"template_key": "no_such_template"}, "template_key", "通知模板 no_such_template 不存在"),
        ({"channel": "fax"}, "channel", "未知的通知渠道：fax（可选 sms/email/inapp）"),
        ({"channel": "sms", "recipient": "12345"}, "recipient", "短信接收号码应为11位手机号"),
        ({"channel": "email", "recipient": "not-an-address"}, "recipient", "电子邮件地址格式不正确"),
        ({"idempotency_key": " "}, "idempotency_key", "幂等键不能为空且不能超过200个字符"),
        (
            {
                "variables": {**ACCEPTED, "service_name": "很长的事项名称" * 100},
                "channel": "sms",
                "recipient": "13812345678",
            },
            "variables",
            None,
        ),
    ],
)
def test_enqueue_refuses_bad_input_in_chinese(
    session: Session, overrides: dict[str, object], field: str, message: str | None
) -> None:
    with pytest.raises(ValidationError) as error:
        _enqueue(session, "accepted:bad", **overrides)
    assert error.value.field == field
    if message:
        assert error.value.message == message
    else:
        assert "超过 10 条" in error.value.message


def test_sms_gets_the_signature_and_its_segments_counted(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    outbox_id = _enqueue(session, "accepted:sms-length", channel="sms", recipient="13812345678")
    row = _row(session_factory, outbox_id)
    assert row.body.startswith("【成都一网】您申请的个体工商户设立登记已受理")
    assert row.sms_segments == 1
    long_id = _enqueue(
        session,
        "accepted:sms-long",
        channel="sms",
        recipient="13812345678",
        variables={**ACCEPTED, "service_name": "企业开办“一件事”：营业执照、公章刻制、发票申领、社保登记和公积金开户"},
    )
    assert _row(session_factory, long_id).sms_segments == 2


def test_retryable_failures_back_off_and_permanent_ones_die(
    session: Session, session_factory: sessionmaker[Session], sms_provider: FakeSmsProvider
) -> None:
    retried = _enqueue(session, "sms:retry", channel="sms", recipient="13812345678")
    refused = _enqueue(session, "sms:refused", channel="sms", recipient="13900000000")
    sms_provider.script.extend([503, 400])
    gateway = HttpSmsGateway(url=sms_provider.url)
    start = utcnow()
    try:
        report = deliver_pending(session_factory, now=start, gateways={Channel.SMS: gateway}, config=NO_LIMITS)
        assert (report.claimed, report.retry, report.dead) == (2, 1, 1)
        row = _row(session_factory, retried)
        assert row.status == "failed"
        assert "HTTP 503" in (row.last_error or "")
        assert as_utc(row.next_attempt_at) == start + NO_LIMITS.retry_base
        dead = _row(session_factory, refused)
        assert dead.status == "dead"
        assert "HTTP 400" in (dead.last_error or "")

        early = deliver_pending(session_factory, now=start + dt.timedelta(seconds=10), gateways={Channel.SMS: gateway})
        assert early.claimed == 0
        later = deliver_pending(
            session_factory, now=start + dt.timedelta(seconds=31), gateways={Channel.SMS: gateway}, config=NO_LIMITS
        )
        assert later.sent == 1
    finally:
        gateway.close()
    row = _row(session_factory, retried)
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, None)


def test_attempts_are_bounded(
    session: Session, session_factory: sessionmaker[Session], sms_provider: FakeSmsProvider
) -> None:
    outbox_id = _enqueue(session, "sms:always-down", channel="sms", recipient="13812345678")
    sms_provider.script.extend([500] * 10)
    config = NotifyConfig(rate_limits={}, max_attempts=3)
    gateway = HttpSmsGateway(url=sms_provider.url)
    moment = utcnow()
    try:
        for _ in range(3):
            deliver_pending(session_factory, now=moment, gateways={Channel.SMS: gateway}, config=config)
            moment += config.retry_max
    finally:
        gateway.close()
    row = _row(session_factory, outbox_id)
    assert (row.status, row.attempts) == ("dead", 3)


def test_rate_limit_defers_rather_than_drops(session: Session, session_factory: sessionmaker[Session]) -> None:
    config = NotifyConfig(rate_limits={Channel.SMS: RateLimit(2, dt.timedelta(hours=1))})
    ids = [
        _enqueue(session, f"sms:burst:{n}", channel="sms", recipient="13812345678", recipient_account_id="citizen-001")
        for n in range(5)
    ]
    other = _enqueue(session, "sms:other", channel="sms", recipient="13900000000")
    start = utcnow()
    first = deliver_pending(session_factory, now=start, config=config)
    assert (first.sent, first.deferred) == (3, 3)  # two to the busy number, one to the other number
    statuses = [_row(session_factory, outbox_id).status for outbox_id in ids]
    assert statuses == ["sent", "sent", "pending", "pending", "pending"]
    deferred = _row(session_factory, ids[2])
    assert as_utc(deferred.next_attempt_at) == start + dt.timedelta(hours=1)
    assert deferred.deferrals == 1
    assert deferred.attempts == 0
    assert _row(session_factory, other).status == "sent"

    assert deliver_pending(session_factory, now=start + dt.timedelta(minutes=30), config=config).claimed == 0
    second = deliver_pending(session_factory, now=start + dt.timedelta(hours=1, seconds=1), config=config)
    assert (second.sent, second.deferred) == (2, 1)
    third = deliver_pending(session_factory, now=start + dt.timedelta(hours=2, seconds=2), config=config)
    assert third.sent == 1
    assert all(_row(session_factory, outbox_id).status == "sent" for outbox_id in ids)
    # In demo mode every SMS lands in the account's message centre, labelled as an SMS.
    with session_factory() as check:
        channels = set(check.scalars(select(InboxMessage.channel).where(InboxMessage.account_id == "citizen-001")))
    assert channels == {"sms"}


def test_concurrent_dispatchers_send_each_message_once(
    session: Session, session_factory: sessionmaker[Session]
) -> None:
    ids = [_enqueue(session, f"inapp:many:{n}", recipient=f"account-{n % 4}") for n in range(24)]
    seen: list[str] = []
    lock = threading.Lock()
    start_together = threading.Barrier(2)

    class Recording:
        def send(self, message: OutgoingMessage) -> str:
            with lock:
                seen.append(message.client_ref)
            return f"ok-{message.client_ref}"

    gateways = dict.fromkeys(Channel, Recording())
    errors: list[BaseException] = []

    def run(worker: str) -> None:
        try:
            start_together.wait(timeout=10)
            deliver_pending(
                session_factory, batch_size=5, max_batches=10, gateways=gateways, config=NO_LIMITS, worker_id=worker
            )
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f"worker-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(seen, key=int) == [str(outbox_id) for outbox_id in ids]
    assert all(_row(session_factory, outbox_id).status == "sent" for outbox_id in ids)
