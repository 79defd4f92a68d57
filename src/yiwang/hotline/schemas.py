"""Pydantic shapes of the hotline context: intake, appeal views (masked), actions, lists, duplicates, callbacks."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from yiwang.kernel.pages import Page

CHANNELS: dict[str, str] = {
    "phone": "电话",
    "web": "网站",
    "app": "移动端",
    "qr": "码上报",
    "enterprise": "亲清在线",
    "open311": "Open311 接口",
    "wechat": "微信",
}
"""Intake channels (受理渠道) → Chinese names."""

APPEAL_TYPES = ("咨询", "求助", "投诉", "举报", "建议", "表扬")
URGENCIES = ("一般", "紧急", "特急")
SATISFACTIONS = ("满意", "基本满意", "不满意")
CALLBACK_METHODS = ("phone", "sms", "online", "visit")

Channel = Literal["phone", "web", "app", "qr", "enterprise", "open311", "wechat"]
AppealType = Literal["咨询", "求助", "投诉", "举报", "建议", "表扬"]
Urgency = Literal["一般", "紧急", "特急"]
Satisfaction = Literal["满意", "基本满意", "不满意"]


class _In(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")


class AppealCreate(_In):
    """One appeal as an operator records it (五要素) or a citizen, grid worker or enterprise submits it.

    Type, urgency, category, departments and jurisdiction may be left out: triage suggests them. Values given
    here are the operator's decision and win over the suggestion (the suggestion is kept next to them).
    """

    channel: Channel = "phone"
    content: str = Field(min_length=2, max_length=4000, description="经过：发生了什么、诉求是什么")
    cause: str = Field(default="", max_length=2000, description="起因")
    title: str = Field(default="", max_length=200)
    occurred_at: dt.datetime | None = Field(default=None, description="时间：事情发生的时间")
    reporter_name: str | None = Field(default=None, max_length=64, description="诉求人")
    reporter_phone: str | None = Field(default=None, max_length=32)
    reporter_email: str | None = Field(default=None, max_length=128)
    reporter_id_number: str | None = Field(default=None, max_length=18)
    enterprise_uscc: str | None = Field(default=None, max_length=18)
    address: str = Field(default="", max_length=255, description="地点")
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    appeal_type: AppealType | None = None
    urgency: Urgency | None = None
    category: str | None = Field(default=None, max_length=32)
    department: str | None = Field(default=None, max_length=32, description="主办单位（部门代码或区县/街道代码）")
    assist_units: list[str] | None = Field(default=None, max_length=10)
    district_code: str | None = Field(default=None, max_length=6)
    street_code: str | None = Field(default=None, max_length=9)
    media_urls: list[str] = Field(default_factory=list, max_length=10)
    idempotency_key: str | None = Field(default=None, max_length=120, description="重复提交时返回同一诉求")
    service_code: str | None = Field(default=None, max_length=32)
    redirect_number: Literal["110", "119", "120", "122"] | None = Field(
        default=None, description="话务员判断为紧急事项时转接的号码"
    )
    redirect_reason: str | None = Field(default=None, max_length=500)
    ignore_redirect: bool = Field(default=False, description="话务员核实后确认不属紧急事项，不按分拨建议转接")
    direct_answer: str | None = Field(
        default=None, min_length=2, max_length=4000, description="直接答复：话务员登记时即答复办结（咨询类）"
    )
    kb_article: str | None = Field(default=None, max_length=64, description="直接答复所依据的知识库条目")

    @field_validator("media_urls")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if not url.startswith(("http://", "https://")):
                msg = "图片链接须以 http:// 或 https:// 开头"
                raise ValueError(msg)
        return value


class MediaUpload(BaseModel):
    """A file received with an appeal (photo of a 码上报, a document)."""

    filename: str
    content_type: str
    content: bytes


class TriageSuggestion(BaseModel):
    """What triage suggested for an appeal (kept next to the final values)."""

    type: str | None = None
    category: str | None = None
    category_path: list[str] = Field(default_factory=list)
    department: str | None = None
    also: list[str] = Field(default_factory=list)
    district_code: str | None = None
    street_code: str | None = None
    urgency: str | None = None
    redirect: str | None = None
    redirect_reason: str | None = None
    confidence: float | None = None
    needs_review: bool = True
    model_version: str = ""
    explanations: dict[str, str] = Field(default_factory=dict)


class RouteDecision(BaseModel):
    """The responsibility catalogue's answer: lead (主办) and assisting (协办) units, and which rule decided."""

    lead_unit: str | None
    assist_units: list[str] = Field(default_factory=list)
    rule: str
    catalogue_version: str
    explanation: str = ""


class DuplicateCandidate(BaseModel):
    """An open appeal that may report the same problem (并单 suggestion), with why."""

    appeal_id: int
    number: str
    title: str
    state_label: str
    score: float
    similarity: float
    distance_m: float | None
    hours_apart: float
    duplicate_count: int


class KnowledgeHint(BaseModel):
    """A knowledge-base article that answers a consultation (直接答复)."""

    article_id: str
    title: str
    answer: str
    score: float


class IntakePreview(BaseModel):
    """What the operator console shows while a call is typed: triage, routing, KB answer, duplicates."""

    suggestion: TriageSuggestion
    route: RouteDecision
    time_limit: dict[str, Any]
    answer: KnowledgeHint | None = None
    duplicates: list[DuplicateCandidate] = Field(default_factory=list)


class MediaRead(BaseModel):
    """An attachment of an appeal (file content is fetched separately)."""

    id: int
    kind: str
    filename: str
    content_type: str
    size: int
    url: str | None


class CallbackRead(BaseModel):
    """One 回访."""

    round: int
    method: str
    satisfaction: str
    resolved: bool
    rating_level: int | None
    note: str
    recorded_by: str
    recorded_at: dt.datetime


class AppealRead(BaseModel):
    """An appeal as lists and pages show it; personal data masked."""

    id: int
    number: str
    channel: str
    channel_label: str
    appeal_type: str
    urgency: str
    title: str
    content: str
    cause: str
    occurred_at: dt.datetime | None
    reporter_name: str
    reporter_phone: str
    address: str
    lon: float | None
    lat: float | None
    district_code: str | None
    street_code: str | None
    grid_code: str | None
    category: str | None
    category_path: list[str]
    department: str | None
    assist_units: list[str]
    suggestion: TriageSuggestion
    needs_review: bool
    corrected: bool
    state: str
    state_label: str
    status: str
    outcome: str | None
    direct_answer: bool
    redirect_number: str | None
    redirect_reason: str
    master_id: int | None
    master_number: str | None
    duplicate_count: int
    due_at: dt.datetime | None
    dispatched_at: dt.datetime | None = Field(description="派单时间：最近一次派单或改派（UTC）；未派单为空")
    signed_at: dt.datetime | None = Field(
        description="签收时间：主办单位签收最近一次派单（UTC）；未签收、或改派后尚未重新签收为空"
    )
    overdue: bool
    reply_text: str
    replied_at: dt.datetime | None
    satisfaction: str | None
    rating_level: int | None
    reopen_count: int
    instance_id: int | None
    version: int | None = Field(description="工作流实例版本号：执行动作时作为 expected_version 传回")
    routing_version: str
    time_limit: dict[str, Any]
    created_at: dt.datetime
    closed_at: dt.datetime | None
    created: bool = Field(default=False, description="本次请求新建（False：按幂等键返回已有诉求）")


class AppealDetail(AppealRead):
    """One appeal with its media, callbacks, merged duplicates, timeline and the actions the viewer may take."""

    media: list[MediaRead] = Field(default_factory=list)
    callbacks: list[CallbackRead] = Field(default_factory=list)
    duplicates: list[AppealRead] = Field(default_factory=list)
    timeline: list[dict[str, Any]] = Field(default_factory=list)
    actions: list[dict[str, str]] = Field(default_factory=list)


AppealPage = Page[AppealRead]


class AppealFilter(BaseModel):
    """Filters of the appeal list (all optional)."""

    q: str | None = None
    channel: str | None = None
    appeal_type: str | None = None
    state: str | None = None
    status: Literal["open", "closed"] | None = None
    department: str | None = None
    district_code: str | None = None
    category: str | None = None
    overdue: bool | None = None
    needs_review: bool | None = None
    mine: bool = False
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class ActionInput(_In):
    """Inputs of an appeal action; ``expected_version`` is the version the caller saw (409 when stale)."""

    expected_version: int = Field(ge=0)
    comment: str | None = Field(default=None, max_length=4000)
    reason: str | None = Field(default=None, max_length=2000)


class DispatchInput(ActionInput):
    """派单 / 改派: leave the units out to use the responsibility catalogue's decision."""

    lead_unit: str | None = Field(default=None, max_length=32)
    assist_units: list[str] | None = Field(default=None, max_length=10)


class ExtensionInput(ActionInput):
    """申请延期 by the lead unit."""

    amount: int = Field(ge=1, le=30)
    unit: Literal["working_days", "working_hours", "natural_days", "urgent_hours"] = "working_days"


class DecisionInput(ActionInput):
    """Approve or reject (延期审批, 答复审核)."""

    approve: bool


class ReplyInput(ActionInput):
    """办结反馈: the unit's answer to the caller."""

    comment: str = Field(min_length=2, max_length=4000)


class CallbackInput(ActionInput):
    """回访: satisfaction, whether the problem is solved, and the 好差评 level (1..5)."""

    satisfaction: Satisfaction
    resolved: bool = True
    rating_level: int | None = Field(default=None, ge=1, le=5)
    method: Literal["phone", "sms", "online", "visit"] = "phone"
    note: str = Field(default="", max_length=1000)


class MergeInput(ActionInput):
    """并单: merge this appeal into ``master_id``."""

    master_id: int
    reason: str = Field(default="同一问题重复反映", max_length=500)


class CorrectionInput(ActionInput):
    """Operator's correction of the classification (the suggestion stays recorded)."""

    appeal_type: AppealType | None = None
    urgency: Urgency | None = None
    category: str | None = Field(default=None, max_length=32)
    department: str | None = Field(default=None, max_length=32)
    assist_units: list[str] | None = Field(default=None, max_length=10)
    district_code: str | None = Field(default=None, max_length=6)
    street_code: str | None = Field(default=None, max_length=9)


class DirectAnswerInput(ActionInput):
    """直接答复: close a consultation with an answer (from the knowledge base or the operator)."""

    comment: str = Field(min_length=2, max_length=4000)
    kb_article: str | None = Field(default=None, max_length=64)


class TransferInput(ActionInput):
    """转接: hand an emergency to 110/119/120/122 with the reason."""

    number: Literal["110", "119", "120", "122"]
    reason: str = Field(min_length=2, max_length=500)


class ContactRead(BaseModel):
    """A reporter's contact in clear text, after an audited unmask."""

    appeal_id: int
    reporter_name: str | None
    reporter_phone: str | None
    reporter_email: str | None
    audit_seq: list[int]


class PreviewInput(_In):
    """Text (and optionally a place) to triage while the operator types."""

    text: str = Field(min_length=2, max_length=4000)
    lon: float | None = Field(default=None, ge=-180, le=180)
    lat: float | None = Field(default=None, ge=-90, le=90)
    address: str | None = Field(default=None, max_length=255)


class SweepReport(BaseModel):
    """What one overdue sweep did."""

    reminded: int = 0
    supervised: int = 0
    repaired: int = 0
