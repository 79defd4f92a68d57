"""Background jobs of the notify context, declared with their schedule; safe to run again at any time."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from yiwang.notify.dispatcher import DeliveryReport, deliver_pending
from yiwang.notify.policy import NotifyConfig

DELIVERY_INTERVAL = dt.timedelta(seconds=10)
"""How often the outbox is drained; messages wait at most this long (plus any retry backoff)."""


def deliver_outbox(
    session_factory: sessionmaker[Session],
    *,
    settings: Any = None,
    now: dt.datetime | None = None,
    batch_size: int = 100,
    max_batches: int = 10,
) -> DeliveryReport:
    """Drain due outbox rows through the configured gateways (one pass of up to ``max_batches`` batches)."""
    config = NotifyConfig.from_settings(settings) if settings is not None else NotifyConfig()
    return deliver_pending(session_factory, now=now, batch_size=batch_size, config=config, max_batches=max_batches)


PERIODIC_TASKS = {"notify.deliver_outbox": (DELIVERY_INTERVAL, deliver_outbox)}
"""Job name → (interval, function taking ``(session_factory, *, settings, now)``) for the platform's worker."""
