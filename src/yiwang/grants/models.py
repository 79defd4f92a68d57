"""Tables of the grants ledger: policy budgets, grants, payment batches and instructions, and grant history.

Exactly-once payment rests on three constraints: one grant per (policy, subject, instalment); one payment
instruction per (grant, attempt); and one idempotency key per grant that every instruction for it carries, so the
finance system never pays the same key twice. Created by the hand-written migration 0012.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.db import Base, UTCDateTime, utcnow

HAND_MIGRATED = {"migration": "0012"}
"""Table ``info`` of every grants table: created by migration 0012, not by the regenerated 0001."""

AMOUNT = Numeric(16, 2)


class PolicyBudget(Base):
    """The budget of one policy (one row per policy, updated when a version is published) and what it has bound.

    ``committed`` grows by a conditional update (``committed + amount <= budget``) when a grant is approved, so
    concurrent approvals can never together exceed the budget.
    """

    __tablename__ = "grants_policy_budget"
    __table_args__ = ({"info": HAND_MIGRATED},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(64), unique=True)
    policy_version: Mapped[int] = mapped_column(Integer)
    policy_name: Mapped[str] = mapped_column(String(200))
    funding_department: Mapped[str] = mapped_column(String(32), index=True)
    budget: Mapped[Decimal] = mapped_column(AMOUNT)
    rule: Mapped[str] = mapped_column(String(16))  # ledger.BudgetRule
    committed: Mapped[Decimal] = mapped_column(AMOUNT, default=Decimal(0))
    paid: Mapped[Decimal] = mapped_column(AMOUNT, default=Decimal(0))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Grant(Base):
    """One award to one subject for one instalment of one policy, from match to payment."""

    __tablename__ = "grants_grant"
    __table_args__ = (
        UniqueConstraint("policy_id", "subject_code", "instalment", name="uq_grants_grant_policy_subject_instalment"),
        Index("ix_grants_grant_state_department", "state", "funding_department"),
        {"info": HAND_MIGRATED},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(120), unique=True)
    policy_id: Mapped[str] = mapped_column(String(64), index=True)
    policy_version: Mapped[int] = mapped_column(Integer)
    policy_name: Mapped[str] = mapped_column(String(200))
    mode: Mapped[str] = mapped_column(String(12))  # ledger.Mode
    funding_department: Mapped[str] = mapped_column(String(32))
    subject_kind: Mapped[str] = mapped_column(String(10))  # ledger.SubjectKind
    subject_code: Mapped[str] = mapped_column(String(18), index=True)
    subject_name: Mapped[str] = mapped_column(String(128))
    district_code: Mapped[str | None] = mapped_column(String(6), index=True)
    industry: Mapped[str | None] = mapped_column(String(8))
    size_class: Mapped[str | None] = mapped_column(String(16))
    instalment: Mapped[int] = mapped_column(Integer)
    award_year: Mapped[int] = mapped_column(Integer)
    matched_amount: Mapped[Decimal] = mapped_column(AMOUNT)
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    state: Mapped[str] = mapped_column(String(12), index=True)  # ledger.GrantState
    payee_account: Mapped[str | None] = mapped_column(String(34))
    payee_bank: Mapped[str | None] = mapped_column(String(64))
    payee_name: Mapped[str | None] = mapped_column(String(128))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("grants_batch.id"), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    paid_reference: Mapped[str | None] = mapped_column(String(64))
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(String(200), default="")
    order_key: Mapped[str] = mapped_column(String(64), default="")  # first-come order (ascending)
    matched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    approved_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Optimistic lock: every transition is ``UPDATE … WHERE id = :id AND row_version = :seen``.
    row_version: Mapped[int] = mapped_column(Integer, default=1)


class PaymentBatch(Base):
    """A payment batch for the finance system: built by claiming approved grants one by one, then sealed.

    ``lease_owner``/``lease_until`` let a rerun adopt the batch of a run that died while building it.
    """

    __tablename__ = "grants_batch"
    __table_args__ = ({"info": HAND_MIGRATED},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_no: Mapped[str] = mapped_column(String(40), unique=True)
    funding_department: Mapped[str] = mapped_column(String(32), index=True)
    policy_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), index=True)  # building / sealed / settled
    item_count: Mapped[int] = mapped_column(Integer, default=0)
    total_amount: Mapped[Decimal] = mapped_column(AMOUNT, default=Decimal(0))
    checksum: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sealed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class PaymentInstruction(Base):
    """One instruction to pay one grant, in one batch; a failed payment is retried as the next attempt."""

    __tablename__ = "grants_instruction"
    __table_args__ = (
        UniqueConstraint("grant_id", "attempt", name="uq_grants_instruction_grant_attempt"),
        {"info": HAND_MIGRATED},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("grants_batch.id"), index=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants_grant.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str] = mapped_column(String(120), index=True)
    payee_name: Mapped[str] = mapped_column(String(128))
    payee_account: Mapped[str] = mapped_column(String(34))
    payee_bank: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    policy_id: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(200))
    result: Mapped[str | None] = mapped_column(String(8))  # None (pending) / paid / failed
    result_reference: Mapped[str | None] = mapped_column(String(64))
    result_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GrantEvent(Base):
    """One step in a grant's history (matched, notified, confirmed, approved, batched, paid, failed…)."""

    __tablename__ = "grants_event"
    __table_args__ = ({"info": HAND_MIGRATED},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grant_id: Mapped[int] = mapped_column(ForeignKey("grants_grant.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(12))
    to_state: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
