"""Pydantic contracts of the sharing context: audit entries, pages, source status, verification results."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class AuditEntryRead(BaseModel):
    """One audit row as stored; ``subject_code`` is raw, ``subject_display`` is what people see (masked)."""

    model_config = ConfigDict(frozen=True)

    seq: int
    at: dt.datetime
    actor_id: str
    actor_department: str | None
    actor_role: str | None
    subject_kind: str
    subject_code: str
    subject_display: str
    source_department: str
    source_department_name: str | None = None
    actor_department_name: str | None = None
    record_kind: str
    fields: list[str]
    purpose: str
    legal_basis: str
    cross_department: bool
    outcome: str
    prev_hash: str
    hash: str


class AuditEntryOut(BaseModel):
    """An audit row as the HTTP API shows it: personal ID numbers masked, enterprise codes (public) in full."""

    seq: int
    at: dt.datetime
    actor_id: str
    actor_department: str | None
    actor_role: str | None
    subject_kind: str
    subject_code: str = Field(description="公民身份号码已脱敏；统一社会信用代码为公开信息，完整显示")
    source_department: str
    source_department_name: str | None = None
    actor_department_name: str | None = None
    record_kind: str
    fields: list[str]
    purpose: str
    legal_basis: str
    cross_department: bool
    outcome: str
    prev_hash: str
    hash: str

    @classmethod
    def from_read(cls, entry: AuditEntryRead) -> AuditEntryOut:
        """The API view of a stored entry."""
        data = entry.model_dump(exclude={"subject_code", "subject_display"})
        return cls(subject_code=entry.subject_display, **data)


class VerifyResult(BaseModel):
    """Outcome of walking the hash chain; ``reason`` is Chinese and names the first bad row."""

    model_config = ConfigDict(frozen=True)

    ok: bool
    checked: int = Field(description="校验通过的记录条数")
    first_bad_seq: int | None = Field(default=None, description="第一条有问题的记录序号")
    reason: str


class SourceStatusRead(BaseModel):
    """Availability of one department's data source (departments never marked are available)."""

    model_config = ConfigDict(frozen=True)

    department_code: str
    department_name: str | None = None
    available: bool
    reason: str = ""
    changed_at: dt.datetime | None = None
    changed_by: str | None = None


class SourceStatusUpdate(BaseModel):
    """Body of ``PUT /api/sharing/sources/{department_code}``."""

    model_config = ConfigDict(extra="forbid")

    available: bool = Field(description="数据源是否可用")
    reason: str = Field(default="", max_length=500, description="不可用原因（例如：系统升级维护）")
