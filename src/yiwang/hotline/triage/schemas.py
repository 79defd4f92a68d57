"""Shapes of the triage and knowledge-base API: requests, reads and the knowledge answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

MAX_TEXT_CHARS = 2000
"""Longest appeal text triage accepts (a phone record or a long web form)."""


class TriageRequest(BaseModel):
    """One appeal to triage: its text and, when known, the pin (WGS-84) and the address given."""

    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, description="诉求内容")
    lon: float | None = Field(default=None, ge=-180, le=180, description="经度（WGS-84）")
    lat: float | None = Field(default=None, ge=-90, le=90, description="纬度（WGS-84）")
    address: str | None = Field(default=None, max_length=500, description="事发地址")


class TriageRead(BaseModel):
    """A triage result as the API and the CLI return it."""

    type: str
    category: str
    category_path: list[str]
    department: str
    also: list[str]
    district_code: str | None
    street_code: str | None
    urgency: str
    redirect: str | None
    redirect_reason: str | None
    confidence: float
    needs_review: bool
    model_version: str
    limit_class: str | None = None
    explanations: dict[str, str]


class KnowledgeAnswer(BaseModel):
    """A knowledge-base article that answers a consultation, with how well it fits."""

    slug: str
    title: str
    answer: str
    department: str
    source: str
    score: float
    matched_keywords: list[str]
    article_id: int | None = None
    """None when answered from the shipped articles (no database)."""


class CorrectionCreate(BaseModel):
    """An operator's correction of a triage result (only the fields that were wrong need to be given)."""

    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    appeal_ref: str | None = Field(default=None, max_length=64)
    type: str | None = None
    category: str | None = None
    department: str | None = None
    urgency: str | None = None
    note: str | None = Field(default=None, max_length=500)


class CorrectionRead(BaseModel):
    """A stored correction."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    text: str
    appeal_ref: str | None
    model_version: str
    predicted_type: str
    predicted_category: str
    predicted_department: str
    predicted_urgency: str
    predicted_confidence: float
    type: str
    category: str
    department: str
    urgency: str
    note: str | None
    created_at: dt.datetime
    created_by: str


class ModelVersionRead(BaseModel):
    """A trained model version (without its artifact)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    version: str
    algorithm: str
    artifact_sha256: str
    metrics: dict[str, Any]
    seed_examples: int
    corrections: int
    trained_at: dt.datetime
    trained_by: str


class ArticleFields(BaseModel):
    """The editable fields of a knowledge-base article."""

    title: str = Field(min_length=2, max_length=200, description="标题")
    department: str = Field(min_length=1, max_length=32, description="负责部门编码")
    category: str | None = Field(default=None, max_length=8, description="诉求分类小类编码")
    keywords: list[str] = Field(default_factory=list, max_length=30, description="关键词")
    answer: str = Field(min_length=10, max_length=5000, description="答复口径")
    source: str = Field(min_length=2, max_length=500, description="依据与出处")
    published: bool = True


class ArticleCreate(ArticleFields):
    """A new article; ``slug`` is its stable key (letters, digits and hyphens)."""

    slug: str = Field(min_length=2, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*$", description="文章标识")


class ArticleUpdate(ArticleFields):
    """A changed article; ``version`` is the version the edit started from (optimistic locking)."""

    version: int = Field(ge=1)


class ArticleRead(ArticleFields):
    """A stored article."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    slug: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime
    updated_by: str
