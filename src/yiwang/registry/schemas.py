"""Pydantic shapes of the registry: inputs, read models (personal data masked), profiles, overview, imports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class CountItem(BaseModel):
    """A count under a code with its Chinese name (industry section, district, record kind, department)."""

    code: str
    name: str
    count: int


# --- departments -------------------------------------------------------------------------------------------


class DepartmentRead(BaseModel):
    """A department with its duties and how many records of each kind it owns."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    short_name: str
    kind: str
    duties: list[str]
    record_counts: dict[str, int] = Field(default_factory=dict)
    total_records: int = 0


# --- base data ---------------------------------------------------------------------------------------------


class PersonCreate(BaseModel):
    """Input for registering a natural person; sex and birth date, when given, must agree with the ID number."""

    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(description="姓名")
    id_number: str = Field(description="公民身份号码（18位）")
    sex: str | None = Field(default=None, description="性别：男/女（可省略，由身份号码推出）")
    birth_date: dt.date | None = Field(default=None, description="出生日期（可省略，由身份号码推出）")
    household_address: str = Field(description="户籍地址")
    household_district_code: str = Field(description="户籍所在区县代码（6位）")
    household_street_code: str | None = Field(default=None, description="户籍所在街道/乡镇代码（9位）")
    phone: str | None = Field(default=None, description="联系电话")
    synthetic: bool = False


class PersonRead(BaseModel):
    """A natural person; ID number, phone and address are masked unless ``masked`` is false."""

    ref: str = Field(description="不含个人信息的内部引用，用于页面链接（/registry/persons/ref/{ref}）")
    id_number: str
    name: str
    sex: str
    birth_date: dt.date | None = Field(description="出生日期；脱敏显示时为空（已含在身份号码中）")
    age: int
    household_address: str
    household_district_code: str
    household_district_name: str
    household_street_code: str | None
    household_street_name: str | None
    phone: str | None
    synthetic: bool
    masked: bool


class EnterpriseCreate(BaseModel):
    """Input for registering a market entity."""

    model_config = ConfigDict(str_strip_whitespace=True)

    uscc: str = Field(description="统一社会信用代码（18位）")
    name: str = Field(description="企业名称")
    entity_type: str = Field(description="市场主体类型，如 有限责任公司、个体工商户")
    legal_representative: str = Field(description="法定代表人（负责人、经营者）")
    legal_representative_id: str | None = Field(default=None, description="法定代表人公民身份号码")
    industry_section: str = Field(description="GB/T 4754 行业门类 A–T")
    industry_division: str = Field(description="GB/T 4754 行业大类 01–97")
    registered_capital: Decimal = Field(description="注册资本（万元）")
    founded_on: dt.date = Field(description="成立日期")
    district_code: str = Field(description="所在区县代码（6位）")
    street_code: str | None = Field(default=None, description="所在街道/乡镇代码（9位）")
    address: str = Field(description="住所")
    status: str = Field(default="存续", description="登记状态")
    employees: int = Field(default=0, description="从业人数")
    synthetic: bool = False


class EnterpriseRead(BaseModel):
    """A market entity with the names of its codes; the legal representative's ID number is masked."""

    uscc: str
    name: str
    entity_type: str
    legal_representative: str
    legal_representative_id: str | None
    industry_section: str
    industry_section_name: str
    industry_division: str
    industry_division_name: str
    registered_capital: Decimal = Field(description="万元")
    founded_on: dt.date
    district_code: str
    district_name: str
    street_code: str | None
    street_name: str | None
    address: str
    status: str
    employees: int
    synthetic: bool


# --- department records --------------------------------------------------------------------------------------


class RecordBase(BaseModel):
    """Columns every department record has: owner, subject and provenance."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    owner_department: str
    subject_kind: str
    subject_code: str
    source_system: str
    recorded_at: dt.datetime
    synthetic: bool


class LicenceRead(RecordBase):
    """行政许可, with its validity as of today."""

    kind: Literal["licence"] = "licence"
    licence_type: str
    licence_number: str
    decision_number: str | None
    licence_category: str | None
    issuing_authority: str
    authority_uscc: str | None
    issued_on: dt.date
    valid_from: dt.date
    valid_to: dt.date | None
    status: str
    content: str
    validity: str = ""
    days_left: int | None = None


class PenaltyRead(RecordBase):
    """行政处罚 (双公示 fields); amounts in 元."""

    kind: Literal["penalty"] = "penalty"
    decision_number: str
    violation_type: str
    facts: str
    penalty_category: str
    fine_amount: Decimal
    confiscated_amount: Decimal
    revoked_licence: str
    decided_on: dt.date
    deciding_authority: str
    authority_uscc: str | None
    publicity_until: dt.date | None
    basis: str
    content: str


class TaxRecordRead(RecordBase):
    """One year of tax data; amounts in 元."""

    kind: Literal["tax"] = "tax"
    year: int
    revenue: Decimal
    tax_paid: Decimal
    arrears: Decimal
    credit_grade: str | None


class SocialInsuranceRead(RecordBase):
    """One month of social insurance."""

    kind: Literal["social_insurance"] = "social_insurance"
    period: dt.date
    insured_employees: int
    arrears: Decimal


class HousingFundRead(RecordBase):
    """One month of housing provident fund deposits."""

    kind: Literal["housing_fund"] = "housing_fund"
    period: dt.date
    depositing_employees: int
    amount: Decimal
    arrears: Decimal


class AbnormalOperationRead(RecordBase):
    """A listing in the 经营异常名录."""

    kind: Literal["abnormal_operation"] = "abnormal_operation"
    listed_on: dt.date
    reason: str
    listing_authority: str
    removed_on: dt.date | None
    removal_reason: str | None


class SeriousDishonestyRead(RecordBase):
    """A listing as a 严重失信主体."""

    kind: Literal["serious_dishonesty"] = "serious_dishonesty"
    listed_on: dt.date
    reason: str
    listing_authority: str
    removed_on: dt.date | None


class CourtJudgmentRead(RecordBase):
    """A court judgment (aggregated by the public credit platform)."""

    kind: Literal["court_judgment"] = "court_judgment"
    case_number: str
    court: str
    case_type: str
    party_role: str
    judged_on: dt.date
    amount: Decimal
    summary: str


class CertificateRead(RecordBase):
    """A certificate; the number and holder of a person's certificate are masked unless unmasked."""

    kind: Literal["certificate"] = "certificate"
    cert_type: str
    cert_number: str
    holder_name: str
    issuing_authority: str
    issued_on: dt.date
    valid_to: dt.date | None
    validity: str = ""
    days_left: int | None = None


RecordRead = Annotated[
    LicenceRead
    | PenaltyRead
    | TaxRecordRead
    | SocialInsuranceRead
    | HousingFundRead
    | AbnormalOperationRead
    | SeriousDishonestyRead
    | CourtJudgmentRead
    | CertificateRead,
    Field(discriminator="kind"),
]
"""Any department record, tagged by ``kind``."""

RECORD_READ_SCHEMAS: dict[str, type[RecordBase]] = {
    "licence": LicenceRead,
    "penalty": PenaltyRead,
    "tax": TaxRecordRead,
    "social_insurance": SocialInsuranceRead,
    "housing_fund": HousingFundRead,
    "abnormal_operation": AbnormalOperationRead,
    "serious_dishonesty": SeriousDishonestyRead,
    "court_judgment": CourtJudgmentRead,
    "certificate": CertificateRead,
}


# --- profiles ------------------------------------------------------------------------------------------------


class DepartmentSection(BaseModel):
    """One department's records of one kind about the subject, or a note that the department's source is down."""

    department_code: str
    department_name: str
    available: bool
    reason: str = ""
    record_kind: str | None = Field(description="记录类别；数据源不可用时为空（该部门各类数据均未读取）")
    record_kind_name: str
    source_systems: list[str] = Field(default_factory=list)
    latest_on: dt.date | None = None
    records: list[RecordRead] = Field(default_factory=list)


class SeriesPoint(BaseModel):
    """A labelled point of a chart series."""

    label: str
    values: dict[str, float]


class EnterpriseProfile(BaseModel):
    """一企一档: base data and every department's records about one enterprise, read through the audited layer."""

    enterprise: EnterpriseRead
    sections: list[DepartmentSection]
    unavailable_departments: list[str]
    tax_by_year: list[SeriesPoint]
    insured_by_month: list[SeriesPoint]
    purpose: str
    legal_basis: str
    audit_entries: int
    generated_at: dt.datetime


class PersonProfile(BaseModel):
    """一人一档: a person's base data (masked by default) and the records about them."""

    person: PersonRead
    sections: list[DepartmentSection]
    unavailable_departments: list[str]
    masked: bool
    purpose: str
    legal_basis: str
    audit_entries: int
    generated_at: dt.datetime


# --- overview -----------------------------------------------------------------------------------------------


class Overview(BaseModel):
    """Counts for the home page."""

    persons: int
    enterprises: int
    enterprises_by_industry: list[CountItem]
    enterprises_by_district: list[CountItem]
    records_by_kind: list[CountItem]
    records_by_department: list[CountItem]
    licences_expiring_30d: int
    abnormal_enterprises: int
    as_of: dt.date


class Option(BaseModel):
    """A choice of a filter: its code and Chinese name."""

    code: str
    name: str


class SearchOptions(BaseModel):
    """Choices offered by the search page's filters."""

    districts: list[Option]
    industry_sections: list[Option]
    statuses: list[Option]


class ExampleSubjects(BaseModel):
    """A real enterprise and person of the database to link from demos and start-up messages."""

    enterprise_uscc: str | None
    enterprise_name: str | None
    person_id_number: str | None


# --- imports ------------------------------------------------------------------------------------------------


class ImportRowError(BaseModel):
    """One problem in an import file: row number (as the spreadsheet shows it), column, value, Chinese message."""

    row: int = Field(description="行号（表头为第1行；0 表示整个文件）")
    column: str
    value: str
    message: str


class ImportReport(BaseModel):
    """The outcome of an import: every row checked; all rows written or none."""

    kind: str
    kind_name: str
    filename: str
    file_type: str
    encoding: str | None
    owner_department: str | None
    dry_run: bool
    total_rows: int
    valid_rows: int
    inserted: int
    valid: bool
    error_count: int
    errors: list[ImportRowError]
    errors_truncated: bool = False
    columns: list[str] = Field(default_factory=list, description="识别出的列")
    ignored_columns: list[str] = Field(default_factory=list, description="未导入的列")
