"""The 数据底座: departments, natural persons, market entities and every department's typed records.

Each record table carries its owning department (``owner_department``) and the subject it is about
(``subject_kind`` + ``subject_code``: a 公民身份号码 or a 统一社会信用代码). Other contexts never query these
tables directly: they go through ``yiwang.registry`` services, which read through the audited access layer of
``yiwang.sharing``. ``synthetic`` marks generated data (the demo and benchmark city).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from yiwang.db import Base, UTCDateTime, utcnow

MONEY = Numeric(18, 2)


class Department(Base):
    """A municipal department or public-service unit, from the canonical ``departments.yaml``."""

    __tablename__ = "registry_department"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    short_name: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(16), default="government")  # government / utility
    duties: Mapped[list[str]] = mapped_column(JSON, default=list)


class Person(Base):
    """A natural person (自然人) as held by the population register."""

    __tablename__ = "registry_person"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)  # 公民身份号码 GB 11643
    name: Mapped[str] = mapped_column(String(32), index=True)
    sex: Mapped[str] = mapped_column(String(1))  # "男" / "女", consistent with the ID number
    birth_date: Mapped[dt.date] = mapped_column(Date)
    household_address: Mapped[str] = mapped_column(String(128))  # 户籍地址
    household_district_code: Mapped[str] = mapped_column(String(6), index=True)
    household_street_code: Mapped[str | None] = mapped_column(String(9), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Enterprise(Base):
    """A market entity (市场主体) keyed by its 统一社会信用代码 (GB 32100)."""

    __tablename__ = "registry_enterprise"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    entity_type: Mapped[str] = mapped_column(String(32))  # 有限责任公司 / 股份有限公司 / 个体工商户 …
    legal_representative: Mapped[str] = mapped_column(String(32))
    legal_representative_id: Mapped[str | None] = mapped_column(String(18), index=True)
    industry_section: Mapped[str] = mapped_column(String(1), index=True)  # GB/T 4754 门类 A–T
    industry_division: Mapped[str] = mapped_column(String(2))  # GB/T 4754 大类 01–97
    registered_capital: Mapped[Decimal] = mapped_column(MONEY)  # 万元
    founded_on: Mapped[dt.date] = mapped_column(Date)
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    street_code: Mapped[str | None] = mapped_column(String(9), index=True)
    address: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(8), default="存续")  # 存续 / 在业 / 吊销 / 注销 / 迁出
    employees: Mapped[int] = mapped_column(Integer, default=0)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class _RecordColumns:
    """Columns every department record has: owner, subject, provenance."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_department: Mapped[str] = mapped_column(ForeignKey("registry_department.code"))
    subject_kind: Mapped[str] = mapped_column(String(10))  # "person" / "enterprise"
    subject_code: Mapped[str] = mapped_column(String(18))
    source_system: Mapped[str] = mapped_column(String(64), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)


def _subject_index(table: str) -> Index:
    return Index(f"ix_{table}_subject", "subject_kind", "subject_code")


class Licence(_RecordColumns, Base):
    """An administrative licence or permit (行政许可) with its validity period."""

    __tablename__ = "rec_licence"
    __table_args__ = (_subject_index("rec_licence"),)

    licence_type: Mapped[str] = mapped_column(String(64))  # 许可证书名称: 食品经营许可证 …
    licence_number: Mapped[str] = mapped_column(String(64), unique=True)  # 许可编号
    decision_number: Mapped[str | None] = mapped_column(String(64))  # 行政许可决定文书号
    licence_category: Mapped[str | None] = mapped_column(String(8))  # 许可类别 普通/特许/认可/核准/登记/其他
    issuing_authority: Mapped[str] = mapped_column(String(64))  # 许可机关
    authority_uscc: Mapped[str | None] = mapped_column(String(18))  # 许可机关统一社会信用代码
    issued_on: Mapped[dt.date] = mapped_column(Date)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(8), default="有效")  # 有效 / 注销 / 撤销 / 过期
    content: Mapped[str] = mapped_column(Text, default="")


class Penalty(_RecordColumns, Base):
    """An administrative penalty (行政处罚) with the 双公示 fields."""

    __tablename__ = "rec_penalty"
    __table_args__ = (_subject_index("rec_penalty"),)

    decision_number: Mapped[str] = mapped_column(String(64), unique=True)  # 决定文书号
    violation_type: Mapped[str] = mapped_column(String(128))  # 违法行为类型
    facts: Mapped[str] = mapped_column(Text, default="")  # 违法事实
    penalty_category: Mapped[str] = mapped_column(String(64))  # 处罚类别 (警告/罚款/没收违法所得…, 、-separated)
    fine_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))  # 罚款金额（元）
    confiscated_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))  # 没收违法所得、非法财物金额（元）
    revoked_licence: Mapped[str] = mapped_column(String(256), default="")  # 暂扣或吊销证照名称及编号
    decided_on: Mapped[dt.date] = mapped_column(Date)  # 决定日期
    deciding_authority: Mapped[str] = mapped_column(String(64))  # 决定机关
    authority_uscc: Mapped[str | None] = mapped_column(String(18))  # 处罚机关统一社会信用代码
    publicity_until: Mapped[dt.date | None] = mapped_column(Date)  # 公示截止期
    basis: Mapped[str] = mapped_column(Text, default="")  # 处罚依据
    content: Mapped[str] = mapped_column(Text, default="")  # 处罚内容


class TaxRecord(_RecordColumns, Base):
    """One enterprise-year of tax data (税务)."""

    __tablename__ = "rec_tax"
    __table_args__ = (
        _subject_index("rec_tax"),
        UniqueConstraint("subject_code", "year", name="uq_rec_tax_subject_year"),
    )

    year: Mapped[int] = mapped_column(Integer)
    revenue: Mapped[Decimal] = mapped_column(MONEY)  # 营业收入（元）
    tax_paid: Mapped[Decimal] = mapped_column(MONEY)  # 纳税额（元）
    arrears: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))  # 欠税（元）
    credit_grade: Mapped[str | None] = mapped_column(String(1))  # 纳税信用级别 A/B/M/C/D


class SocialInsuranceRecord(_RecordColumns, Base):
    """One enterprise-month of social insurance (社保参保人数, 欠费)."""

    __tablename__ = "rec_social_insurance"
    __table_args__ = (
        _subject_index("rec_social_insurance"),
        UniqueConstraint("subject_code", "period", name="uq_rec_social_insurance_subject_period"),
    )

    period: Mapped[dt.date] = mapped_column(Date)  # first day of the month
    insured_employees: Mapped[int] = mapped_column(Integer)
    arrears: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))


class HousingFundRecord(_RecordColumns, Base):
    """One enterprise-month of housing provident fund deposits (住房公积金)."""

    __tablename__ = "rec_housing_fund"
    __table_args__ = (
        _subject_index("rec_housing_fund"),
        UniqueConstraint("subject_code", "period", name="uq_rec_housing_fund_subject_period"),
    )

    period: Mapped[dt.date] = mapped_column(Date)
    depositing_employees: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    arrears: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))


class AbnormalOperation(_RecordColumns, Base):
    """Listing in the 经营异常名录 (market regulation)."""

    __tablename__ = "rec_abnormal_operation"
    __table_args__ = (_subject_index("rec_abnormal_operation"),)

    listed_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(128))
    listing_authority: Mapped[str] = mapped_column(String(64))
    removed_on: Mapped[dt.date | None] = mapped_column(Date)
    removal_reason: Mapped[str | None] = mapped_column(String(128))


class SeriousDishonesty(_RecordColumns, Base):
    """Listing as a 严重失信主体 (serious-dishonesty list)."""

    __tablename__ = "rec_serious_dishonesty"
    __table_args__ = (_subject_index("rec_serious_dishonesty"),)

    listed_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(128))
    listing_authority: Mapped[str] = mapped_column(String(64))
    removed_on: Mapped[dt.date | None] = mapped_column(Date)


class CourtJudgment(_RecordColumns, Base):
    """A court judgment, as aggregated by the city's public credit platform (owned by ``ndrc``)."""

    __tablename__ = "rec_court_judgment"
    __table_args__ = (
        _subject_index("rec_court_judgment"),
        # One case has several parties, each with its own row.
        UniqueConstraint("case_number", "subject_code", name="uq_rec_court_judgment_case_subject"),
    )

    case_number: Mapped[str] = mapped_column(String(64))  # 案号
    court: Mapped[str] = mapped_column(String(64))
    case_type: Mapped[str] = mapped_column(String(16))  # 民事 / 行政 / 执行 …
    party_role: Mapped[str] = mapped_column(String(16))  # 原告 / 被告 / 被执行人 …
    judged_on: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    summary: Mapped[str] = mapped_column(Text, default="")


class Certificate(_RecordColumns, Base):
    """A certificate held by a person or enterprise (居民身份证, 户口簿, 驾驶证, 机动车行驶证 …)."""

    __tablename__ = "rec_certificate"
    __table_args__ = (_subject_index("rec_certificate"),)

    cert_type: Mapped[str] = mapped_column(String(32))
    cert_number: Mapped[str] = mapped_column(String(64))
    holder_name: Mapped[str] = mapped_column(String(128))
    issuing_authority: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


RECORD_MODELS: dict[str, type[_RecordColumns]] = {
    "licence": Licence,
    "penalty": Penalty,
    "tax": TaxRecord,
    "social_insurance": SocialInsuranceRecord,
    "housing_fund": HousingFundRecord,
    "abnormal_operation": AbnormalOperation,
    "serious_dishonesty": SeriousDishonesty,
    "court_judgment": CourtJudgment,
    "certificate": Certificate,
}
"""Record kinds by their stable name (used by importers, the access layer and the API)."""
