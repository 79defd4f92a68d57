"""The outbox dispatcher: claim due messages, apply rate limits, send through the gateways, record the outcome.

One pass (:func:`deliver_pending`) runs three short transactions per batch and never holds a transaction open
while talking to a provider:

1. **Claim.** Due rows (pending or failed with ``next_attempt_at`` ≤ now, or ``sending`` with an expired lease)
   are locked with ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent dispatchers take disjoint
   rows. SQLite has no row locks; there the claim is a conditional ``UPDATE … WHERE <still due> RETURNING id`` and
   a dispatcher keeps only the rows its own update changed. Rows over a recipient's rate limit are deferred (new
   ``next_attempt_at``, not dropped); the others become ``sending`` with a lease and one more attempt.
2. **Send** each claimed row through its channel's gateway, passing the row id as ``client_ref``.
3. **Record** ``sent`` (with the provider's id), ``failed`` (retry after exponential backoff) or ``dead``
   (permanent error or attempts exhausted) — only if this dispatcher still holds the lease.

A crash between 2 and 3 leaves the row ``sending``; when the lease expires the next pass sends it again with the
same ``client_ref``, which the provider (and the in-app message centre) de-duplicates.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import socket
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Row, and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from yiwang.db import as_utc, utcnow
from yiwang.logs import get_logger
from yiwang.notify.catalog import Channel, OutboxStatus
from yiwang.notify.gateways import (
    Gateway,
    OutgoingMessage,
    PermanentDeliveryError,
    RetryableDeliveryError,
    build_gateways,
)
from yiwang.notify.models import OutboxMessage
from yiwang.notify.policy import NotifyConfig, admit, backoff

log = get_logger("yiwang.notify.dispatcher")

_RETRYABLE_STATUSES = (OutboxStatus.PENDING.value, OutboxStatus.FAILED.value)


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    claimed: int = 0
    sent: int = 0
    retry: int = 0
    dead: int = 0
    deferred: int = 0
    lost_leases: int = 0  # rows another dispatcher re-claimed before this one recorded the outcome
    sent_ids: list[int] = field(default_factory=list)

    def merge(self, other: DeliveryReport) -> None:
        """Add another batch's counts to this report."""
        self.claimed += other.claimed
        self.sent += other.sent
        self.retry += other.retry
        self.dead += other.dead
        self.deferred += other.deferred
        self.lost_leases += other.lost_leases
        self.sent_ids.extend(other.sent_ids)


@dataclass(frozen=True)
class _Claimed:
    id: int
    channel: Channel
    recipient: str
    account_id: str | None
    title: str
    body: str
    subject_ref: str | None
    attempts: int


def default_worker_id() -> str:
    """A dispatcher identity unique per process run: host, pid and a random suffix."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def deliver_pending(
    session_factory: sessionmaker[Session],
    *,
    now: dt.datetime | None = None,
    batch_size: int = 100,
    gateways: Mapping[Channel, Gateway] | None = None,
    config: NotifyConfig | None = None,
    worker_id: str | None = None,
    max_batches: int = 1,
) -> DeliveryReport:
    """Run one delivery pass of up to ``max_batches`` batches of ``batch_size`` due messages."""
    config = config or NotifyConfig()
    owned = gateways is None  # gateways built here are closed here
    active = build_gateways(config, session_factory) if gateways is None else gateways
    worker = worker_id or default_worker_id()
    report = DeliveryReport()
    try:
        for _ in range(max(max_batches, 1)):
            moment = as_utc(now) if now else utcnow()
            batch = _deliver_batch(
                session_factory, now=moment, batch_size=batch_size, gateways=active, config=config, worker=worker
            )
            report.merge(batch)
            if batch.claimed + batch.deferred < batch_size:
                break
    finally:
        if owned:
            for gateway in set(active.values()):
                close = getattr(gateway, "close", None)
                if callable(close):
                    close()
    if report.claimed or report.deferred:
        log.info(
            "notify_delivery_pass",
            worker=worker,
            claimed=report.claimed,
            sent=report.sent,
            retry=report.retry,
            dead=report.dead,
            deferred=report.deferred,
        )
    return report


def _deliver_batch(
    session_factory: sessionmaker[Session],
    *,
    now: dt.datetime,
    batch_size: int,
    gateways: Mapping[Channel, Gateway],
    config: NotifyConfig,
    worker: str,
) -> DeliveryReport:
    report = DeliveryReport()
    claimed, report.deferred = _claim(session_factory, now=now, batch_size=batch_size, config=config, worker=worker)
    report.claimed = len(claimed)
    for item in claimed:
        outcome = _deliver_one(
            session_factory, item=item, gateway=gateways.get(item.channel), now=now, config=config, worker=worker
        )
        if outcome == "sent":
            report.sent += 1
            report.sent_ids.append(item.id)
        elif outcome == "retry":
            report.retry += 1
        elif outcome == "dead":
            report.dead += 1
        else:
            report.lost_leases += 1
    return report


def _deliver_one(
    session_factory: sessionmaker[Session],
    *,
    item: _Claimed,
    gateway: Gateway | None,
    now: dt.datetime,
    config: NotifyConfig,
    worker: str,
) -> str:
    """Send one claimed row and record the outcome: ``sent``, ``retry``, ``dead`` or ``lost`` (lease lost)."""
    record = functools.partial(_record_failure, session_factory, item=item, worker=worker, now=now, config=config)
    if gateway is None:
        return record(error=RetryableDeliveryError(f"未配置{item.channel.label}网关"), permanent=False)
    message = OutgoingMessage(
        client_ref=str(item.id),
        channel=item.channel,
        recipient=item.recipient,
        account_id=item.account_id,
        title=item.title,
        body=item.body,
        subject_ref=item.subject_ref,
    )
    try:
        provider_id = gateway.send(message)
    except PermanentDeliveryError as exc:
        return record(error=exc, permanent=True)
    except RetryableDeliveryError as exc:
        return record(error=exc, permanent=False)
    except Exception as exc:
        # A gateway bug must not stop the rest of the batch; the row is retried like a temporary failure.
        log.exception("notify_gateway_error", outbox_id=item.id)
        return record(error=exc, permanent=False)
    return _record_sent(session_factory, item=item, worker=worker, now=now, provider_id=provider_id)


def _due(now: dt.datetime) -> ColumnElement[bool]:
    return or_(
        and_(OutboxMessage.status.in_(_RETRYABLE_STATUSES), OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == OutboxStatus.SENDING.value, OutboxMessage.claimed_until < now),
    )


def _claim(
    session_factory: sessionmaker[Session], *, now: dt.datetime, batch_size: int, config: NotifyConfig, worker: str
) -> tuple[list[_Claimed], int]:
    """Claim up to ``batch_size`` due rows; return the claimed rows and how many were deferred by rate limits."""
    with session_factory() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        query = (
            select(
                OutboxMessage.id,
                OutboxMessage.status,
                OutboxMessage.channel,
                OutboxMessage.recipient,
            )
            .where(_due(now))
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(batch_size)
        )
        if postgres:
            query = query.with_for_update(skip_locked=True, of=OutboxMessage)
        candidates = session.execute(query).all()
        if not candidates:
            session.rollback()
            return [], 0
        admitted, deferred = _apply_rate_limits(session, candidates=candidates, now=now, config=config)
        deferred_count = 0
        for retry_at, ids in deferred.items():
            result = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), _due(now))
                .values(next_attempt_at=retry_at, deferrals=OutboxMessage.deferrals + 1)
                .execution_options(synchronize_session=False)
            )
            deferred_count += int(getattr(result, "rowcount", 0) or 0)
        claimed_ids: list[int] = []
        if admitted:
            claimed_ids = list(
                session.scalars(
                    update(OutboxMessage)
                    .where(OutboxMessage.id.in_(admitted), _due(now))
                    .values(
                        status=OutboxStatus.SENDING.value,
                        claimed_by=worker,
                        claimed_until=now + config.lease,
                        attempts=OutboxMessage.attempts + 1,
                    )
                    .returning(OutboxMessage.id)
                    .execution_options(synchronize_session=False)
                )
            )
        rows = (
            session.execute(
                select(
                    OutboxMessage.id,
                    OutboxMessage.channel,
                    OutboxMessage.recipient,
                    OutboxMessage.recipient_account_id,
                    OutboxMessage.title,
                    OutboxMessage.body,
                    OutboxMessage.subject_ref,
                    OutboxMessage.attempts,
                )
                .where(OutboxMessage.id.in_(claimed_ids), OutboxMessage.claimed_by == worker)
                .order_by(OutboxMessage.id)
            ).all()
            if claimed_ids
            else []
        )
        session.commit()
    claimed = [
        _Claimed(
            id=row.id,
            channel=Channel(row.channel),
            recipient=row.recipient,
            account_id=row.recipient_account_id,
            title=row.title,
            body=row.body,
            subject_ref=row.subject_ref,
            attempts=row.attempts,
        )
        for row in rows
    ]
    return claimed, deferred_count


def _apply_rate_limits(
    session: Session, *, candidates: Sequence[Row[int, str, str, str]], now: dt.datetime, config: NotifyConfig
) -> tuple[list[int], dict[dt.datetime, list[int]]]:
    """Split candidates into admitted ids and deferred ids grouped by their new ``next_attempt_at``.

    A row re-claimed after an expired lease is always admitted: it may already have reached the provider, and
    counting it again would only delay a message the recipient may have received.
    """
    admitted: list[int] = []
    deferred: dict[dt.datetime, list[int]] = defaultdict(list)
    groups: dict[tuple[Channel, str], list[int]] = defaultdict(list)
    for row in candidates:
        kind = Channel(row.channel)
        if row.status == OutboxStatus.SENDING.value or config.rate_limits.get(kind) is None:
            admitted.append(row.id)
        else:
            groups[(kind, row.recipient)].append(row.id)
    for (kind, recipient), ids in groups.items():
        limit = config.rate_limits[kind]
        recent = [
            as_utc(moment)
            for moment in session.scalars(
                select(OutboxMessage.sent_at).where(
                    OutboxMessage.channel == kind.value,
                    OutboxMessage.recipient == recipient,
                    OutboxMessage.status == OutboxStatus.SENT.value,
                    OutboxMessage.sent_at > now - limit.window,
                )
            )
            if moment is not None
        ]
        in_flight = len(
            session.scalars(
                select(OutboxMessage.id).where(
                    OutboxMessage.channel == kind.value,
                    OutboxMessage.recipient == recipient,
                    OutboxMessage.status == OutboxStatus.SENDING.value,
                    OutboxMessage.claimed_until >= now,
                )
            ).all()
        )
        decision = admit(limit=limit, recent=recent, in_flight=in_flight, wanted=len(ids), now=now)
        admitted.extend(ids[: decision.allowed])
        if decision.retry_at is not None and decision.allowed < len(ids):
            deferred[decision.retry_at].extend(ids[decision.allowed :])
            log.info(
                "notify_rate_limited",
                channel=kind.value,
                deferred=len(ids) - decision.allowed,
                until=decision.retry_at.isoformat(),
                limit=limit.describe(),
            )
    return admitted, dict(deferred)


def _record_sent(
    session_factory: sessionmaker[Session], *, item: _Claimed, worker: str, now: dt.datetime, provider_id: str
) -> str:
    with session_factory() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == item.id,
                OutboxMessage.claimed_by == worker,
                OutboxMessage.status == OutboxStatus.SENDING.value,
            )
            .values(
                status=OutboxStatus.SENT.value,
                sent_at=now,
                provider_message_id=provider_id[:128],
                claimed_by=None,
                claimed_until=None,
                last_error=None,
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
    if not getattr(result, "rowcount", 0):
        log.warning("notify_lease_lost", outbox_id=item.id, worker=worker)
        return "lost"
    return "sent"


def _record_failure(
    session_factory: sessionmaker[Session],
    *,
    item: _Claimed,
    worker: str,
    now: dt.datetime,
    config: NotifyConfig,
    error: Exception,
    permanent: bool,
) -> str:
    dead = permanent or item.attempts >= config.max_attempts
    status = OutboxStatus.DEAD if dead else OutboxStatus.FAILED
    wait = backoff(item.attempts, base=config.retry_base, cap=config.retry_max)
    with session_factory() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == item.id,
                OutboxMessage.claimed_by == worker,
                OutboxMessage.status == OutboxStatus.SENDING.value,
            )
            .values(
                status=status.value,
                next_attempt_at=now + wait,
                claimed_by=None,
                claimed_until=None,
                last_error=str(error)[:2000] or type(error).__name__,
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
    if not getattr(result, "rowcount", 0):
        log.warning("notify_lease_lost", outbox_id=item.id, worker=worker)
        return "lost"
    log.info("notify_delivery_failed", outbox_id=item.id, attempts=item.attempts, status=status.value, error=str(error))
    return "dead" if dead else "retry"
