"""Validation rules of base data: every problem is found, named by field, in Chinese."""

import datetime as dt
from decimal import Decimal

import pytest

from yiwang.kernel.errors import ValidationError
from yiwang.registry.rules import check_enterprise, check_person

TODAY = dt.date(2025, 6, 1)
KNOWN = frozenset({"510107", "510104", "510107005", "510107001", "510104022"})


def person(**overrides):
    data = {
        "name": "张三",
        "id_number": "510107199003071236",
        "sex": "男",
        "birth_date": dt.date(1990, 3, 7),
        "household_address": "成都市武侯区玉林街道玉林北路1号",
        "household_district_code": "510107",
        "household_street_code": "510107005",
        "phone": "13812345678",
    }
    data.update(overrides)
    return data


def enterprise(**overrides):
    data = {
        "uscc": "91510107MA6CAB1262",
        "name": "成都示例科技有限公司",
        "entity_type": "有限责任公司",
        "legal_representative": "张三",
        "legal_representative_id": "510107199003071236",
        "industry_section": "I",
        "industry_division": "65",
        "registered_capital": Decimal(100),
        "founded_on": dt.date(2020, 1, 2),
        "district_code": "510107",
        "street_code": "510107005",
        "address": "成都市武侯区玉林街道示例路1号",
        "status": "存续",
        "employees": 12,
    }
    data.update(overrides)
    return data


def problems(checked):
    return dict(checked.problems)


def test_valid_person_passes_and_is_normalised():
    checked = check_person(
        person(id_number="510107199003071236", sex=None, birth_date=None), known_codes=KNOWN, today=TODAY
    )
    assert checked.problems == []
    assert checked.values["sex"] == "男"
    assert checked.values["birth_date"] == dt.date(1990, 3, 7)


def test_person_id_checksum_error_names_field():
    checked = check_person(person(id_number="510107199003071237"), known_codes=KNOWN, today=TODAY)
    assert problems(checked) == {"id_number": "公民身份号码校验码错误：最后一位应为 6，实际为 7"}
    with pytest.raises(ValidationError) as caught:
        checked.raise_first()
    assert caught.value.field == "id_number"


def test_person_sex_and_birth_must_match_the_number():
    checked = check_person(person(sex="女", birth_date=dt.date(1990, 3, 8)), known_codes=KNOWN, today=TODAY)
    found = problems(checked)
    assert "性别“女”与公民身份号码不一致" in found["sex"]
    assert "应为“男”" in found["sex"]
    assert found["birth_date"] == "出生日期 1990-03-08 与公民身份号码中的出生日期 1990-03-07 不一致"


def test_person_future_birth_date_in_number():
    checked = check_person(
        person(id_number="510107203001010018", sex=None, birth_date=None), known_codes=KNOWN, today=TODAY
    )
    assert "不合理" in problems(checked)["id_number"]


def test_person_places_must_be_known_and_nested():
    checked = check_person(
        person(household_district_code="510104", household_street_code="510107005"), known_codes=KNOWN, today=TODAY
    )
    assert problems(checked)["household_street_code"] == (
        "户籍街道代码 510107005 不属于户籍区县代码 510104（应以 510104 开头）"
    )
    checked = check_person(person(household_district_code="510199"), known_codes=KNOWN, today=TODAY)
    assert problems(checked)["household_district_code"] == "户籍区县代码 510199 不在本市行政区划代码表中"
    checked = check_person(person(household_street_code="5101070"), known_codes=KNOWN, today=TODAY)
    assert "户籍街道代码应为9位" in problems(checked)["household_street_code"]


def test_person_name_and_phone():
    checked = check_person(person(name="张3", phone="12345"), known_codes=KNOWN, today=TODAY)
    found = problems(checked)
    assert "姓名“张3”含有不允许的字符" in found["name"]
    assert "联系电话“12345”格式不正确" in found["phone"]
    assert check_person(person(name="买买提·艾力", phone="028-85551234"), known_codes=KNOWN, today=TODAY).problems == []


def test_person_collects_every_problem():
    checked = check_person(
        person(name="", id_number="123", household_address="", household_district_code="x"),
        known_codes=KNOWN,
        today=TODAY,
    )
    assert set(problems(checked)) == {"name", "id_number", "household_address", "household_district_code"}


def test_valid_enterprise_passes():
    checked = check_enterprise(enterprise(), known_codes=KNOWN, today=TODAY)
    assert checked.problems == []
    assert checked.values["registered_capital"] == Decimal("100.00")


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"uscc": "91510107MA6CAB1263"}, "uscc", "统一社会信用代码校验码错误"),
        ({"uscc": "51510107MA6CAB126X"}, "uscc", "统一社会信用代码"),
        ({"industry_section": "I", "industry_division": "62"}, "industry_division", "行业大类 62（餐饮业）属于门类 H"),
        ({"industry_section": "U"}, "industry_section", "行业门类 U 无效"),
        ({"registered_capital": Decimal(-1)}, "registered_capital", "注册资本不能为负数"),
        ({"founded_on": dt.date(2030, 1, 1)}, "founded_on", "成立日期 2030-01-01 晚于今天"),
        ({"street_code": "510104022"}, "street_code", "所在街道代码 510104022 不属于所在区县代码 510107"),
        ({"district_code": "310101"}, "district_code", "所在区县代码 310101 不在本市行政区划代码表中"),
        ({"entity_type": "公司"}, "entity_type", "市场主体类型“公司”无效"),
        ({"entity_type": "个体工商户"}, "entity_type", "与统一社会信用代码不一致"),
        ({"status": "倒闭"}, "status", "登记状态“倒闭”无效"),
        ({"employees": -3}, "employees", "从业人数应为不小于0的整数"),
        (
            {"legal_representative_id": "510107199003071237"},
            "legal_representative_id",
            "法定代表人身份证号码校验码错误",
        ),
    ],
)
def test_enterprise_errors_name_the_field(overrides, field, fragment):
    checked = check_enterprise(enterprise(**overrides), known_codes=KNOWN, today=TODAY)
    found = problems(checked)
    assert field in found, found
    assert fragment in found[field]


def test_entity_type_qualifier_and_individual_business_code():
    assert (
        check_enterprise(enterprise(entity_type="有限责任公司（自然人独资）"), known_codes=KNOWN, today=TODAY).problems
        == []
    )
    individual = check_enterprise(
        enterprise(uscc="92510107L5DEMC30XN", entity_type="有限责任公司"), known_codes=KNOWN, today=TODAY
    )
    assert "代码第2位为 2，应为“个体工商户”" in problems(individual)["entity_type"]
