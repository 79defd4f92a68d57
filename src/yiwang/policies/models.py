"""policies: dated policy versions, per-subject profile state for incremental matching, and match results.

Created by the hand-written migration 0011 (``info["migration"]`` marks the tables so the regenerated initial
migration leaves them out); a test compares that migration with these models.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Date, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.db import Base, UTCDateTime, utcnow

HAND_MIGRATED = {"migration": "0011"}
"""Table ``info`` of every policies table: created by migration 0011."""


class PolicyVersion(Base):
    """One dated version of a policy: its YAML, parsed document, status and budget decision."""

    __tablename__ = "policies_version"
    __table_args__ = (
        UniqueConstraint("policy_id", "version", name="uq_policies_version_policy_version"),
        {"info": HAND_MIGRATED},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(128))
    subject_kind: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    mode: Mapped[str] = mapped_column(String(12))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    funding_department: Mapped[str] = mapped_column(String(32), index=True)
    budget: Mapped[int] = mapped_column(BigInteger)
    budget_rule: Mapped[str] = mapped_column(String(16), default="refuse")
    effective_budget: Mapped[int] = mapped_column(BigInteger)
    scale_factor: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(Text)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    simulated_cost: Mapped[int | None] = mapped_column(BigInteger)
    simulated_beneficiaries: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    published_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")


class ProfileState(Base):
    """The profile hash of a subject at the last matching run (incremental matching compares against it)."""

    __tablename__ = "policies_profile_state"
    __table_args__ = ({"info": HAND_MIGRATED},)

    subject_kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    subject_code: Mapped[str] = mapped_column(String(18), primary_key=True)
    profile_hash: Mapped[str] = mapped_column(String(24))
    as_of: Mapped[dt.date] = mapped_column(Date)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PolicyMatch(Base):
    """The current judgement of one subject against one policy (the version in force on ``as_of``)."""

    __tablename__ = "policies_match"
    __table_args__ = (
        UniqueConstraint("policy_id", "subject_kind", "subject_code", name="uq_policies_match_policy_subject"),
        Index("ix_policies_match_subject", "subject_kind", "subject_code"),
        Index("ix_policies_match_policy_eligible", "policy_id", "eligible"),
        {"info": HAND_MIGRATED},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(64))
    policy_version: Mapped[int] = mapped_column(Integer)
    subject_kind: Mapped[str] = mapped_column(String(10))
    subject_code: Mapped[str] = mapped_column(String(18))
    as_of: Mapped[dt.date] = mapped_column(Date)
    profile_hash: Mapped[str] = mapped_column(String(24))
    eligible: Mapped[bool] = mapped_column(Boolean)
    award: Mapped[int] = mapped_column(BigInteger)
    final_award: Mapped[int] = mapped_column(BigInteger)
    schedule_total: Mapped[int] = mapped_column(BigInteger)
    due_mask: Mapped[int] = mapped_column(Integer)
    fail_mask: Mapped[int] = mapped_column(Integer)
    excluded_by: Mapped[str | None] = mapped_column(String(64))
    order_key: Mapped[str] = mapped_column(String(64))
    district_code: Mapped[str | None] = mapped_column(String(6))
    industry_section: Mapped[str | None] = mapped_column(String(1))
    size_class: Mapped[str | None] = mapped_column(String(2))
    matched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
