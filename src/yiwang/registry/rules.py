"""Validation rules for base data (persons, enterprises): pure functions that collect every problem of a record.

The same rules serve single registrations (the first problem becomes a :class:`ValidationError`) and file
imports (every problem becomes a row error). Each problem names the attribute and carries a Chinese message
that names the field as people know it (公民身份号码, 户籍街道代码 …).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from yiwang.kernel.errors import ValidationError
from yiwang.kernel.identifiers import CitizenId, validate_citizen_id, validate_division_code, validate_uscc
from yiwang.registry.industry import validate_industry
from yiwang.registry.vocab import EnterpriseStatus, EntityType, Sex

CITY_TZ = ZoneInfo("Asia/Shanghai")

MAX_MONEY = Decimal("9999999999999999.99")  # Numeric(18, 2)
_NAME_CHARS = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ebe0·A-Za-z ]+$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
_QUALIFIER = re.compile(r"[（(][^）)]*[）)]$")

PERSON_LABELS = {
    "name": "姓名",
    "id_number": "公民身份号码",
    "sex": "性别",
    "birth_date": "出生日期",
    "household_address": "户籍地址",
    "household_district_code": "户籍区县代码",
    "household_street_code": "户籍街道代码",
    "phone": "联系电话",
}
ENTERPRISE_LABELS = {
    "uscc": "统一社会信用代码",
    "name": "企业名称",
    "entity_type": "市场主体类型",
    "legal_representative": "法定代表人",
    "legal_representative_id": "法定代表人身份证号码",
    "industry_section": "行业门类",
    "industry_division": "行业大类",
    "registered_capital": "注册资本",
    "founded_on": "成立日期",
    "district_code": "所在区县代码",
    "street_code": "所在街道代码",
    "address": "住所",
    "status": "登记状态",
    "employees": "从业人数",
}


def city_today() -> dt.date:
    """Today's date in the city (China Standard Time), the reference for "not in the future"."""
    return dt.datetime.now(CITY_TZ).date()


@dataclass
class Checked:
    """Normalised values of a record and the problems found, each as (attribute, Chinese message)."""

    values: dict[str, object] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)

    def add(self, attribute: str, message: str) -> None:
        """Record a problem with one attribute."""
        self.problems.append((attribute, message))

    def raise_first(self) -> None:
        """Raise the first problem as a ValidationError naming the attribute."""
        if self.problems:
            attribute, message = self.problems[0]
            raise ValidationError(message, field=attribute)


def _text(
    checked: Checked, data: Mapping[str, object], attribute: str, label: str, *, max_length: int, required: bool
) -> str | None:
    raw = data.get(attribute)
    value = str(raw).strip() if raw is not None else ""
    if not value:
        if required and attribute in data:
            checked.add(attribute, f"{label}不能为空")
        return None
    if len(value) > max_length:
        checked.add(attribute, f"{label}过长：最多{max_length}个字符，实际{len(value)}个")
        return None
    checked.values[attribute] = value
    return value


def _person_name(checked: Checked, data: Mapping[str, object], attribute: str, label: str, *, required: bool) -> None:
    name = _text(checked, data, attribute, label, max_length=32, required=required)
    if name is not None and not _NAME_CHARS.match(name):
        checked.add(attribute, f"{label}“{name}”含有不允许的字符：只能是汉字、字母、空格或间隔号“·”")
        checked.values.pop(attribute, None)


def _division(
    checked: Checked,
    data: Mapping[str, object],
    attribute: str,
    label: str,
    *,
    known: frozenset[str],
    digits: int,
    required: bool,
) -> str | None:
    raw = data.get(attribute)
    code = str(raw).strip() if raw is not None else ""
    if not code:
        if required and attribute in data:
            checked.add(attribute, f"{label}不能为空")
        return None
    level = "区（市）县" if digits == 6 else "街道（乡镇）"  # noqa: PLR2004
    if not code.isdigit() or len(code) != digits:
        checked.add(attribute, f"{label}应为{digits}位{level}代码：{code}")
        return None
    try:
        validate_division_code(code, known, field=label)
    except ValidationError as exc:
        checked.add(attribute, exc.message)
        return None
    checked.values[attribute] = code
    return code


def _street_in_district(
    checked: Checked, street_attr: str, district_attr: str, street_label: str, district_label: str
) -> None:
    street = checked.values.get(street_attr)
    district = checked.values.get(district_attr)
    if isinstance(street, str) and isinstance(district, str) and street[:6] != district:
        checked.add(street_attr, f"{street_label} {street} 不属于{district_label} {district}（应以 {district} 开头）")
        checked.values.pop(street_attr, None)


def _not_future(checked: Checked, attribute: str, label: str, value: object, today: dt.date) -> None:
    if isinstance(value, dt.date) and value > today:
        checked.add(attribute, f"{label} {value.isoformat()} 晚于今天（{today.isoformat()}），不能是将来的日期")
        checked.values.pop(attribute, None)


def _sex_and_birth(checked: Checked, data: Mapping[str, object], citizen: CitizenId | None) -> None:
    labels = PERSON_LABELS
    sex = str(data.get("sex") or "").strip()
    if sex and sex not in {s.value for s in Sex}:
        checked.add("sex", f"{labels['sex']}“{sex}”无效：应为 男 或 女")
        return
    if citizen is None:
        return
    if sex and sex != citizen.sex:
        parity = "奇数" if citizen.sex == Sex.MALE else "偶数"
        checked.add("sex", f"{labels['sex']}“{sex}”与公民身份号码不一致：第17位顺序码为{parity}，应为“{citizen.sex}”")
    checked.values["sex"] = citizen.sex
    birth = data.get("birth_date")
    if isinstance(birth, dt.date) and birth != citizen.birth_date:
        checked.add(
            "birth_date",
            f"{labels['birth_date']} {birth.isoformat()} 与公民身份号码中的出生日期 "
            f"{citizen.birth_date.isoformat()} 不一致",
        )
    checked.values["birth_date"] = citizen.birth_date


def _phone(checked: Checked, data: Mapping[str, object]) -> None:
    label = PERSON_LABELS["phone"]
    phone = str(data.get("phone") or "").strip().replace(" ", "")
    if not phone:
        return
    if _MOBILE.match(phone) or _LANDLINE.match(phone):
        checked.values["phone"] = phone
    else:
        checked.add("phone", f"{label}“{phone}”格式不正确：应为11位手机号或带区号的固定电话（如 028-85551234）")


def check_person(data: Mapping[str, object], *, known_codes: frozenset[str], today: dt.date) -> Checked:
    """Check a person's attributes present in ``data``; sex and birth date must agree with the ID number."""
    labels = PERSON_LABELS
    checked = Checked()
    _person_name(checked, data, "name", labels["name"], required=True)
    citizen: CitizenId | None = None
    if data.get("id_number") is not None:
        try:
            citizen = validate_citizen_id(str(data["id_number"]), field=labels["id_number"], today=today)
        except ValidationError as exc:
            checked.add("id_number", exc.message)
        else:
            checked.values["id_number"] = citizen.number
    _sex_and_birth(checked, data, citizen)
    _text(checked, data, "household_address", labels["household_address"], max_length=128, required=True)
    for attribute, digits, required in (("household_district_code", 6, True), ("household_street_code", 9, False)):
        _division(checked, data, attribute, labels[attribute], known=known_codes, digits=digits, required=required)
    _street_in_district(
        checked,
        "household_street_code",
        "household_district_code",
        labels["household_street_code"],
        labels["household_district_code"],
    )
    _phone(checked, data)
    if "synthetic" in data:
        checked.values["synthetic"] = bool(data["synthetic"])
    return checked


def _entity_type(checked: Checked, data: Mapping[str, object], uscc: str | None) -> None:
    label = ENTERPRISE_LABELS["entity_type"]
    value = _text(checked, data, "entity_type", label, max_length=32, required=True)
    if value is None:
        return
    base = _QUALIFIER.sub("", value).strip()
    known = {t.value for t in EntityType}
    if base not in known:
        checked.add("entity_type", f"{label}“{value}”无效：应为 {'、'.join(sorted(known))} 之一（可带括号说明）")
        checked.values.pop("entity_type", None)
        return
    if uscc is None:
        return
    # GB 32100: 9x codes are issued by market regulation; x = 1 企业, 2 个体工商户, 3 农民专业合作社.
    category = uscc[1]
    expected = {"2": EntityType.INDIVIDUAL_BUSINESS, "3": EntityType.FARMERS_COOPERATIVE}.get(category)
    if expected is not None and base != expected:
        checked.add(
            "entity_type", f"{label}“{value}”与统一社会信用代码不一致：代码第2位为 {category}，应为“{expected}”"
        )
    elif expected is None and base in {EntityType.INDIVIDUAL_BUSINESS, EntityType.FARMERS_COOPERATIVE}:
        checked.add(
            "entity_type",
            f"{label}“{value}”与统一社会信用代码不一致：{base}的代码第2位应为 "
            f"{'2' if base == EntityType.INDIVIDUAL_BUSINESS else '3'}，实际为 {category}",
        )


def _money(checked: Checked, data: Mapping[str, object], attribute: str, label: str, unit: str) -> None:
    raw = data.get(attribute)
    if raw is None or raw == "":
        if attribute in data:
            checked.add(attribute, f"{label}不能为空")
        return
    try:
        amount = Decimal(str(raw))
    except InvalidOperation:
        checked.add(attribute, f"{label}“{raw}”不是有效金额")
        return
    if not amount.is_finite():
        checked.add(attribute, f"{label}“{raw}”不是有效金额")
    elif amount < 0:
        checked.add(attribute, f"{label}不能为负数：{amount}{unit}")
    elif amount > MAX_MONEY:
        checked.add(attribute, f"{label}过大：{amount}{unit}")
    else:
        checked.values[attribute] = amount.quantize(Decimal("0.01"))


def _uscc(checked: Checked, data: Mapping[str, object]) -> str | None:
    label = ENTERPRISE_LABELS["uscc"]
    if data.get("uscc") is None:
        return None
    try:
        uscc = validate_uscc(str(data["uscc"]), field=label)
    except ValidationError as exc:
        checked.add("uscc", exc.message)
        return None
    if uscc[0] != "9":
        checked.add("uscc", f"{label} {uscc} 第1位为 {uscc[0]}，不是市场监管部门登记的市场主体（应以 9 开头）")
        return None
    checked.values["uscc"] = uscc
    return uscc


def _citizen_id(checked: Checked, data: Mapping[str, object], attribute: str, label: str, today: dt.date) -> None:
    raw = data.get(attribute)
    if not raw:
        return
    try:
        checked.values[attribute] = validate_citizen_id(str(raw), field=label, today=today).number
    except ValidationError as exc:
        checked.add(attribute, exc.message)


def _industry(checked: Checked, data: Mapping[str, object]) -> None:
    labels = ENTERPRISE_LABELS
    if data.get("industry_section") is None or data.get("industry_division") is None:
        return
    try:
        section, division = validate_industry(
            str(data["industry_section"]),
            str(data["industry_division"]),
            section_field=labels["industry_section"],
            division_field=labels["industry_division"],
        )
    except ValidationError as exc:
        attribute = "industry_section" if exc.field == labels["industry_section"] else "industry_division"
        checked.add(attribute, exc.message)
    else:
        checked.values["industry_section"] = section
        checked.values["industry_division"] = division


def _date(checked: Checked, data: Mapping[str, object], attribute: str, label: str, today: dt.date) -> None:
    value = data.get(attribute)
    if isinstance(value, dt.date):
        checked.values[attribute] = value
        _not_future(checked, attribute, label, value, today)
    elif attribute in data:
        checked.add(attribute, f"{label}不能为空")


def _choice(checked: Checked, data: Mapping[str, object], attribute: str, label: str, choices: list[str]) -> None:
    value = str(data.get(attribute) or "").strip()
    if not value:
        return
    if value in choices:
        checked.values[attribute] = value
    else:
        checked.add(attribute, f"{label}“{value}”无效：应为 {'、'.join(choices)} 之一")


def _count(checked: Checked, data: Mapping[str, object], attribute: str, label: str) -> None:
    value = data.get(attribute)
    if value is None or value == "":
        return
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        checked.values[attribute] = value
    else:
        checked.add(attribute, f"{label}应为不小于0的整数：{value}")


def check_enterprise(data: Mapping[str, object], *, known_codes: frozenset[str], today: dt.date) -> Checked:
    """Check an enterprise's attributes present in ``data`` (codes, industry, dates, capital, places)."""
    labels = ENTERPRISE_LABELS
    checked = Checked()
    uscc = _uscc(checked, data)
    _text(checked, data, "name", labels["name"], max_length=128, required=True)
    _entity_type(checked, data, uscc)
    _person_name(checked, data, "legal_representative", labels["legal_representative"], required=True)
    _citizen_id(checked, data, "legal_representative_id", labels["legal_representative_id"], today)
    _industry(checked, data)
    _money(checked, data, "registered_capital", labels["registered_capital"], "万元")
    _date(checked, data, "founded_on", labels["founded_on"], today)
    _division(checked, data, "district_code", labels["district_code"], known=known_codes, digits=6, required=True)
    _division(checked, data, "street_code", labels["street_code"], known=known_codes, digits=9, required=False)
    _street_in_district(checked, "street_code", "district_code", labels["street_code"], labels["district_code"])
    _text(checked, data, "address", labels["address"], max_length=128, required=True)
    _choice(checked, data, "status", labels["status"], [s.value for s in EnterpriseStatus])
    _count(checked, data, "employees", labels["employees"])
    if "synthetic" in data:
        checked.values["synthetic"] = bool(data["synthetic"])
    return checked
