"""Code lists of the catalogue: item types, life events, e-certificate types, shared-data references, fact paths.

Pure data, no I/O. The item type codes follow the national 事项类型 list (domain.md §3.1: 01 行政许可 … 20 公共服务);
行政备案 has no code in that list, so it gets the project code ``21`` (tagged [待核实] in ``data/SOURCE.md``).
"""

from __future__ import annotations

from typing import Final

ITEM_TYPES: Final[dict[str, str]] = {
    "01": "行政许可",
    "02": "行政处罚",
    "03": "行政强制",
    "04": "行政征收",
    "05": "行政给付",
    "06": "行政检查",
    "07": "行政确认",
    "08": "行政奖励",
    "09": "行政裁决",
    "10": "其他行政权力",
    "20": "公共服务",
    "21": "行政备案",
}
"""事项类型 code → name; ``item_type`` must be the name of ``item_type_code``."""

HANDLING_LABELS: Final[dict[str, str]] = {"instant": "即办件", "promised": "承诺件"}
SUBJECT_LABELS: Final[dict[str, str]] = {"person": "个人", "enterprise": "企业"}
STATUS_LABELS: Final[dict[str, str]] = {"draft": "草稿", "published": "已发布", "retired": "已停用"}

LIFE_EVENTS: Final[dict[str, tuple[str, str]]] = {
    # 个人：出生 → 身后 (国办发〔2025〕24号 总体清单的个人事项分类)
    "birth": ("出生", "person"),
    "education": ("入学", "person"),
    "employment": ("就业", "person"),
    "living": ("生活", "person"),
    "marriage": ("婚育", "person"),
    "housing": ("置业", "person"),
    "travel": ("出行", "person"),
    "medical": ("就医", "person"),
    "retirement": ("退休", "person"),
    # 企业：开办 → 注销
    "start": ("开办", "enterprise"),
    "hiring": ("招聘用工", "enterprise"),
    "tax": ("纳税缴费", "enterprise"),
    "operation": ("经营发展", "enterprise"),
    "change": ("变更", "enterprise"),
    "closure": ("注销", "enterprise"),
}
"""Life event code → (Chinese name, subject). Items and bundles name the codes."""

CERT_TYPES: Final[dict[str, str]] = {
    "business_licence": "营业执照",
    "food_business_licence": "食品经营许可证",
    "seal_filing": "印章备案证明",
    "tax_registration_confirmation": "税务登记确认信息",
    "invoice_approval": "发票领用核定结果",
    "social_insurance_registration": "社会保险登记证明",
    "medical_insurance_unit_registration": "医疗保险单位参保登记证明",
    "housing_fund_registration": "住房公积金单位登记证明",
    "birth_medical_certificate": "出生医学证明",
    "household_registration": "居民户口簿",
    "vaccination_certificate": "预防接种证",
    "medical_insurance_enrolment": "城乡居民医保参保凭证",
    "social_security_card": "社会保障卡",
    "retirement_certificate": "退休审批表",
    "pension_approval": "基本养老金核定表",
    "real_estate_certificate": "不动产权证书",
    "road_transport_permit": "道路运输经营许可证",
    "ride_hailing_driver_licence": "网络预约出租汽车驾驶员证",
    "residence_permit": "居住证",
    "marriage_certificate": "结婚证",
    "driving_licence": "机动车驾驶证",
    "vehicle_transport_certificate": "道路运输证",
}
"""E-certificate type code → Chinese name: the ``result_type`` of items and the ``cert_type`` of materials.

``yiwang.certs`` issues certificates under these codes; an item whose ``result_type`` is ``X`` issues an ``X``."""

SHARED_REFS: Final[dict[str, str]] = {
    "person.identity": "人口基础信息",
    "person.household": "户籍信息",
    "enterprise.basic": "法人基础信息",
    "record:licence": "行政许可记录",
    "record:penalty": "行政处罚记录",
    "record:tax": "纳税记录",
    "record:social_insurance": "社会保险参保记录",
    "record:housing_fund": "住房公积金缴存记录",
    "record:abnormal_operation": "经营异常名录",
    "record:serious_dishonesty": "严重失信主体名单",
    "record:court_judgment": "司法判决记录",
    "record:certificate": "证照记录",
}
"""What ``shared_ref`` may name: the registry's base data (``registry.services.get_person_profile`` /
``get_enterprise_profile``) or one of its nine record kinds (``registry.kinds``)."""

FACT_ROOTS: Final[tuple[str, ...]] = ("applicant", "enterprise", "records", "certificates", "form")
"""First segment of every fact path a pre-fill or a 秒批 rule may name (see docs/contexts/catalogue.md)."""

FACT_PATHS: Final[dict[str, str]] = {
    "applicant.name": "申请人姓名",
    "applicant.id_number": "申请人公民身份号码",
    "applicant.sex": "申请人性别",
    "applicant.birth_date": "申请人出生日期",
    "applicant.age": "申请人年龄（周岁）",
    "applicant.phone": "申请人联系电话",
    "applicant.household_address": "户籍地址",
    "applicant.household_district_code": "户籍所在区（县）代码",
    "enterprise.uscc": "统一社会信用代码",
    "enterprise.name": "企业名称",
    "enterprise.type": "企业类型",
    "enterprise.status": "登记状态",
    "enterprise.legal_representative": "法定代表人",
    "enterprise.registered_capital": "注册资本（万元）",
    "enterprise.address": "住所",
    "enterprise.district_code": "住所所在区（县）代码",
    "enterprise.industry_section": "行业门类",
    "enterprise.employees": "从业人数",
    "enterprise.founded_on": "成立日期",
    "records.driving_licence.years_held": "驾龄（年）",
    "records.driving_licence.valid": "驾驶证是否有效",
    "records.criminal.count": "刑事判决记录数",
    "records.traffic_violation.serious_count": "近一年严重交通违法记录数（记满12分等）",
    "records.serious_dishonesty.count": "严重失信记录数",
    "records.abnormal_operation.count": "经营异常名录记录数",
    "records.social_insurance.months": "社会保险累计缴费月数",
    "records.social_insurance.employees": "参保职工人数",
    "records.housing_fund.employees": "公积金缴存职工人数",
    "records.licence.count": "有效行政许可数",
    "certificates.business_licence.number": "营业执照编号（电子证照）",
    "certificates.real_estate_certificate.number": "不动产权证书号（电子证照）",
}
"""Documented fact paths. A path outside this list is accepted when it starts with one of ``FACT_ROOTS`` (the
one-stop context may add facts), but the admin editor warns about it; ``form.<field>`` reads the applicant's own
answer."""
