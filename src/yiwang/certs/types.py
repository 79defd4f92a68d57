"""The certificate types the city issues (证照目录): code, Chinese name, issuing department, holder kind, validity.

Other codes are accepted when the issuer gives a name (departments add types faster than this list is edited);
these known types fill in the name and a default validity so callers pass only the code.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from yiwang.kernel.errors import ValidationError

TYPE_CODE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


@dataclass(frozen=True, slots=True)
class CertType:
    """A kind of certificate: who issues it, to whom, and for how long it is valid (None = 长期有效)."""

    code: str
    name: str
    department: str
    holder_kind: str
    validity_years: int | None


CERT_TYPES: dict[str, CertType] = {
    t.code: t
    for t in (
        CertType("business_licence", "营业执照", "market", "enterprise", None),
        CertType("food_business_licence", "食品经营许可证", "market", "enterprise", 5),
        CertType("seal_filing", "印章备案证明", "police", "enterprise", None),
        CertType("tax_registration_confirmation", "税务登记确认信息", "tax", "enterprise", None),
        CertType("invoice_approval", "发票领用核定结果", "tax", "enterprise", None),
        CertType("social_insurance_registration", "社会保险登记证明", "hrss", "enterprise", None),
        CertType("medical_insurance_unit_registration", "医疗保险单位参保登记证明", "medins", "enterprise", None),
        CertType("housing_fund_registration", "住房公积金单位登记证明", "hfund", "enterprise", None),
        CertType("road_transport_permit", "道路运输经营许可证", "transport", "enterprise", 4),
        CertType("vehicle_transport_certificate", "道路运输证", "transport", "enterprise", 4),
        CertType("birth_medical_certificate", "出生医学证明", "health", "person", None),
        CertType("household_registration", "居民户口簿", "police", "person", None),
        CertType("vaccination_certificate", "预防接种证", "health", "person", None),
        CertType("medical_insurance_enrolment", "城乡居民医保参保凭证", "medins", "person", None),
        CertType("social_security_card", "社会保障卡", "hrss", "person", 10),
        CertType("retirement_certificate", "退休审批表", "hrss", "person", None),
        CertType("pension_approval", "基本养老金核定表", "hrss", "person", None),
        CertType("real_estate_certificate", "不动产权证书", "planning", "person", None),
        CertType("ride_hailing_driver_licence", "网络预约出租汽车驾驶员证", "transport", "person", 6),
        CertType("residence_permit", "居住证", "police", "person", 1),
        CertType("marriage_certificate", "结婚证", "civil", "person", None),
        CertType("driving_licence", "机动车驾驶证", "police", "person", 6),
    )
}
"""Known certificate types, keyed by code: the same codes and names as ``catalogue.codes.CERT_TYPES`` (the
catalogue's ``result_type`` / material ``cert_type``), plus issuing department, holder kind and validity."""


def check_type_code(code: str) -> str:
    """Validate a type code's form (lower-case letters, digits and ``_``)."""
    if not TYPE_CODE.match(code or ""):
        raise ValidationError(
            f"证照类型代码 {code!r} 格式不正确，应为小写字母开头的字母、数字和下划线", field="cert_type"
        )
    return code


def type_name(code: str, given: str = "") -> str:
    """The Chinese name of a type: the one given, else the known one; unknown without a name is an error."""
    if given.strip():
        return given.strip()
    known = CERT_TYPES.get(code)
    if known is None:
        raise ValidationError(f"证照类型 {code} 不在证照目录中，请同时填写证照名称", field="cert_name")
    return known.name


def default_valid_until(code: str, valid_from: dt.date) -> dt.date | None:
    """End of validity for a known type issued on ``valid_from`` (the day before the anniversary)."""
    known = CERT_TYPES.get(code)
    if known is None or known.validity_years is None:
        return None
    try:
        end = valid_from.replace(year=valid_from.year + known.validity_years)
    except ValueError:  # 29 February → 28 February
        end = valid_from.replace(year=valid_from.year + known.validity_years, day=28)
    return end - dt.timedelta(days=1)
