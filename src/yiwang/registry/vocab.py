"""Controlled vocabularies of the registry (stored by their Chinese value, as the source systems write them)."""

from __future__ import annotations

from enum import StrEnum


class SubjectKind(StrEnum):
    """Whom a record is about: a natural person (公民身份号码) or a market entity (统一社会信用代码)."""

    PERSON = "person"
    ENTERPRISE = "enterprise"

    @property
    def label(self) -> str:
        """Chinese name."""
        return {"person": "自然人", "enterprise": "法人和其他组织"}[self.value]


class Sex(StrEnum):
    """性别 as encoded by the 顺序码 parity of the 公民身份号码."""

    MALE = "男"
    FEMALE = "女"


class EnterpriseStatus(StrEnum):
    """登记状态 of a market entity."""

    SURVIVING = "存续"
    OPERATING = "在业"
    SUSPENDED = "停业"
    LIQUIDATING = "清算"
    REVOKED = "吊销"
    CANCELLED = "注销"
    MOVED_IN = "迁入"
    MOVED_OUT = "迁出"


ACTIVE_ENTERPRISE_STATUSES = frozenset({EnterpriseStatus.SURVIVING, EnterpriseStatus.OPERATING})
"""Statuses of an entity that still trades."""


class EntityType(StrEnum):
    """市场主体类型 (the main kinds; a parenthesised qualifier such as （自然人投资或控股） may follow)."""

    LLC = "有限责任公司"
    JOINT_STOCK = "股份有限公司"
    SOLE_PROPRIETORSHIP = "个人独资企业"
    PARTNERSHIP = "合伙企业"
    INDIVIDUAL_BUSINESS = "个体工商户"
    FARMERS_COOPERATIVE = "农民专业合作社"
    FOREIGN_INVESTED = "外商投资企业"
    STATE_OWNED = "国有企业"
    COLLECTIVE = "集体所有制企业"
    BRANCH = "分公司"
    OTHER = "其他企业"


class PenaltyCategory(StrEnum):
    """处罚类别: the kinds of administrative penalty of 《行政处罚法》(2021) 第九条, plus 其他."""

    WARNING = "警告"
    CRITICISM = "通报批评"
    FINE = "罚款"
    CONFISCATE_GAINS = "没收违法所得"
    CONFISCATE_PROPERTY = "没收非法财物"
    SUSPEND_LICENCE = "暂扣许可证件"
    DOWNGRADE_QUALIFICATION = "降低资质等级"
    REVOKE_LICENCE = "吊销许可证件"
    RESTRICT_OPERATION = "限制开展生产经营活动"
    ORDER_SUSPENSION = "责令停产停业"
    ORDER_CLOSURE = "责令关闭"
    RESTRICT_EMPLOYMENT = "限制从业"
    DETENTION = "行政拘留"
    OTHER = "其他"


class LicenceStatus(StrEnum):
    """Status of a licence as its issuer records it."""

    VALID = "有效"
    CANCELLED = "注销"
    WITHDRAWN = "撤销"
    REVOKED = "吊销"
    EXPIRED = "过期"


class LicenceCategory(StrEnum):
    """许可类别 of 《行政许可法》第十二条."""

    ORDINARY = "普通"
    FRANCHISE = "特许"
    RECOGNITION = "认可"
    APPROVAL = "核准"
    REGISTRATION = "登记"
    OTHER = "其他"


class Validity(StrEnum):
    """How a licence or certificate stands today (computed, never stored)."""

    VALID = "有效"
    EXPIRING = "即将到期"
    EXPIRED = "已过期"
    PERMANENT = "长期有效"
    INACTIVE = "已失效"


class TaxCreditGrade(StrEnum):
    """纳税信用级别."""

    A = "A"
    B = "B"
    M = "M"
    C = "C"
    D = "D"


class CaseType(StrEnum):
    """案件类型 of a court case."""

    CIVIL = "民事"
    CRIMINAL = "刑事"
    ADMINISTRATIVE = "行政"
    ENFORCEMENT = "执行"
    COMPENSATION = "赔偿"
    OTHER = "其他"


class PartyRole(StrEnum):
    """当事人诉讼地位."""

    PLAINTIFF = "原告"
    DEFENDANT = "被告"
    THIRD_PARTY = "第三人"
    APPELLANT = "上诉人"
    APPELLEE = "被上诉人"
    APPLICANT_FOR_ENFORCEMENT = "申请执行人"
    PERSON_SUBJECT_TO_ENFORCEMENT = "被执行人"
    APPLICANT = "申请人"
    RESPONDENT = "被申请人"
    ACCUSED = "被告人"
