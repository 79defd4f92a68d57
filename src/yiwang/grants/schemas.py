"""Shapes of the grants ledger: matches to pay, grants as people see them (masked), batches, results, reports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from yiwang.kernel.pages import Page


@dataclass(frozen=True, slots=True)
class PolicyTerms:
    """What the ledger needs to know about a published policy version to pay it within budget."""

    policy_id: str
    policy_version: int
    policy_name: str
    funding_department: str
    budget: Decimal  # effective budget (after a raised budget), yuan
    rule: str  # ledger.BudgetRule value


@dataclass(frozen=True, slots=True)
class GrantMatch:
    """One payable instalment of one match (policy + version, subject, amount, instalment, mode)."""

    subject_kind: str
    subject_code: str
    subject_name: str
    instalment: int
    award_year: int
    amount: Decimal
    mode: str
    district_code: str | None = None
    industry: str | None = None
    size_class: str | None = None
    order_key: str = ""
    payee_account: str | None = None  # known from registry data (免申即享 skips confirmation)
    payee_bank: str | None = None


class GrantRead(BaseModel):
    """A grant as shown to people: personal subjects masked unless the viewer is the subject."""

    model_config = ConfigDict(frozen=True)

    id: int
    idempotency_key: str
    policy_id: str
    policy_version: int
    policy_name: str
    mode: str
    mode_label: str
    funding_department: str
    subject_kind: str
    subject_code: str  # masked for persons
    subject_name: str  # masked for persons
    district_code: str | None
    industry: str | None
    size_class: str | None
    instalment: int
    award_year: int
    matched_amount: Decimal
    amount: Decimal
    state: str
    state_label: str
    state_tone: str
    payee_account_masked: str
    payee_bank: str | None
    batch_id: int | None
    attempts: int
    paid_reference: str | None
    paid_on: dt.date | None
    failure_reason: str | None
    note: str
    matched_at: dt.datetime
    approved_at: dt.datetime | None
    row_version: int
    needs_account: bool
    can_approve: bool


GrantPage = Page[GrantRead]


class GrantEventRead(BaseModel):
    """One step of a grant's history."""

    at: dt.datetime
    actor_id: str
    from_state: str | None
    to_state: str
    to_state_label: str
    note: str


class GrantDetail(BaseModel):
    """A grant with its history."""

    grant: GrantRead
    events: list[GrantEventRead]


class AccountConfirmation(BaseModel):
    """The subject confirms the bank account to be paid into (即申即享) or applies (快申快享)."""

    model_config = ConfigDict(extra="forbid")

    payee_account: str = Field(min_length=1, max_length=40, description="收款银行账号")
    payee_bank: str = Field(min_length=1, max_length=64, description="开户银行")
    row_version: int | None = Field(default=None, description="看到的记录版本（并发保护）")


class ApprovalRequest(BaseModel):
    """Approve grants: the listed ids, or every approvable grant of a policy (in first-come order)."""

    model_config = ConfigDict(extra="forbid")

    grant_ids: list[int] = Field(default_factory=list, max_length=5000)
    policy_id: str | None = Field(default=None, max_length=64)
    note: str = Field(default="", max_length=200)


class ApprovalReport(BaseModel):
    """What an approval run did."""

    approved: int
    amount: Decimal
    skipped: list[str]  # Chinese reasons, one per grant not approved


class CancelRequest(BaseModel):
    """Cancel a grant (before it is sent for payment), with the reason."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=2, max_length=200)
    row_version: int | None = None


class RetryRequest(BaseModel):
    """Send a failed payment again, optionally to a corrected account."""

    model_config = ConfigDict(extra="forbid")

    payee_account: str | None = Field(default=None, max_length=40)
    payee_bank: str | None = Field(default=None, max_length=64)
    row_version: int | None = None


class BatchRequest(BaseModel):
    """Build a payment batch of the department's approved grants (optionally of one policy)."""

    model_config = ConfigDict(extra="forbid")

    funding_department: str | None = Field(default=None, max_length=32)
    policy_id: str | None = Field(default=None, max_length=64)


class BatchRead(BaseModel):
    """A payment batch."""

    id: int
    batch_no: str
    funding_department: str
    policy_id: str | None
    status: str
    status_label: str
    item_count: int
    total_amount: Decimal
    checksum: str | None
    created_by: str
    created_at: dt.datetime
    sealed_at: dt.datetime | None
    paid_count: int = 0
    failed_count: int = 0


class InstructionRead(BaseModel):
    """One payment instruction for the finance system."""

    idempotency_key: str
    attempt: int
    payee_name: str
    payee_account: str
    payee_bank: str
    amount: Decimal
    policy_id: str
    purpose: str
    result: str | None
    result_reference: str | None


class InstructionFile(BaseModel):
    """A sealed batch's instructions with the control totals the finance system checks."""

    batch: BatchRead
    count: int
    total_amount: Decimal
    checksum: str
    instructions: list[InstructionRead]


class PaymentResult(BaseModel):
    """The finance system's (or the bank's) result for one instruction."""

    model_config = ConfigDict(extra="forbid")

    idempotency_key: str = Field(min_length=3, max_length=120)
    attempt: int | None = Field(default=None, ge=1)
    status: Literal["paid", "failed"]
    amount: Decimal | None = Field(default=None, ge=0)
    reference: str = Field(default="", max_length=64, description="银行流水号")
    paid_on: dt.date | None = None
    reason: str = Field(default="", max_length=200)


class PaymentResults(BaseModel):
    """A callback carrying one or more results."""

    model_config = ConfigDict(extra="forbid")

    results: list[PaymentResult] = Field(min_length=1, max_length=10000)


class ResultReport(BaseModel):
    """What recording results did: applied, repeated (already recorded the same way), refused with reasons."""

    paid: int = 0
    failed: int = 0
    duplicates: int = 0
    errors: list[str] = Field(default_factory=list)


class BatchRunReport(BaseModel):
    """What one run of the batch job did."""

    batches: list[BatchRead]
    claimed: int
    adopted: int


class CreateReport(BaseModel):
    """What turning matches into grants did."""

    policy_id: str
    created: int
    existing: int
    notified: int
    ready: int  # 免申即享 with a known account: waiting for approval only
    over_budget: int  # first-come grants beyond the budget (cancelled with the reason)


class StateCount(BaseModel):
    """One column of the pipeline."""

    state: str
    label: str
    tone: str
    count: int
    amount: Decimal


class DisclosureRow(BaseModel):
    """One line of the public disclosure (资金公示): persons masked."""

    policy_id: str
    policy_name: str
    subject_kind: str
    subject_name: str
    subject_code: str
    district_code: str | None
    amount: Decimal
    paid_on: dt.date | None
    funding_department: str


DisclosurePage = Page[DisclosureRow]


class Bucket(BaseModel):
    """One row of a distribution: key, Chinese label, count and amount."""

    key: str
    label: str
    count: int
    amount: Decimal


class PolicyPerformance(BaseModel):
    """Per-policy performance (绩效): paid against budget, beneficiaries, distributions."""

    policy_id: str
    policy_name: str
    policy_version: int
    funding_department: str
    budget: Decimal
    rule: str
    rule_label: str
    committed: Decimal
    paid: Decimal
    paid_ratio: float | None
    beneficiaries: int
    grants: int
    by_state: list[StateCount]
    by_district: list[Bucket]
    by_industry: list[Bucket]
