"""Pydantic shapes of the one-stop applications (一网通办), named by intent.

These are the contract of the portal and department pages: a started application comes back as an
:class:`ApplicationRead` with the pre-filled form, the waived materials and why, the materials still asked for
(including those a down source department could not provide, with its notice), the items with their status, the
秒批 rule trace and the certificates issued. Field names are stable; new fields are only ever added.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from yiwang.kernel.pages import Page

ApplicationKind = Literal["item", "bundle"]
ApplicationStatus = Literal["draft", "submitted", "correction", "completed", "withdrawn"]
ItemStatus = Literal["draft", "pending", "accepted", "correction", "approved", "rejected"]
MaterialStatus = Literal["waived", "needed", "uploaded"]

APPLICATION_STATUS_LABELS: dict[str, str] = {
    "draft": "草稿",
    "submitted": "办理中",
    "correction": "待补正",
    "completed": "已办结",
    "withdrawn": "已撤回",
}
ITEM_STATUS_LABELS: dict[str, str] = {
    "draft": "未提交",
    "pending": "待受理",
    "accepted": "审查中",
    "correction": "待补正",
    "approved": "准予",
    "rejected": "不予",
}
OUTCOME_LABELS: dict[str, str] = {"approved": "准予办理", "rejected": "不予办理", "partial": "部分准予"}
MATERIAL_STATUS_LABELS: dict[str, str] = {"waived": "免提交", "needed": "待上传", "uploaded": "已上传"}


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- input ------------------------------------------------------------------------------------------------------


class StartRequest(_In):
    """Start an application for a catalogue item or a 一件事 bundle (exactly one of the two codes)."""

    item_code: str | None = Field(default=None, max_length=64, examples=["510100-01-market-001"])
    bundle_code: str | None = Field(default=None, max_length=64, examples=["yjs-restaurant"])


class DraftSave(_In):
    """Autosave of the form; ``expected_version`` guards against two tabs overwriting each other (409)."""

    form_data: dict[str, Any] = Field(default_factory=dict)
    expected_version: int = Field(ge=1)


class CommitmentSign(_In):
    """The applicant signs the 告知承诺 of one item (the text shown is the item's, recorded with a hash)."""

    item_code: str = Field(min_length=1, max_length=64)
    agree: bool = Field(description="须为 true：本人已阅读并承诺")


class SubmitRequest(_In):
    """Submit (or resubmit after 补正) the application as last saved; the form may be sent once more with it."""

    form_data: dict[str, Any] | None = None
    expected_version: int | None = Field(default=None, ge=1)
    commitments: list[str] = Field(default_factory=list, description="签署告知承诺的事项编码")


class DecisionRequest(_In):
    """A department's decision on its item: accept (受理), approve, reject (reason), or ask for a 补正."""

    item_code: str = Field(min_length=1, max_length=64)
    reason: str = Field(default="", max_length=1000)
    comment: str = Field(default="", max_length=1000)


class CorrectionRequest(_In):
    """补正: the fields and materials the applicant must fix, and why."""

    item_code: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=2, max_length=1000)
    fields: list[str] = Field(default_factory=list)
    materials: list[str] = Field(default_factory=list)


class CommitmentCheck(_In):
    """The post-check of a 告知承诺: was the commitment true, and what was found."""

    truthful: bool
    finding: str = Field(min_length=2, max_length=2000)


class RatingRequest(_In):
    """好差评 of a completed application (five levels, optional indicators and comment)."""

    level: int = Field(ge=1, le=5)
    comment: str = Field(default="", max_length=500)
    indicators: dict[str, int] | None = None


# --- output -----------------------------------------------------------------------------------------------------


class PrefilledField(BaseModel):
    """A form field the government already knew: its value and which department's data provided it."""

    field: str
    value: Any
    fact: str = Field(description="事实路径，如 applicant.name")
    source_department: str | None = None
    source_label: str = Field(description="如：市公安局人口库共享")


class MaterialRead(BaseModel):
    """A material of the application: waived (with the reason), still needed, or uploaded."""

    code: str
    name: str
    source: str
    source_label: str
    required: bool
    status: MaterialStatus
    status_label: str
    waived_reason: str = ""
    provided_by: str | None = None
    certificate_number: str | None = None
    notice: str = Field(default="", description="数据源不可用等原因，改为请上传的提示")
    item_codes: list[str] = Field(default_factory=list)
    file_name: str | None = None
    size: int | None = None
    sha256: str | None = None
    uploaded_at: dt.datetime | None = None


class RuleResult(BaseModel):
    """One line of a 秒批 rule trace: what was required, what was found, and whether it passed."""

    rule_id: str
    description: str
    fact: str
    op: str
    required: Any = None
    actual: Any = None
    passed: bool
    missing: bool = Field(default=False, description="事实缺失（数据不可得）：转人工，不自动驳回")
    message: str = ""


class CorrectionRead(BaseModel):
    """A 补正 request as the applicant and the department see it."""

    id: int
    item_code: str
    department_code: str
    reason: str
    fields: list[str]
    materials: list[str]
    requested_by: str
    requested_at: dt.datetime
    resolved_at: dt.datetime | None


class CommitmentRead(BaseModel):
    """A signed 告知承诺 and its post-check."""

    id: int
    application_id: int
    application_number: str
    item_code: str
    department_code: str
    text: str
    signer_name: str
    signed_at: dt.datetime
    sha256: str
    status: str
    post_check_due_at: dt.datetime | None
    checked_at: dt.datetime | None
    checked_by: str | None
    finding: str
    certificate_number: str | None


class ApplicationItemRead(BaseModel):
    """One item of the application: its department, status, time limit, decision, trace and certificate."""

    item_code: str
    item_name: str
    department_code: str
    department_name: str = ""
    status: ItemStatus
    status_label: str
    promised_days: int
    due_at: dt.datetime | None
    instant: bool
    rule_trace: list[RuleResult] = Field(default_factory=list)
    decision_reason: str = ""
    decided_by: str | None = None
    accepted_at: dt.datetime | None = None
    decided_at: dt.datetime | None = None
    result_type: str | None = None
    certificate_number: str | None = None
    by_commitment: bool = False
    commitment_text: str | None = Field(default=None, description="可告知承诺的事项：承诺书文本")


class TimelineEntry(BaseModel):
    """One step of the application's timeline."""

    at: dt.datetime
    actor_id: str
    actor_kind: str
    department_code: str | None
    item_code: str | None
    action: str
    label: str
    detail: dict[str, Any] = Field(default_factory=dict)


class ApplicationSummary(BaseModel):
    """One row of a list (my applications, a department's queue)."""

    id: int
    number: str
    kind: ApplicationKind
    code: str
    name: str
    applicant_name: str = Field(description="脱敏显示")
    status: ApplicationStatus
    status_label: str
    outcome: str | None
    items: int
    items_open: int
    created_at: dt.datetime
    submitted_at: dt.datetime | None
    completed_at: dt.datetime | None
    due_at: dt.datetime | None
    overdue: bool
    version: int


class ApplicationRead(ApplicationSummary):
    """An application in full: the pre-filled form, materials with the reasons they were waived, items, 补正."""

    lead_department: str
    applicant_kind: str
    applicant_id_number: str | None = Field(default=None, description="脱敏显示")
    applicant_uscc: str | None
    form_schema: dict[str, Any] = Field(default_factory=dict)
    form_data: dict[str, Any] = Field(default_factory=dict)
    prefilled: list[PrefilledField] = Field(default_factory=list)
    ask_fields: list[str] = Field(default_factory=list, description="政府未掌握、须申请人填写的字段")
    materials: list[MaterialRead] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list, description="数据源不可用等提示")
    item_rows: list[ApplicationItemRead] = Field(default_factory=list)
    corrections: list[CorrectionRead] = Field(default_factory=list)
    commitments: list[CommitmentRead] = Field(default_factory=list)
    timeline: list[TimelineEntry] = Field(default_factory=list)
    certificates: list[str] = Field(default_factory=list, description="结果包：已签发电子证照编号")
    workflow_instance_id: int | None = None
    rating_id: int | None = None
    can_rate: bool = False
    trips: int = 0


class DecisionResult(BaseModel):
    """What a decision did: the application after it, and the certificate issued (if any)."""

    application: ApplicationRead
    item_code: str
    action: str
    certificate_number: str | None = None


class SavingFigure(BaseModel):
    """One of 四个减: the baseline (separate items), the actual average, and the reduction in percent."""

    baseline: float
    actual: float
    reduction_percent: float


class Savings(BaseModel):
    """四个减 of an item or bundle, computed from completed applications against the catalogue's baseline."""

    code: str
    kind: ApplicationKind
    name: str
    completed_applications: int
    steps: SavingFigure
    time_days: SavingFigure
    materials: SavingFigure
    trips: SavingFigure
    waived_materials: int = Field(description="已完成申请中免提交材料总数")
    uploaded_materials: int = Field(description="已完成申请中实际上传材料总数")
    baseline_source: str = ""
    note: str = ""


ApplicationPage = Page[ApplicationSummary]
CommitmentPage = Page[CommitmentRead]
