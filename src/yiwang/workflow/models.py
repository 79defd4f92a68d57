"""Tables of the workflow engine: definitions, instances, parallel branches, assignments, history, timers.

These tables are created by the hand-written migration 0003 (``info["migration"]`` marks them, so the
regenerated initial migration leaves them out); a test compares that migration with these models.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.db import Base, UTCDateTime, utcnow

HAND_MIGRATED = {"migration": "0003"}
"""Table ``info`` of every workflow table: created by migration 0003, not by the regenerated 0001."""


class WorkflowDefinition(Base):
    """One published version of a process definition (key + version unique; the body is immutable)."""

    __tablename__ = "workflow_definition"
    __table_args__ = (UniqueConstraint("key", "version"), {"info": HAND_MIGRATED})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(128))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    checksum: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by: Mapped[str] = mapped_column(String(64))


class WorkflowInstance(Base):
    """A running (or finished) case on a definition version; ``version`` guards against lost updates."""

    __tablename__ = "workflow_instance"
    __table_args__ = (
        Index("ix_workflow_instance_queue", "status", "definition_key", "state"),
        Index("ix_workflow_instance_due", "status", "due_at"),
        {"info": HAND_MIGRATED},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("workflow_definition.id"), index=True)
    definition_key: Mapped[str] = mapped_column(String(64))
    definition_version: Mapped[int] = mapped_column(Integer)
    subject_ref: Mapped[str] = mapped_column(String(128), index=True)  # e.g. "appeal:123"
    title: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8), default="open")  # open / closed
    outcome: Mapped[str | None] = mapped_column(String(32))
    priority: Mapped[int] = mapped_column(Integer, default=0)  # 0 一般, 1 紧急, 2 特急
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    level: Mapped[int] = mapped_column(Integer, default=0)  # escalation level (0 = not escalated)
    supervised: Mapped[bool] = mapped_column(Boolean, default=False)
    supervisor_note: Mapped[str] = mapped_column(Text, default="")
    remind_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    state_entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # whole process
    state_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # current state
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads this class attribute


class WorkflowBranch(Base):
    """One department's branch of a parallel state, with its own state and deadline."""

    __tablename__ = "workflow_branch"
    __table_args__ = ({"info": HAND_MIGRATED},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("workflow_instance.id"), index=True)
    parallel_state: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(128), default="")
    unit_code: Mapped[str] = mapped_column(String(32), index=True)
    role: Mapped[str] = mapped_column(String(4), default="主办")  # 主办 / 协办
    state: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8), default="open")  # open / done
    outcome: Mapped[str | None] = mapped_column(String(32))
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    state_entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class WorkflowAssignment(Base):
    """A unit (department, district or street office) charged with an instance or branch, as 主办 or 协办."""

    __tablename__ = "workflow_assignment"
    __table_args__ = (Index("ix_workflow_assignment_unit_active", "unit_code", "active"), {"info": HAND_MIGRATED})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("workflow_instance.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_branch.id"))
    unit_code: Mapped[str] = mapped_column(String(32))
    role: Mapped[str] = mapped_column(String(4))  # 主办 / 协办
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    assigned_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    assigned_by: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    signed_by: Mapped[str | None] = mapped_column(String(64))
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(16))  # 退单 / 改派 / 办结


class WorkflowEvent(Base):
    """One history row: who did what, from which state to which, with comment, reason and attachments.

    ``timer_id`` is unique: a timer's effect is recorded at most once even if two workers raced for it.
    """

    __tablename__ = "workflow_event"
    __table_args__ = ({"info": HAND_MIGRATED},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("workflow_instance.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_branch.id"))
    actor_id: Mapped[str] = mapped_column(String(64), index=True)
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_unit: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(64))
    to_state: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    attachments: Mapped[list[Any]] = mapped_column(JSON, default=list)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    timer_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_timer.id"), unique=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WorkflowTimer(Base):
    """A scheduled effect (deadline, reminder, escalation, automatic action) claimed and fired by the worker."""

    __tablename__ = "workflow_timer"
    __table_args__ = (Index("ix_workflow_timer_pending", "fired_at", "fire_at"), {"info": HAND_MIGRATED})

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("workflow_instance.id"), index=True)
    branch_id: Mapped[int | None] = mapped_column(ForeignKey("workflow_branch.id"))
    kind: Mapped[str] = mapped_column(String(16))  # deadline / reminder / escalation / auto_action
    scope: Mapped[str] = mapped_column(String(8))  # process / state / branch
    state: Mapped[str | None] = mapped_column(String(64))  # the state the timer belongs to
    effect: Mapped[str] = mapped_column(String(80))  # the on_timeout text, e.g. "auto_decide:close"
    fire_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    fired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(32))  # fired / obsolete / failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    locked_by: Mapped[str | None] = mapped_column(String(64))
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WorkflowExtension(Base):
    """A request to extend a time limit (延期), and its decision."""

    __tablename__ = "workflow_extension"
    __table_args__ = ({"info": HAND_MIGRATED},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("workflow_instance.id"), index=True)
    amount: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending / approved / rejected
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decision_comment: Mapped[str] = mapped_column(Text, default="")
    old_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    new_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
