"""Notification tables: published template versions, the transactional outbox and the in-app message centre."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.db import Base, UTCDateTime, utcnow

HAND_MIGRATED = {"migration": "0004"}
"""Table ``info`` of every notify table: created by the hand-written migration 0004, not by the regenerated 0001."""


class TemplateVersion(Base):
    """A template text published by platform staff; supersedes the shipped text when its version is higher.

    Versions are never edited: publishing a change adds ``version + 1`` (unique per key and channel), and every
    outbox row records the version it was rendered from.
    """

    __tablename__ = "notify_template"
    __table_args__ = (UniqueConstraint("key", "channel", "version"), {"info": HAND_MIGRATED})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # Channel value
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))


class OutboxMessage(Base):
    """A message to deliver, written in the same transaction as the change it reports.

    A crash can therefore never lose a message that belongs to a committed change, nor send one whose change
    was rolled back. ``idempotency_key`` is unique, so a retried request never queues a duplicate; the row id
    is passed to the gateway as the provider's idempotency key (``client_ref``), so a re-delivery after a crash
    is recognised by the provider. Status: pending → sending → sent; failed (retried at ``next_attempt_at``);
    dead (permanent error or attempts exhausted). ``claimed_by``/``claimed_until`` form a lease: a row left in
    ``sending`` by a crashed dispatcher is claimed again once the lease has expired.
    """

    __tablename__ = "notify_outbox"
    __table_args__ = (
        Index("ix_notify_outbox_due", "status", "next_attempt_at"),
        Index("ix_notify_outbox_recipient_channel", "recipient", "channel", "sent_at"),
        {"info": HAND_MIGRATED},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    template_key: Mapped[str] = mapped_column(String(64), index=True)
    template_version: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(8))  # Channel value
    recipient: Mapped[str] = mapped_column(String(128))  # phone number, e-mail address or account id
    recipient_account_id: Mapped[str | None] = mapped_column(String(64))  # whose message centre, when known
    subject_ref: Mapped[str | None] = mapped_column(String(64), index=True)  # e.g. "rating:12"
    variables: Mapped[dict[str, Any]] = mapped_column(JSON)
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    sms_segments: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8), default="pending")  # OutboxStatus value
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    deferrals: Mapped[int] = mapped_column(Integer, default=0)  # times postponed by a rate limit
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    created_by: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class InboxMessage(Base):
    """A message in the in-app message centre (站内消息) of one account or of a department's shared inbox.

    ``account_id`` is an account id, or ``dept:<code>`` for a department's shared inbox (read by anyone of the
    department). ``client_ref`` (the outbox id) is unique, so delivering the same outbox row twice stores it once.
    ``channel`` says which channel the message stands for: the demo delivers SMS and e-mail here too.
    """

    __tablename__ = "notify_message"
    __table_args__ = (Index("ix_notify_message_inbox", "account_id", "read_at"), {"info": HAND_MIGRATED})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[str] = mapped_column(String(64))
    client_ref: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(128), default="")  # the phone/e-mail it stands for
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text)
    subject_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
