"""The catalogue of registry data kinds: Chinese names, columns with their import headers, keys and display order.

One :class:`KindSpec` per record kind of :data:`yiwang.registry.models.RECORD_MODELS` plus the base data
``person`` and ``enterprise``. Importers, the profile pages and the audit field lists all read this table, so a
new column is declared once. Headers follow the 双公示 field names published in public credit reports
(行政处罚: 行政处罚决定书文号, 违法行为类型, 处罚类别, 罚款金额(万元) …; 行政许可: 许可证书名称, 许可编号, 有效期自 …);
aliases accept the variants departments actually export. Money headers may carry a unit, ``（元）`` or
``（万元）``; values are converted to the stored unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from yiwang.registry import models
from yiwang.registry.vocab import (
    CaseType,
    EnterpriseStatus,
    LicenceCategory,
    LicenceStatus,
    PartyRole,
    PenaltyCategory,
    Sex,
    SubjectKind,
    TaxCreditGrade,
)


class ValueType(StrEnum):
    """How a cell is parsed and checked."""

    TEXT = "text"
    DATE = "date"
    MONTH = "month"
    YEAR = "year"
    MONEY = "money"
    INT = "int"
    CHOICE = "choice"
    USCC = "uscc"
    CITIZEN_ID = "citizen_id"
    DIVISION = "division"


SUBJECT_USCC = "_subject_uscc"
SUBJECT_ID = "_subject_id"
SUBJECT_NAME = "_subject_name"
SOURCE_DEPARTMENT = "_source_department"
PSEUDO_FIELDS = frozenset({SUBJECT_USCC, SUBJECT_ID, SUBJECT_NAME, SOURCE_DEPARTMENT})
"""Columns that identify the subject or the owning department instead of filling a model attribute."""

UNIT_FACTORS: dict[str, Decimal] = {"元": Decimal(1), "万元": Decimal(10_000), "亿元": Decimal(100_000_000)}


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """One importable column: model field, canonical Chinese header, type and checks."""

    field: str
    header: str
    type: ValueType = ValueType.TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    multiple: bool = False  # several choices separated by 、 ， ; ；
    max_length: int = 0  # 0: no limit beyond the column type
    unit: str = ""  # money: the stored unit (元 / 万元)
    allow_future: bool = False  # dates: validity ends and publicity deadlines lie ahead

    @property
    def label(self) -> str:
        """Header as shown to people, with the unit of money columns."""
        return f"{self.header}（{self.unit}）" if self.unit else self.header


@dataclass(frozen=True, slots=True)
class KindSpec:
    """A data kind: what it is called, how it is imported, keyed, ordered and shown."""

    kind: str
    name: str
    columns: tuple[ColumnSpec, ...]
    unique_keys: tuple[str, ...]
    subject_kinds: tuple[SubjectKind, ...] = ()
    date_field: str | None = None
    default_department: str | None = None
    display: tuple[str, ...] = ()
    name_field: str = SUBJECT_NAME  # the column compared with the subject's registered name
    ignored_headers: tuple[str, ...] = field(default=())

    @property
    def is_base(self) -> bool:
        """Base data (persons, enterprises) rather than a department record."""
        return self.kind in {"person", "enterprise"}

    @property
    def model(self) -> type[object]:
        """The ORM model rows are inserted into."""
        if self.kind == "person":
            return models.Person
        if self.kind == "enterprise":
            return models.Enterprise
        return models.RECORD_MODELS[self.kind]

    def column(self, name: str) -> ColumnSpec:
        """The column spec of a field."""
        for column in self.columns:
            if column.field == name:
                return column
        raise KeyError(name)

    def label(self, name: str) -> str:
        """Chinese label of a field (its import header)."""
        try:
            return self.column(name).label
        except KeyError:
            return COMMON_LABELS.get(name, name)

    def required_columns(self) -> tuple[ColumnSpec, ...]:
        """Columns a file must have."""
        return tuple(column for column in self.columns if column.required)


def _choices(enum: type[StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in enum)


COMMON_LABELS = {
    "owner_department": "数据来源单位",
    "subject_code": "主体代码",
    "source_system": "来源系统",
    "recorded_at": "入库时间",
}

_NOT_STORED = ("序号", "备注", "数据来源单位统一社会信用代码", "行政相对人类别", "法定代表人", "法定代表人证件类型")

_USCC = ColumnSpec(SUBJECT_USCC, "统一社会信用代码", ValueType.USCC, aliases=("社会信用代码", "信用代码"))
_USCC_REQUIRED = ColumnSpec(
    SUBJECT_USCC, "统一社会信用代码", ValueType.USCC, required=True, aliases=("社会信用代码", "信用代码")
)
_CITIZEN = ColumnSpec(
    SUBJECT_ID,
    "公民身份号码",
    ValueType.CITIZEN_ID,
    aliases=("身份证号码", "身份证号", "居民身份证号码", "证件号码"),
)
_SOURCE = ColumnSpec(SOURCE_DEPARTMENT, "数据来源单位", aliases=("数据来源部门", "来源部门"))


def _subject_name(header: str, *aliases: str) -> ColumnSpec:
    return ColumnSpec(SUBJECT_NAME, header, aliases=aliases, max_length=128)


def _money(name: str, header: str, *aliases: str, required: bool = False, unit: str = "元") -> ColumnSpec:
    return ColumnSpec(name, header, ValueType.MONEY, required=required, aliases=aliases, unit=unit)


PENALTY = KindSpec(
    kind="penalty",
    name="行政处罚",
    subject_kinds=(SubjectKind.ENTERPRISE, SubjectKind.PERSON),
    unique_keys=("decision_number",),
    date_field="decided_on",
    columns=(
        _subject_name("行政相对人名称", "当事人名称", "主体名称", "企业名称", "姓名"),
        _USCC,
        _CITIZEN,
        ColumnSpec(
            "decision_number",
            "行政处罚决定书文号",
            required=True,
            aliases=("决定文书号", "处罚决定书文号", "行政处罚决定文书号", "决定书文号"),
            max_length=64,
        ),
        ColumnSpec("violation_type", "违法行为类型", required=True, max_length=128),
        ColumnSpec("facts", "违法事实", aliases=("主要违法事实",)),
        ColumnSpec("basis", "处罚依据"),
        ColumnSpec(
            "penalty_category",
            "处罚类别",
            ValueType.CHOICE,
            required=True,
            choices=_choices(PenaltyCategory),
            multiple=True,
            max_length=64,
        ),
        ColumnSpec("content", "处罚内容"),
        _money("fine_amount", "罚款金额"),
        _money("confiscated_amount", "没收违法所得、没收非法财物的金额", "没收金额", "没收违法所得金额"),
        ColumnSpec("revoked_licence", "暂扣或吊销证照名称及编号", max_length=256),
        ColumnSpec("decided_on", "处罚决定日期", ValueType.DATE, required=True, aliases=("决定日期", "处罚日期")),
        ColumnSpec(
            "publicity_until",
            "公示截止期",
            ValueType.DATE,
            aliases=("处罚截止日期", "公示截止日期"),
            allow_future=True,
        ),
        ColumnSpec(
            "deciding_authority", "处罚机关", required=True, aliases=("决定机关", "处罚决定机关"), max_length=64
        ),
        ColumnSpec("authority_uscc", "处罚机关统一社会信用代码", ValueType.USCC),
        _SOURCE,
    ),
    display=(
        "decision_number",
        "violation_type",
        "penalty_category",
        "fine_amount",
        "content",
        "decided_on",
        "deciding_authority",
        "publicity_until",
    ),
    ignored_headers=_NOT_STORED,
)

LICENCE = KindSpec(
    kind="licence",
    name="行政许可",
    subject_kinds=(SubjectKind.ENTERPRISE, SubjectKind.PERSON),
    unique_keys=("licence_number",),
    date_field="issued_on",
    columns=(
        _subject_name("行政相对人名称", "当事人名称", "主体名称", "企业名称", "姓名"),
        _USCC,
        _CITIZEN,
        ColumnSpec(
            "decision_number",
            "行政许可决定文书号",
            aliases=("许可决定文书号", "决定文书号"),
            max_length=64,
        ),
        ColumnSpec("licence_type", "许可证书名称", required=True, aliases=("证书名称", "许可证名称"), max_length=64),
        ColumnSpec("licence_category", "许可类别", ValueType.CHOICE, choices=_choices(LicenceCategory)),
        ColumnSpec("licence_number", "许可编号", required=True, aliases=("许可证编号", "证书编号"), max_length=64),
        ColumnSpec("content", "许可内容"),
        ColumnSpec("issued_on", "许可决定日期", ValueType.DATE, required=True, aliases=("决定日期", "发证日期")),
        ColumnSpec("valid_from", "有效期自", ValueType.DATE, aliases=("有效期起",), allow_future=True),
        ColumnSpec("valid_to", "有效期至", ValueType.DATE, aliases=("有效期止",), allow_future=True),
        ColumnSpec("issuing_authority", "许可机关", required=True, aliases=("发证机关", "许可决定机关"), max_length=64),
        ColumnSpec("authority_uscc", "许可机关统一社会信用代码", ValueType.USCC),
        ColumnSpec(
            "status", "当前状态", ValueType.CHOICE, aliases=("状态", "许可状态"), choices=_choices(LicenceStatus)
        ),
        _SOURCE,
    ),
    display=(
        "licence_type",
        "licence_number",
        "licence_category",
        "issued_on",
        "valid_from",
        "valid_to",
        "issuing_authority",
        "status",
    ),
    # 许可截止日期 is the end of the publicity period of the 双公示 listing, not of the licence.
    ignored_headers=(*_NOT_STORED, "行政许可决定文书名称", "许可截止日期"),
)

TAX = KindSpec(
    kind="tax",
    name="纳税信息",
    subject_kinds=(SubjectKind.ENTERPRISE,),
    unique_keys=("subject_code", "year"),
    date_field="year",
    default_department="tax",
    columns=(
        _subject_name("纳税人名称", "企业名称"),
        _USCC_REQUIRED,
        ColumnSpec("year", "年度", ValueType.YEAR, required=True, aliases=("纳税年度", "所属年度")),
        _money("revenue", "营业收入", required=True),
        _money("tax_paid", "纳税额", "实缴税额", "纳税总额", "入库税额", required=True),
        _money("arrears", "欠税金额", "欠税", "欠缴税款"),
        ColumnSpec(
            "credit_grade",
            "纳税信用级别",
            ValueType.CHOICE,
            aliases=("纳税信用等级",),
            choices=_choices(TaxCreditGrade),
        ),
        _SOURCE,
    ),
    display=("year", "revenue", "tax_paid", "arrears", "credit_grade"),
    ignored_headers=_NOT_STORED,
)

SOCIAL_INSURANCE = KindSpec(
    kind="social_insurance",
    name="社会保险参保",
    subject_kinds=(SubjectKind.ENTERPRISE,),
    unique_keys=("subject_code", "period"),
    date_field="period",
    default_department="hrss",
    columns=(
        _subject_name("参保单位名称", "单位名称", "企业名称"),
        _USCC_REQUIRED,
        ColumnSpec("period", "所属期", ValueType.MONTH, required=True, aliases=("费款所属期", "年月", "月份")),
        ColumnSpec("insured_employees", "参保人数", ValueType.INT, required=True),
        _money("arrears", "欠费金额", "欠缴金额", "欠费"),
        _SOURCE,
    ),
    display=("period", "insured_employees", "arrears"),
    ignored_headers=_NOT_STORED,
)

HOUSING_FUND = KindSpec(
    kind="housing_fund",
    name="住房公积金缴存",
    subject_kinds=(SubjectKind.ENTERPRISE,),
    unique_keys=("subject_code", "period"),
    date_field="period",
    default_department="hfund",
    columns=(
        _subject_name("缴存单位名称", "单位名称", "企业名称"),
        _USCC_REQUIRED,
        ColumnSpec("period", "所属期", ValueType.MONTH, required=True, aliases=("缴存年月", "年月", "月份")),
        ColumnSpec("depositing_employees", "缴存人数", ValueType.INT, required=True),
        _money("amount", "缴存金额"),
        _money("arrears", "欠缴金额", "欠缴"),
        _SOURCE,
    ),
    display=("period", "depositing_employees", "amount", "arrears"),
    ignored_headers=_NOT_STORED,
)

ABNORMAL_OPERATION = KindSpec(
    kind="abnormal_operation",
    name="经营异常名录",
    subject_kinds=(SubjectKind.ENTERPRISE,),
    unique_keys=("subject_code", "listed_on"),
    date_field="listed_on",
    default_department="market",
    columns=(
        _subject_name("企业名称", "市场主体名称"),
        _USCC_REQUIRED,
        ColumnSpec(
            "listed_on", "列入日期", ValueType.DATE, required=True, aliases=("列入经营异常名录日期", "列入时间")
        ),
        ColumnSpec("reason", "列入原因", required=True, aliases=("列入经营异常名录原因",), max_length=128),
        ColumnSpec(
            "listing_authority",
            "作出决定机关",
            required=True,
            aliases=("列入决定机关名称", "决定机关", "列入机关"),
            max_length=64,
        ),
        ColumnSpec("removed_on", "移出日期", ValueType.DATE, aliases=("移出经营异常名录日期",)),
        ColumnSpec("removal_reason", "移出原因", aliases=("移出经营异常名录原因",), max_length=128),
        _SOURCE,
    ),
    display=("listed_on", "reason", "listing_authority", "removed_on", "removal_reason"),
    ignored_headers=_NOT_STORED,
)

SERIOUS_DISHONESTY = KindSpec(
    kind="serious_dishonesty",
    name="严重失信主体名单",
    subject_kinds=(SubjectKind.ENTERPRISE, SubjectKind.PERSON),
    unique_keys=("subject_code", "listed_on"),
    date_field="listed_on",
    default_department="ndrc",
    columns=(
        _subject_name("主体名称", "企业名称", "姓名"),
        _USCC,
        _CITIZEN,
        ColumnSpec("listed_on", "列入日期", ValueType.DATE, required=True, aliases=("认定日期",)),
        ColumnSpec(
            "reason", "列入原因", required=True, aliases=("主要违法事实", "列入事由", "失信行为"), max_length=128
        ),
        ColumnSpec(
            "listing_authority",
            "列入决定机关名称",
            required=True,
            aliases=("作出决定机关", "认定部门", "决定机关"),
            max_length=64,
        ),
        ColumnSpec("removed_on", "移出日期", ValueType.DATE),
        _SOURCE,
    ),
    display=("listed_on", "reason", "listing_authority", "removed_on"),
    ignored_headers=_NOT_STORED,
)

COURT_JUDGMENT = KindSpec(
    kind="court_judgment",
    name="司法判决",
    subject_kinds=(SubjectKind.ENTERPRISE, SubjectKind.PERSON),
    unique_keys=("subject_code", "case_number"),
    date_field="judged_on",
    default_department="ndrc",
    columns=(
        _subject_name("当事人名称", "主体名称", "企业名称", "姓名"),
        _USCC,
        _CITIZEN,
        ColumnSpec("case_number", "案号", required=True, max_length=64),
        ColumnSpec("court", "审理法院", required=True, aliases=("法院", "执行法院", "法院名称"), max_length=64),
        ColumnSpec("case_type", "案件类型", ValueType.CHOICE, required=True, choices=_choices(CaseType)),
        ColumnSpec(
            "party_role",
            "诉讼地位",
            ValueType.CHOICE,
            required=True,
            aliases=("当事人地位", "当事人诉讼地位"),
            choices=_choices(PartyRole),
        ),
        ColumnSpec("judged_on", "裁判日期", ValueType.DATE, required=True, aliases=("判决日期", "裁判文书日期")),
        _money("amount", "涉案金额", "标的金额", "执行标的"),
        ColumnSpec("summary", "裁判摘要", aliases=("判决结果", "摘要")),
        _SOURCE,
    ),
    display=("case_number", "court", "case_type", "party_role", "judged_on", "amount", "summary"),
    ignored_headers=_NOT_STORED,
)

CERTIFICATE = KindSpec(
    kind="certificate",
    name="证照",
    subject_kinds=(SubjectKind.PERSON, SubjectKind.ENTERPRISE),
    unique_keys=("subject_code", "cert_type", "cert_number"),
    date_field="issued_on",
    name_field="holder_name",
    columns=(
        _USCC,
        _CITIZEN,
        ColumnSpec("cert_type", "证照类型", required=True, aliases=("证照名称", "证件类型"), max_length=32),
        ColumnSpec(
            "cert_number", "证照编号", required=True, aliases=("证照号码", "证件编号", "证书编号"), max_length=64
        ),
        ColumnSpec("holder_name", "持证主体", required=True, aliases=("持证人", "持证主体名称"), max_length=128),
        ColumnSpec("issuing_authority", "发证机关", required=True, aliases=("颁发机关", "签发机关"), max_length=64),
        ColumnSpec("issued_on", "发证日期", ValueType.DATE, required=True, aliases=("颁发日期", "签发日期")),
        ColumnSpec("valid_to", "有效期至", ValueType.DATE, aliases=("有效期止",), allow_future=True),
        _SOURCE,
    ),
    display=("cert_type", "cert_number", "holder_name", "issuing_authority", "issued_on", "valid_to"),
    ignored_headers=_NOT_STORED,
)

PERSON = KindSpec(
    kind="person",
    name="自然人",
    unique_keys=("id_number",),
    name_field="",
    columns=(
        ColumnSpec("name", "姓名", required=True, max_length=32),
        ColumnSpec(
            "id_number",
            "公民身份号码",
            ValueType.CITIZEN_ID,
            required=True,
            aliases=("身份证号码", "身份证号", "居民身份证号码"),
        ),
        ColumnSpec("sex", "性别", ValueType.CHOICE, choices=_choices(Sex)),
        ColumnSpec("birth_date", "出生日期", ValueType.DATE),
        ColumnSpec("household_address", "户籍地址", required=True, aliases=("户籍地", "住址"), max_length=128),
        ColumnSpec(
            "household_district_code",
            "户籍区县代码",
            ValueType.DIVISION,
            required=True,
            aliases=("户籍所在区县代码", "区县代码"),
        ),
        ColumnSpec(
            "household_street_code",
            "户籍街道代码",
            ValueType.DIVISION,
            aliases=("户籍所在街道代码", "街道代码", "乡镇街道代码"),
        ),
        ColumnSpec("phone", "联系电话", aliases=("手机号码", "电话"), max_length=20),
    ),
    ignored_headers=("序号", "备注"),
)

ENTERPRISE = KindSpec(
    kind="enterprise",
    name="市场主体",
    unique_keys=("uscc",),
    name_field="",
    columns=(
        ColumnSpec("name", "企业名称", required=True, aliases=("市场主体名称", "名称"), max_length=128),
        ColumnSpec("uscc", "统一社会信用代码", ValueType.USCC, required=True, aliases=("社会信用代码", "信用代码")),
        ColumnSpec("entity_type", "市场主体类型", required=True, aliases=("企业类型", "类型"), max_length=32),
        ColumnSpec(
            "legal_representative",
            "法定代表人",
            required=True,
            aliases=("法定代表人（负责人、经营者）", "负责人", "经营者"),
            max_length=32,
        ),
        ColumnSpec(
            "legal_representative_id",
            "法定代表人身份证号码",
            ValueType.CITIZEN_ID,
            aliases=("法定代表人证件号码", "法定代表人公民身份号码"),
        ),
        ColumnSpec("industry_section", "行业门类", required=True),
        ColumnSpec("industry_division", "行业大类", required=True, aliases=("行业代码",)),
        _money("registered_capital", "注册资本", "注册资金", required=True, unit="万元"),
        ColumnSpec("founded_on", "成立日期", ValueType.DATE, required=True),
        ColumnSpec(
            "district_code", "所在区县代码", ValueType.DIVISION, required=True, aliases=("区县代码", "登记区县代码")
        ),
        ColumnSpec("street_code", "所在街道代码", ValueType.DIVISION, aliases=("街道代码",)),
        ColumnSpec("address", "住所", required=True, aliases=("地址", "注册地址", "经营场所"), max_length=128),
        ColumnSpec(
            "status", "登记状态", ValueType.CHOICE, aliases=("经营状态", "企业状态"), choices=_choices(EnterpriseStatus)
        ),
        ColumnSpec("employees", "从业人数", ValueType.INT, aliases=("从业人员数", "职工人数")),
    ),
    ignored_headers=("序号", "备注"),
)

RECORD_KINDS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        LICENCE,
        PENALTY,
        TAX,
        SOCIAL_INSURANCE,
        HOUSING_FUND,
        ABNORMAL_OPERATION,
        SERIOUS_DISHONESTY,
        COURT_JUDGMENT,
        CERTIFICATE,
    )
}
"""Department record kinds, in the order profiles show them (same keys as ``models.RECORD_MODELS``)."""

KINDS: dict[str, KindSpec] = {"person": PERSON, "enterprise": ENTERPRISE, **RECORD_KINDS}
"""Every importable kind."""

BASE_REGISTER_DEPARTMENT = "cityops"
"""Who holds the base registers (人口库, 法人库) of the 数据底座: the city's operations and data office."""

BASE_FIELDS: dict[str, tuple[str, ...]] = {
    "enterprise": (
        "uscc",
        "name",
        "entity_type",
        "legal_representative",
        "industry_section",
        "industry_division",
        "registered_capital",
        "founded_on",
        "district_code",
        "street_code",
        "address",
        "status",
        "employees",
    ),
    "person": ("id_number", "name", "sex", "household_district_code", "household_street_code"),
}
"""Base-data fields disclosed by a profile (masked personal fields are audited separately)."""


def kind_spec(kind: str) -> KindSpec:
    """The spec of a kind; KeyError for an unknown kind (callers turn it into a Chinese error)."""
    return KINDS[kind]


def kinds_for_subject(subject_kind: SubjectKind) -> tuple[KindSpec, ...]:
    """Record kinds that can be about a subject kind, in display order."""
    return tuple(spec for spec in RECORD_KINDS.values() if subject_kind in spec.subject_kinds)


def kind_names() -> dict[str, str]:
    """Kind → Chinese name, for every kind."""
    return {kind: spec.name for kind, spec in KINDS.items()}


if set(RECORD_KINDS) != set(models.RECORD_MODELS):  # pragma: no cover - guards the two tables drifting apart
    raise RuntimeError("registry.kinds.RECORD_KINDS must cover exactly models.RECORD_MODELS")
