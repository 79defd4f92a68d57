"""Pydantic shapes of the service catalogue (政务服务事项目录) and its 一件事 bundles.

These shapes are the contract the one-stop applications (``yiwang.onestop``) code against: an item's national
elements (domain.md §3.1), its form as JSON Schema, what the pre-fill fills from which fact, its materials and how
each is obtained (shared department data, an e-certificate, an earlier step of the same bundle, or an upload), its
秒批 rules and its 告知承诺 commitment. Field names are stable; new fields are only ever added.

``ItemIn`` / ``BundleIn`` are the editable bodies (the YAML files and the admin editor); ``ItemOut`` / ``BundleOut``
add the version, status and names the catalogue derives. A bundle's merged form, materials and baseline are
computed from the published versions of its member items when it is read.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from yiwang.kernel.pages import Page


class MaterialSource(enum.StrEnum):
    """How a material is obtained; only ``upload`` asks the applicant for anything (减证明)."""

    SHARED_DATA = "shared_data"
    """The government already holds it: read from a department's registry data through the audited sharing layer."""
    E_CERTIFICATE = "e_certificate"
    """An issued e-certificate (电子证照) of type ``cert_type`` is used as evidence."""
    EARLIER_STEP = "earlier_step"
    """The result of another item (``from_item``) of the same bundle."""
    UPLOAD = "upload"
    """The applicant must upload it."""


MATERIAL_SOURCE_LABELS: dict[str, str] = {
    MaterialSource.SHARED_DATA: "部门共享数据",
    MaterialSource.E_CERTIFICATE: "电子证照",
    MaterialSource.EARLIER_STEP: "前序事项结果",
    MaterialSource.UPLOAD: "申请人上传",
}

RuleOp = Literal["==", "!=", ">=", "<=", ">", "<", "in", "not_in", "exists", "not_exists"]
"""Operators of a 秒批 rule; ``exists``/``not_exists`` ignore ``value``."""

ItemStatus = Literal["draft", "published", "retired"]
Handling = Literal["instant", "promised"]
"""办件类型: ``instant`` 即办件 (decided at the window / at once), ``promised`` 承诺件 (within the promised days)."""
Subject = Literal["person", "enterprise"]
"""服务对象: natural persons (自然人) or enterprises and other organisations (法人)."""
Level = Literal["市级", "区级"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MaterialSpec(_Strict):
    """One required or optional material (申请材料) of an item and how it is obtained.

    * ``shared_data``: ``shared_ref`` names the registry data that provides it — ``person.identity`` (人口库 base
      data), ``person.household`` (户籍), ``enterprise.basic`` (法人库 base data) or ``record:<kind>`` with one of the
      registry's nine record kinds (``licence``, ``penalty``, ``tax``, ``social_insurance``, ``housing_fund``,
      ``abnormal_operation``, ``serious_dishonesty``, ``court_judgment``, ``certificate``); ``shared_department``
      is the department holding it (for "免提交：由市公安局共享").
    * ``e_certificate``: ``cert_type`` is the certificate type code (see ``CERT_TYPES`` in ``catalogue.codes``).
    * ``earlier_step``: ``from_item`` is the code of the item whose result it is.
    * ``upload``: the applicant uploads ``copies`` copies.
    """

    code: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$", examples=["business_licence"])
    name: str = Field(min_length=1, max_length=128, examples=["营业执照"])
    required: bool = True
    source: MaterialSource
    shared_ref: str | None = Field(default=None, max_length=64, examples=["person.identity", "record:licence"])
    shared_department: str | None = Field(default=None, max_length=32, examples=["police"])
    cert_type: str | None = Field(default=None, max_length=64, examples=["business_licence"])
    from_item: str | None = Field(default=None, max_length=64)
    copies: int = Field(default=1, ge=0, le=20)
    note: str = Field(default="", max_length=500)


class MaterialOut(MaterialSpec):
    """A material as shown: with the Chinese label of its source and the reason it is waived (None = upload)."""

    source_label: str = ""
    waived: bool = False
    waiver_reason: str | None = Field(default=None, examples=["免提交：由市公安局共享"])
    used_by: list[str] = Field(default_factory=list, description="一件事：需要该材料的事项编码")


class RuleSpec(_Strict):
    """One declared 秒批 rule, evaluated by ``onestop`` against the application's facts (see the guide's fact paths)."""

    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$", examples=["age_range"])
    description: str = Field(min_length=1, max_length=200, examples=["申请人年龄不超过60周岁"])
    fact: str = Field(min_length=1, max_length=128, examples=["applicant.age", "records.driving_licence.years_held"])
    op: RuleOp
    value: Any = None
    message: str = Field(min_length=1, max_length=200, examples=["申请人年龄超过60周岁"])


class CommitmentSpec(_Strict):
    """告知承诺: the item may be approved on the applicant's signed commitment, checked afterwards."""

    allowed: bool = True
    text: str = Field(min_length=1, max_length=2000)
    post_check_days: int = Field(ge=1, le=365, description="承诺后核查期限（工作日）")
    check_department: str = Field(min_length=1, max_length=32)


class Baseline(_Strict):
    """The old way (各部门分别办理): steps, trips, working days and materials, with where the figures come from."""

    steps: int = Field(ge=0, le=200, description="办理环节数")
    trips: int = Field(ge=0, le=50, description="跑动次数")
    days: int = Field(ge=0, le=1000, description="办理时间（工作日）")
    materials: int = Field(ge=0, le=500, description="提交材料份数")
    baseline_source: str = Field(min_length=1, max_length=300, examples=["各事项办事指南合计 [估算]"])


class ItemIn(_Strict):
    """An item's editable body (YAML file or admin editor); the catalogue assigns version and status."""

    code: str = Field(
        min_length=8, max_length=64, pattern=r"^[0-9]{6}-[0-9]{2}-[a-z]+-[0-9]{3}$", examples=["510100-01-market-001"]
    )
    name: str = Field(min_length=2, max_length=128)
    item_type: str = Field(min_length=2, max_length=32, examples=["行政许可"])
    item_type_code: str = Field(pattern=r"^[0-9]{2}$", examples=["01"])
    department: str = Field(min_length=1, max_length=32, examples=["market"])
    level: Level = "市级"
    handling: Handling
    statutory_days: int = Field(ge=0, le=365, description="法定办结时限（工作日）")
    promised_days: int = Field(ge=0, le=365, description="承诺办结时限（工作日）；即办件为 0")
    conditions: list[str] = Field(default_factory=list, description="受理条件")
    fee_yuan: Decimal | None = Field(default=None, ge=0, description="收费金额（元）；None = 不收费")
    fee_note: str = Field(default="不收费", max_length=300)
    result_type: str | None = Field(default=None, max_length=64, description="结果证照类型代码；None = 无证照")
    result_name: str = Field(default="", max_length=128, description="审批结果名称")
    subject: Subject
    form_schema: dict[str, Any] = Field(description="申请表（JSON Schema 2020-12，中文标题）")
    prefill: dict[str, str] = Field(default_factory=dict, description="表单字段 → 预填事实路径")
    materials: list[MaterialSpec] = Field(default_factory=list)
    instant_rules: list[RuleSpec] = Field(default_factory=list, description="秒批规则；空 = 非秒批")
    commitment: CommitmentSpec | None = None
    life_events: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    baseline: Baseline
    legal_basis: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list, description="可信度标注，如 [估算]、[待核实]")


class ItemOut(ItemIn):
    """A published (or retired) version of an item with everything the pages and applications need."""

    version: int
    status: ItemStatus
    department_name: str = ""
    handling_label: str = ""
    subject_label: str = ""
    instant: bool = Field(default=False, description="是否秒批（有秒批规则）")
    material_views: list[MaterialOut] = Field(default_factory=list, description="材料及免提交原因")
    published_at: dt.datetime | None = None
    published_by: str = ""
    bundles: list[str] = Field(default_factory=list, description="包含本事项的一件事编码")


class ItemSummary(BaseModel):
    """One row of the item list."""

    code: str
    name: str
    item_type: str
    department: str
    department_name: str
    level: str
    handling: Handling
    handling_label: str
    subject: Subject
    promised_days: int
    statutory_days: int
    instant: bool
    commitment: bool
    fee_free: bool
    life_events: list[str]
    version: int
    status: ItemStatus
    materials_total: int
    materials_waived: int


class BundleIn(_Strict):
    """A 一件事 bundle's editable body: which items it merges and who leads."""

    code: str = Field(min_length=4, max_length=64, pattern=r"^yjs-[a-z0-9-]+$", examples=["yjs-restaurant"])
    name: str = Field(min_length=2, max_length=128)
    subject: Subject
    lead_department: str = Field(min_length=1, max_length=32)
    description: str = Field(default="", max_length=2000)
    items: list[str] = Field(min_length=2, description="成员事项编码（并联办理）")
    life_event: str = Field(min_length=1, max_length=32)
    keywords: list[str] = Field(default_factory=list)
    legal_basis: list[str] = Field(default_factory=list)
    promised_days: int | None = Field(default=None, ge=0, le=365, description="一件事承诺时限（工作日）")
    tags: list[str] = Field(default_factory=list)


class BundleItem(BaseModel):
    """One member item of a bundle as shown on the bundle's guide."""

    code: str
    name: str
    department: str
    department_name: str
    handling: Handling
    promised_days: int
    result_type: str | None
    result_name: str
    instant: bool
    depends_on: list[str] = Field(default_factory=list, description="依赖的前序事项编码")


class BundleOut(BundleIn):
    """A bundle version with its merged form (one form), one de-duplicated set of materials and summed baseline."""

    version: int
    status: ItemStatus
    lead_department_name: str = ""
    departments: list[str] = Field(default_factory=list, description="涉及部门代码（按事项顺序去重）")
    member_items: list[BundleItem] = Field(default_factory=list)
    form_schema: dict[str, Any] = Field(default_factory=dict, description="合并后的一张表单（按字段名去重）")
    prefill: dict[str, str] = Field(default_factory=dict)
    field_items: dict[str, list[str]] = Field(default_factory=dict, description="表单字段 → 使用它的事项编码")
    earlier_fields: dict[str, str] = Field(
        default_factory=dict, description="由前序成员事项结果填写的字段 → 事项编码（如新设企业的统一社会信用代码）"
    )
    materials: list[MaterialOut] = Field(default_factory=list, description="一套材料（按材料代码去重）")
    baseline: Baseline | None = Field(default=None, description="各事项分别办理的合计")
    merged_promised_days: int = Field(default=0, description="并联办理的承诺时限（成员事项最长者或一件事承诺）")
    published_at: dt.datetime | None = None


class BundleSummary(BaseModel):
    """One row of the bundle list."""

    code: str
    name: str
    subject: Subject
    lead_department: str
    lead_department_name: str
    life_event: str
    items: int
    departments: int
    version: int
    status: ItemStatus


class LifeEvent(BaseModel):
    """A life event (个人：出生、入学…；企业：开办、变更…) with how many items and bundles it has."""

    code: str
    name: str
    subject: Subject
    items: int
    bundles: int


class SearchHit(BaseModel):
    """An item or bundle found by a keyword, best first."""

    kind: Literal["item", "bundle"]
    code: str
    name: str
    department_name: str
    subject: Subject
    score: int
    matched: list[str] = Field(default_factory=list, description="命中的字段：名称、关键词、部门…")


class SearchResult(BaseModel):
    """Bundles first, then items."""

    q: str
    bundles: list[SearchHit]
    items: list[SearchHit]


class VersionRead(BaseModel):
    """One version of an item or bundle in its history."""

    code: str
    kind: Literal["item", "bundle"]
    version: int
    status: ItemStatus
    name: str
    body_hash: str
    published_at: dt.datetime
    published_by: str
    note: str
    retired_at: dt.datetime | None = None


class FieldError(BaseModel):
    """One validation problem, named by its field path (``materials.2.cert_type``) with a Chinese message."""

    field: str
    message: str


class LoadReport(BaseModel):
    """What ``load_catalogue`` did: new versions per code, and what stayed the same."""

    items_published: list[str]
    items_unchanged: int
    bundles_published: list[str]
    bundles_unchanged: int
    errors: list[FieldError] = Field(default_factory=list)


class ItemSave(BaseModel):
    """An admin edit: the new body and the version it was edited from (409 when someone published in between)."""

    body: dict[str, Any]
    expected_version: int = Field(ge=0, description="编辑所基于的版本号；新建事项为 0")
    note: str = Field(default="", max_length=300)


class RetireRequest(BaseModel):
    """Retire an item (no longer offered); the version it was seen at guards against concurrent edits."""

    expected_version: int = Field(ge=1)
    reason: str = Field(min_length=2, max_length=300)


ItemPage = Page[ItemSummary]
BundlePage = Page[BundleSummary]
