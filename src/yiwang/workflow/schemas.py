"""Pydantic shapes the workflow services return and the API accepts."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class DefinitionOut(_Out):
    """A published definition version (``body`` only when asked for one definition)."""

    id: int
    key: str
    version: int
    name: str
    checksum: str
    published_at: dt.datetime
    published_by: str
    created: bool = False
    body: dict[str, Any] | None = None


class AssignmentOut(_Out):
    """A unit charged with the case or a branch."""

    unit_code: str
    role: str
    active: bool
    branch_key: str | None
    assigned_at: dt.datetime
    assigned_by: str
    signed_at: dt.datetime | None
    ended_at: dt.datetime | None
    end_reason: str | None


class BranchOut(_Out):
    """A parallel branch with its clock."""

    id: int
    key: str
    label: str
    unit_code: str
    role: str
    state: str
    state_label: str
    status: str
    outcome: str | None
    due_at: dt.datetime | None
    overdue: bool
    completed_at: dt.datetime | None


class TimelineEntry(_Out):
    """One history row for the timeline."""

    at: dt.datetime
    actor_id: str
    actor_role: str
    actor_role_label: str
    actor_unit: str | None
    action: str
    label: str
    from_state: str | None
    to_state: str | None
    branch_key: str | None
    comment: str
    reason: str
    attachments: list[Any]
    automatic: bool


class ActionOption(_Out):
    """An action the viewer may take now, with what its form needs."""

    name: str
    label: str
    effect: str | None
    to: str | None
    branch_key: str | None
    requires_comment: bool
    requires_reason: bool
    needs_unit: bool
    needs_extension: bool


class ExtensionOut(_Out):
    """A 延期 request."""

    id: int
    amount: int
    unit: str
    unit_label: str
    reason: str
    status: str
    requested_by: str
    requested_at: dt.datetime
    decided_by: str | None
    new_due_at: dt.datetime | None


class Clock(_Out):
    """The time-limit clock of an instance."""

    due_at: dt.datetime | None
    state_due_at: dt.datetime | None
    next_due_at: dt.datetime | None
    remaining_seconds: float | None
    remaining_text: str
    overdue: bool
    note: str = ""


class InstanceSummary(_Out):
    """The headline of an instance (queues, action results)."""

    id: int
    definition_key: str
    definition_version: int
    definition_name: str
    subject_ref: str
    title: str
    state: str
    state_label: str
    status: str
    outcome: str | None
    priority: int
    level: int
    supervised: bool
    remind_count: int
    version: int
    created_at: dt.datetime
    due_at: dt.datetime | None
    state_due_at: dt.datetime | None
    overdue: bool
    units: list[str] = Field(default_factory=list)


class InstanceView(_Out):
    """Everything the instance page shows to one viewer."""

    instance: InstanceSummary
    data: dict[str, Any]
    created_by: str
    supervisor_note: str
    clock: Clock
    branches: list[BranchOut]
    assignments: list[AssignmentOut]
    timeline: list[TimelineEntry]
    extensions: list[ExtensionOut]
    actions: list[ActionOption]


class ActionResult(_Out):
    """What an action changed: the instance headline after it and the domain events it raised."""

    instance: InstanceSummary
    action: str
    label: str
    events: list[str]


class QueuePage(_Out):
    """One page of a work queue."""

    tab: Literal["todo", "done", "overdue"]
    items: list[InstanceSummary]
    total: int
    page: int
    pages: int
    page_size: int


class StartRequest(BaseModel):
    """API body to start an instance."""

    definition_key: str = Field(max_length=64)
    subject_ref: str = Field(max_length=128)
    title: str = Field(default="", max_length=200)
    data: dict[str, Any] = Field(default_factory=dict)
    priority: int = Field(default=0, ge=0, le=2)
    time_limit_amount: int | None = Field(default=None, gt=0)
    time_limit_unit: Literal["working_days", "working_hours", "natural_days", "urgent_hours"] | None = None


class ActionRequest(BaseModel):
    """API body of an action; ``expected_version`` is the version the client last saw."""

    expected_version: int
    comment: str | None = Field(default=None, max_length=4000)
    reason: str | None = Field(default=None, max_length=4000)
    data: dict[str, Any] | None = None
    assignee_unit: str | None = Field(default=None, max_length=32)
    assist_units: list[str] = Field(default_factory=list)
    attachments: list[str] = Field(default_factory=list)
    branch: str | None = Field(default=None, max_length=64)
    extension_amount: int | None = Field(default=None, gt=0)
    extension_unit: Literal["working_days", "working_hours", "natural_days", "urgent_hours"] | None = None
