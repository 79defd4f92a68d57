"""12345 hotline tables: appeals (诉求工单), their media, and callbacks (回访).

An appeal is the hotline's record of one demand: who reported it through which channel, the 五要素, where, the
triage suggestion next to the final classification, the routing decision, and its place in the workflow
(``instance_id`` of an ``appeal`` workflow instance, whose ``subject_ref`` is ``appeal:<number>``). State and
deadlines live in the workflow engine; ``state``/``status``/``outcome`` here are copies kept in the same
transaction so lists and KPIs can filter without asking the engine. A duplicate merged into another appeal
(并单) points at its master through ``master_id``. Created by the hand-written migration 0006; 0013 added the
times of the latest dispatch and of its signing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.db import Base, UTCDateTime, utcnow

HAND_MIGRATED = {"migration": "0006"}
"""Table ``info`` of every hotline core table: created by migration 0006, not by the regenerated 0001."""

RESPONSE_MIGRATED = {"migration": "0013"}
"""Column ``info`` of the appeal columns added by migration 0013 (the times 响应率 is measured from)."""


class Appeal(Base):
    """One 12345 appeal (诉求工单) from any channel."""

    __tablename__ = "hotline_appeal"
    __table_args__ = (
        Index("ix_hotline_appeal_status_created", "status", "created_at"),
        {"info": HAND_MIGRATED},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # 12345-YYYYMMDD-NNNNNN
    # "<submitter>:<client key>": a retried submit with the same key returns the first appeal.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(16), index=True)
    appeal_type: Mapped[str] = mapped_column(String(8), index=True)
    urgency: Mapped[str] = mapped_column(String(8))
    title: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)  # 经过
    cause: Mapped[str] = mapped_column(Text, default="")  # 起因
    occurred_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # 时间
    reporter_name: Mapped[str | None] = mapped_column(String(64))  # 诉求人
    reporter_phone: Mapped[str | None] = mapped_column(String(32))
    reporter_email: Mapped[str | None] = mapped_column(String(128))
    reporter_id_number: Mapped[str | None] = mapped_column(String(18))
    reporter_account_id: Mapped[str | None] = mapped_column(String(64), index=True)
    enterprise_uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    address: Mapped[str] = mapped_column(String(255), default="")  # 地点
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    district_code: Mapped[str | None] = mapped_column(String(6), index=True)
    street_code: Mapped[str | None] = mapped_column(String(9), index=True)
    grid_code: Mapped[str | None] = mapped_column(String(15))
    category: Mapped[str | None] = mapped_column(String(32), index=True)
    category_path: Mapped[list[str]] = mapped_column(JSON, default=list)
    department: Mapped[str | None] = mapped_column(String(32), index=True)  # final lead unit (主办)
    assist_units: Mapped[list[str]] = mapped_column(JSON, default=list)  # final assisting units (协办)
    suggestion: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the triage result as suggested
    triage_confidence: Mapped[float | None] = mapped_column(Float)
    triage_model_version: Mapped[str] = mapped_column(String(64), default="")
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    corrected: Mapped[bool] = mapped_column(Boolean, default=False)
    kb_article: Mapped[str | None] = mapped_column(String(64))  # knowledge-base answer used for 直接答复
    routing_version: Mapped[str] = mapped_column(String(32), default="")
    time_limit: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    instance_id: Mapped[int | None] = mapped_column(Integer, unique=True)  # workflow_instance.id
    wf_version: Mapped[int | None] = mapped_column(Integer)  # the instance's version when last synchronised
    state: Mapped[str] = mapped_column(String(16), index=True)  # workflow state (受理, 派单, 签收, …)
    status: Mapped[str] = mapped_column(String(8))  # open / closed
    outcome: Mapped[str | None] = mapped_column(String(16))  # 办结 / 转接 / 已并单 / 不予受理 (closed only)
    direct_answer: Mapped[bool] = mapped_column(Boolean, default=False)  # 直接答复办结
    redirect_number: Mapped[str | None] = mapped_column(String(8))  # 110 / 119 / 120 / 122
    redirect_reason: Mapped[str] = mapped_column(Text, default="")
    master_id: Mapped[int | None] = mapped_column(ForeignKey("hotline_appeal.id"), index=True)
    merged_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    merged_by: Mapped[str | None] = mapped_column(String(64))
    duplicate_count: Mapped[int] = mapped_column(Integer, default=0)  # reports merged into this master
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # 响应率: the latest 派单/改派 (a new one clears signed_at) and the lead unit's 签收 of it (migration 0013).
    dispatched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), info=RESPONSE_MIGRATED)
    signed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), info=RESPONSE_MIGRATED)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    reminded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # last 催办 by the sweep
    supervised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # 督办 by the sweep
    reply_text: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    satisfaction: Mapped[str | None] = mapped_column(String(8))  # latest callback: 满意 / 基本满意 / 不满意
    rating_level: Mapped[int | None] = mapped_column(Integer)  # latest 好差评 level (1..5)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    service_code: Mapped[str | None] = mapped_column(String(32))  # Open311 service code when it came that way
    open311_token: Mapped[str | None] = mapped_column(String(40), unique=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class AppealMedia(Base):
    """A photo or file attached to an appeal (stored in the database after type and size checks), or a URL."""

    __tablename__ = "hotline_media"
    __table_args__ = ({"info": HAND_MIGRATED},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("hotline_appeal.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # file / url
    filename: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(64), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str] = mapped_column(String(64), default="")
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    url: Mapped[str | None] = mapped_column(String(1000))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AppealCallback(Base):
    """One 回访 of an appeal: the caller's satisfaction, the 好差评 level recorded with the ratings context."""

    __tablename__ = "hotline_callback"
    __table_args__ = (
        UniqueConstraint("appeal_id", "round", name="uq_hotline_callback_round"),
        {"info": HAND_MIGRATED},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("hotline_appeal.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)  # 1 for the first callback, +1 after each 重办
    method: Mapped[str] = mapped_column(String(8))  # phone / sms / online / visit
    satisfaction: Mapped[str] = mapped_column(String(8))
    resolved: Mapped[bool] = mapped_column(Boolean, default=True)  # 诉求人认为已解决 (解决率)
    rating_level: Mapped[int | None] = mapped_column(Integer)
    rating_id: Mapped[int | None] = mapped_column(Integer)  # ratings_rating.id
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
