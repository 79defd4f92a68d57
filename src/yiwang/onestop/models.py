"""Tables of the one-stop context (一网通办): applications, their items, materials, corrections, commitments, events.

An application is one applicant's request for one catalogue item or one 一件事 bundle. It owns one row per
catalogue item it covers (``onestop_application_item``, one workflow branch each), one row per required material
(waived with the reason, or asked for / uploaded), the 补正 requests and 告知承诺 commitments, and its own
timeline (``onestop_event``), which the applicant sees and the 四个减 figures are computed from. The tables are
created by the hand-written migration 0010 (``info["migration"]``); a test compares that migration with them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.db import Base, UTCDateTime, utcnow

HAND_MIGRATED = {"migration": "0010"}
"""Table ``info`` of every one-stop table: created by migration 0010, not by the regenerated 0001."""


class Application(Base):
    """One applicant's application for a catalogue item or a 一件事 bundle, from draft to completion."""

    __tablename__ = "onestop_application"
    __table_args__ = ({"info": HAND_MIGRATED},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # 申请编号, shown to people
    kind: Mapped[str] = mapped_column(String(8))  # "item" | "bundle"
    code: Mapped[str] = mapped_column(String(64), index=True)  # catalogue item or bundle code
    name: Mapped[str] = mapped_column(String(128))
    lead_department: Mapped[str] = mapped_column(String(32), index=True)  # rated department, 牵头部门
    applicant_account_id: Mapped[str] = mapped_column(String(64), index=True)  # the account's username
    applicant_kind: Mapped[str] = mapped_column(String(16))  # "person" | "enterprise"
    applicant_id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    applicant_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    applicant_name: Mapped[str] = mapped_column(String(128))
    district_code: Mapped[str | None] = mapped_column(String(6), index=True)
    street_code: Mapped[str | None] = mapped_column(String(9))
    # draft → submitted → (correction ↔ submitted) → completed; withdrawn drafts are kept (never deleted).
    status: Mapped[str] = mapped_column(String(16), index=True)
    outcome: Mapped[str | None] = mapped_column(String(16))  # approved | rejected | partial
    form_data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prefill: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # field → {value, source, label}
    notices: Mapped[list[str]] = mapped_column(JSON, default=list)  # degraded-source notices shown on the form
    channel: Mapped[str] = mapped_column(String(16), default="online")
    trips: Mapped[int] = mapped_column(Integer, default=0)  # visits to a hall; 0 when done online
    workflow_instance_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    rating_id: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy mapper configuration


class ApplicationItem(Base):
    """One catalogue item inside an application: its department's branch, decision, trace and certificate."""

    __tablename__ = "onestop_application_item"
    __table_args__ = (
        UniqueConstraint("application_id", "item_code", name="uq_onestop_application_item_application_id_item"),
        {"info": HAND_MIGRATED},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("onestop_application.id", ondelete="CASCADE"), index=True)
    item_code: Mapped[str] = mapped_column(String(64))
    item_name: Mapped[str] = mapped_column(String(128))
    department_code: Mapped[str] = mapped_column(String(32), index=True)
    promised_days: Mapped[int] = mapped_column(Integer, default=0)
    # pending (待受理) → accepted (审查中) → correction (补正) → accepted → approved | rejected
    status: Mapped[str] = mapped_column(String(16), index=True)
    instant: Mapped[bool] = mapped_column(Boolean, default=False)  # decided by 秒批 rules
    rule_trace: Mapped[list[Any]] = mapped_column(JSON, default=list)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str | None] = mapped_column(String(64))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    result_type: Mapped[str | None] = mapped_column(String(64))
    certificate_number: Mapped[str | None] = mapped_column(String(64))
    by_commitment: Mapped[bool] = mapped_column(Boolean, default=False)


class Material(Base):
    """One required material of an application: waived (and why), asked for, or uploaded (stored safely)."""

    __tablename__ = "onestop_material"
    __table_args__ = (
        UniqueConstraint("application_id", "material_code", name="uq_onestop_material_application_id_material"),
        {"info": HAND_MIGRATED},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("onestop_application.id", ondelete="CASCADE"), index=True)
    material_code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(128))
    item_codes: Mapped[list[str]] = mapped_column(JSON, default=list)  # items of the bundle needing it
    source: Mapped[str] = mapped_column(String(16))  # shared_data | e_certificate | earlier_step | upload
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16))  # waived 免提交, needed 请上传, uploaded 已上传
    waived_reason: Mapped[str] = mapped_column(Text, default="")
    provided_by: Mapped[str | None] = mapped_column(String(32))  # department code holding the data
    certificate_number: Mapped[str | None] = mapped_column(String(64))
    notice: Mapped[str] = mapped_column(Text, default="")  # degraded source: why an upload is asked
    file_name: Mapped[str | None] = mapped_column(String(255))
    content_type: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("onestop_upload.id"))
    uploaded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Upload(Base):
    """The bytes of one uploaded file, kept in the database (transactional, no file names on disk to abuse)."""

    __tablename__ = "onestop_upload"
    __table_args__ = ({"info": HAND_MIGRATED},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("onestop_application.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Correction(Base):
    """A 补正 request: the department names the fields and materials to fix; resolved on resubmission."""

    __tablename__ = "onestop_correction"
    __table_args__ = ({"info": HAND_MIGRATED},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("onestop_application.id", ondelete="CASCADE"), index=True)
    item_code: Mapped[str] = mapped_column(String(64))
    department_code: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    materials: Mapped[list[str]] = mapped_column(JSON, default=list)
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Commitment(Base):
    """A signed 告知承诺: its text, signer, time and hash; the post-check due and its finding."""

    __tablename__ = "onestop_commitment"
    __table_args__ = (
        UniqueConstraint("application_id", "item_code", name="uq_onestop_commitment_application_id_item"),
        {"info": HAND_MIGRATED},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("onestop_application.id", ondelete="CASCADE"), index=True)
    item_code: Mapped[str] = mapped_column(String(64))
    department_code: Mapped[str] = mapped_column(String(32), index=True)  # the post-checking department
    text: Mapped[str] = mapped_column(Text)
    signer_account_id: Mapped[str] = mapped_column(String(64))
    signer_name: Mapped[str] = mapped_column(String(128))
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    sha256: Mapped[str] = mapped_column(String(64))
    # signed → pending_check (approved, check scheduled) → confirmed | false
    status: Mapped[str] = mapped_column(String(16), index=True)
    post_check_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), index=True)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    checked_by: Mapped[str | None] = mapped_column(String(64))
    finding: Mapped[str] = mapped_column(Text, default="")
    certificate_number: Mapped[str | None] = mapped_column(String(64))


class ApplicationEvent(Base):
    """One step of an application's timeline (who did what, when): shown to the applicant, counted by 四个减."""

    __tablename__ = "onestop_event"
    __table_args__ = ({"info": HAND_MIGRATED},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("onestop_application.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[str] = mapped_column(String(64))
    actor_kind: Mapped[str] = mapped_column(String(16))  # applicant | department | system
    department_code: Mapped[str | None] = mapped_column(String(32))
    item_code: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(128))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
