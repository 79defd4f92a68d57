"""Pydantic shapes of the notify context's API: outbox rows, messages, templates and delivery reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class OutboxRead(BaseModel):
    """One outbox row as staff see it (recipient masked)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    idempotency_key: str
    template_key: str
    template_name: str
    template_version: int
    channel: str
    channel_label: str
    recipient_masked: str
    subject_ref: str | None
    title: str
    body: str
    sms_segments: int | None
    status: str
    status_label: str
    attempts: int
    deferrals: int
    next_attempt_at: dt.datetime
    last_error: str | None
    provider_message_id: str | None
    created_at: dt.datetime
    sent_at: dt.datetime | None


class OutboxPage(BaseModel):
    """A page of outbox rows plus the number of rows in each status (whole outbox, not just this page)."""

    items: list[OutboxRead]
    total: int
    page: int
    pages: int
    status_counts: dict[str, int]


class MessageRead(BaseModel):
    """A message in the message centre."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: str
    channel_label: str
    address_masked: str
    shared: bool = Field(description="Addressed to the actor's department rather than to the actor")
    title: str
    body: str
    subject_ref: str | None
    created_at: dt.datetime
    read_at: dt.datetime | None


class MessagePage(BaseModel):
    """A page of the actor's messages and the unread count."""

    items: list[MessageRead]
    total: int
    unread: int
    page: int
    pages: int


class UnreadCount(BaseModel):
    """How many messages the actor has not read."""

    unread: int


class TemplateRead(BaseModel):
    """The current version of a template on one channel."""

    key: str
    name: str
    channel: str
    channel_label: str
    version: int
    source: str
    title: str
    body: str
    variables: list[str]


class TemplatePublish(BaseModel):
    """A new version of a template text on one channel."""

    key: str = Field(min_length=1, max_length=64)
    channel: str
    name: str | None = Field(default=None, max_length=64)
    title: str = ""
    body: str = Field(min_length=1, max_length=4000)


class PreviewRequest(BaseModel):
    """Variables to render a template with, without sending anything."""

    variables: dict[str, Any] = Field(default_factory=dict)


class PreviewRead(BaseModel):
    """A rendered template and, for SMS, how it is billed."""

    key: str
    channel: str
    version: int
    title: str
    body: str
    sms_characters: int | None = None
    sms_segments: int | None = None


class DeliveryReportRead(BaseModel):
    """Outcome of one delivery pass."""

    claimed: int
    sent: int
    retry: int
    dead: int
    deferred: int
