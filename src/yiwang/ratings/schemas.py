"""Pydantic shapes of the ratings context: ratings, rectifications, callbacks, appeals and statistics."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class RatingCreate(BaseModel):
    """A rating as submitted (the rater is the caller)."""

    subject_ref: str = Field(min_length=3, max_length=64, examples=["workflow:123"])
    department_code: str = Field(min_length=1, max_length=32, examples=["market"])
    unit_code: str = Field(min_length=1, max_length=64, examples=["market.wuhou.window3"])
    channel: str = Field(examples=["online"])
    level: int = Field(ge=1, le=5, description="5 非常满意 … 1 非常不满意")
    indicators: dict[str, int] = Field(default_factory=dict, examples=[{"efficiency": 4}])
    comment: str = Field(default="", max_length=1000)
    service_name: str = Field(default="", max_length=128)


class CallbackRead(BaseModel):
    """One callback (回访)."""

    id: int
    round: int
    method: str
    method_label: str
    satisfaction: int
    satisfaction_label: str
    note: str
    recorded_by: str
    recorded_at: dt.datetime


class RectificationRead(BaseModel):
    """A rectification with its rating summary and callbacks."""

    id: int
    rating_id: int
    subject_ref: str
    service_name: str
    department_code: str
    department_name: str | None
    unit_code: str
    level: int
    level_label: str
    comment: str
    status: str
    status_label: str
    opened_at: dt.datetime
    due_at: dt.datetime | None
    overdue: bool
    response: str
    response_kind: str | None
    response_kind_label: str | None
    responded_by: str | None
    rectified_at: dt.datetime | None
    on_time: bool | None
    rounds: int
    closed_at: dt.datetime | None
    resolution: str | None
    resolution_label: str | None
    appeal_status: str | None
    appeal_id: int | None
    callbacks: list[CallbackRead]


class RatingRead(BaseModel):
    """A rating as staff and the rater see it."""

    id: int
    subject_ref: str
    service_name: str
    department_code: str
    department_name: str | None
    unit_code: str
    channel: str
    channel_label: str
    level: int
    level_label: str
    indicators: dict[str, int]
    indicator_labels: dict[str, str]
    comment: str
    rater_id: str
    rated_at: dt.datetime
    revised_at: dt.datetime | None
    revisions: int
    excluded: bool
    rectification: RectificationRead | None = None


class RatingPage(BaseModel):
    """A page of ratings."""

    items: list[RatingRead]
    total: int
    page: int
    pages: int


class RectificationPage(BaseModel):
    """A page of rectifications plus counts per status (within the caller's scope)."""

    items: list[RectificationRead]
    total: int
    page: int
    pages: int
    status_counts: dict[str, int]
    overdue: int


class RectificationResponse(BaseModel):
    """The responsible unit's report on a bad rating."""

    response: str = Field(min_length=1, max_length=2000)
    kind: str = Field(default="immediate", description="immediate 立行立改 / scheduled 限期整改 / explained 解释说明")


class CallbackCreate(BaseModel):
    """The rater's satisfaction with the rectification, as recorded at the callback."""

    satisfaction: int = Field(ge=1, le=5)
    method: str = Field(default="phone", description="phone / sms / online / visit")
    note: str = Field(default="", max_length=1000)


class AppealCreate(BaseModel):
    """An appeal against a false bad rating."""

    reason: str = Field(min_length=1, max_length=2000)
    evidence: list[str] = Field(default_factory=list, max_length=20)


class AppealDecision(BaseModel):
    """A reviewer's decision on an appeal."""

    accept: bool
    note: str = Field(default="", max_length=1000)


class AppealRead(BaseModel):
    """An appeal with the rating it is about."""

    id: int
    rating_id: int
    subject_ref: str
    service_name: str
    department_code: str
    department_name: str | None
    unit_code: str
    level: int
    level_label: str
    comment: str
    reason: str
    evidence: list[str]
    status: str
    status_label: str
    filed_by: str
    filed_at: dt.datetime
    reviewed_by: str | None
    reviewed_at: dt.datetime | None
    review_note: str


class AppealPage(BaseModel):
    """A page of appeals."""

    items: list[AppealRead]
    total: int
    page: int
    pages: int
    status_counts: dict[str, int]


class StatisticsRow(BaseModel):
    """Rating figures of one department or unit (accepted appeals excluded)."""

    code: str
    name: str | None
    count: int
    good: int
    basic: int
    bad: int
    good_rate: float | None = Field(description="好评率: (满意+非常满意) / 评价数")
    bad_rate: float | None = Field(description="差评率: (不满意+非常不满意) / 评价数")
    rectified: int
    rectified_on_time: int
    rectification_rate: float | None = Field(description="差评整改率: 已整改差评 / 差评数")
    on_time_rate: float | None = Field(description="按期整改率: 15 个工作日内整改的差评 / 差评数")
    average_score: float | None
    excluded: int = Field(description="申诉成立而不计入统计的评价数")


class RatingStatistics(BaseModel):
    """Statistics per department or per unit for a period, with the total."""

    by: str
    department_code: str | None
    date_from: dt.date | None
    date_to: dt.date | None
    channel: str | None
    rows: list[StatisticsRow]
    total: StatisticsRow
