"""Audited data sharing: the append-only, hash-chained access log and department source status."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from yiwang.db import Base, UTCDateTime, utcnow
from yiwang.sharing.errors import AuditAppendOnlyError


class AuditEntry(Base):
    """One read of a department's data: who, for whom, which fields, why, on what legal basis.

    Rows are append-only (database triggers refuse UPDATE/DELETE) and chained: ``hash`` covers the row's
    content and ``prev_hash``, so changing or removing any row breaks every later link (``yiwang audit verify``).
    ``seq`` is assigned gaplessly from ``AuditHead`` under a row lock.
    """

    __tablename__ = "sharing_audit_entry"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[str] = mapped_column(String(64), index=True)  # account or system identity
    actor_department: Mapped[str | None] = mapped_column(String(32))
    actor_role: Mapped[str | None] = mapped_column(String(32))
    subject_kind: Mapped[str] = mapped_column(String(10))  # person / enterprise
    subject_code: Mapped[str] = mapped_column(String(18), index=True)
    source_department: Mapped[str] = mapped_column(String(32), index=True)
    record_kind: Mapped[str] = mapped_column(String(32))
    fields: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(String(128))
    legal_basis: Mapped[str] = mapped_column(String(128))
    cross_department: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str] = mapped_column(String(16))  # granted / unavailable
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """Single row holding the chain's last sequence number and hash; locked while appending."""

    __tablename__ = "sharing_audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))


class SourceStatus(Base):
    """Availability of a department's data source; an unavailable source makes reads fail with a typed error."""

    __tablename__ = "sharing_source_status"

    department_code: Mapped[str] = mapped_column(String(32), primary_key=True)
    available: Mapped[bool] = mapped_column(Boolean, default=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(64), default="")  # actor id of the last change


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _flush_context: Any, _instances: Any) -> None:
    """Refuse ORM updates and deletes of audit rows before they reach the database.

    The triggers of migration 0002 refuse them anyway; failing here first gives a typed error that names the row
    instead of a driver-specific exception in the middle of a flush.
    """
    for entry in session.deleted:
        if isinstance(entry, AuditEntry):
            raise AuditAppendOnlyError(f"试图删除第 {entry.seq} 条审计记录")
    for entry in session.dirty:
        if isinstance(entry, AuditEntry) and session.is_modified(entry):
            raise AuditAppendOnlyError(f"试图修改第 {entry.seq} 条审计记录")


@event.listens_for(Session, "do_orm_execute")
def _refuse_audit_bulk_changes(state: ORMExecuteState) -> None:
    """Refuse ORM-enabled bulk ``update(AuditEntry)`` / ``delete(AuditEntry)`` statements as well."""
    mapper = state.bind_mapper
    if (state.is_update or state.is_delete) and mapper is not None and mapper.class_ is AuditEntry:
        raise AuditAppendOnlyError("批量修改或删除审计记录")
