import datetime as dt

import pytest

from yiwang.kernel.errors import ValidationError
from yiwang.kernel.identifiers import (
    id_check_char,
    uscc_check_char,
    validate_citizen_id,
    validate_division_code,
    validate_uscc,
)


@pytest.mark.parametrize("code", ["91330102MA28NBU477", "9144030071526726XG", "91510107MA6CAB1262"])
def test_real_and_documented_usccs_validate(code: str) -> None:
    assert validate_uscc(code) == code


def test_uscc_is_normalised_to_upper_case() -> None:
    assert validate_uscc(" 91510107ma6cab1262 ") == "91510107MA6CAB1262"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91510107MA6CAB126", "应为18位"),
        ("91510107MA6CAB1263", "校验码错误：最后一位应为 2"),
        ("91510107MA6CAB1I62", "不允许的字符：I"),
        ("Z1510107MA6CAB1262", "不允许的字符"),
        ("B1510107MA6CAB1262", "登记管理部门代码 B 无效"),
        ("91990107MA6CAB1262", "行政区划码 990107 无效"),
        ("91510107MA6CAB1362", "组织机构代码校验位错误"),
    ],
)
def test_bad_usccs_name_field_and_reason(code: str, reason: str) -> None:
    with pytest.raises(ValidationError) as err:
        validate_uscc(code, field="统一社会信用代码")
    assert reason in err.value.message
    assert err.value.field == "统一社会信用代码"


def test_citizen_id_parts() -> None:
    cid = validate_citizen_id("510107199003071236")
    assert cid.birth_date == dt.date(1990, 3, 7)
    assert cid.sex == "男"
    assert cid.area_code == "510107"


def test_citizen_id_female_and_x_check() -> None:
    body = "51010420010101002"
    number = body + id_check_char(body)
    assert validate_citizen_id(number.lower()).sex == "女"


def test_retired_area_code_still_accepted() -> None:
    # 510122 (双流县) was retired in 2015; people registered there keep it on their card.
    body = "51012220180101001"
    assert validate_citizen_id(body + id_check_char(body)).area_code == "510122"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("51010719900307123", "应为18位"),
        ("510107199003071237", "校验码错误：最后一位应为 6"),
        ("510107199002301236", "不是有效日期"),
        ("990107199003071236", "地址码"),
        ("5101071990030712A6", "前17位必须是数字"),
    ],
)
def test_bad_citizen_ids(number: str, reason: str) -> None:
    with pytest.raises(ValidationError) as err:
        validate_citizen_id(number)
    assert reason in err.value.message
    assert err.value.field == "公民身份号码"


def test_future_birth_date_refused() -> None:
    body = "51010720300101001"
    with pytest.raises(ValidationError, match="不合理"):
        validate_citizen_id(body + id_check_char(body), today=dt.date(2026, 1, 1))


def test_check_chars_match_documented_examples() -> None:
    assert id_check_char("51010719900307123") == "6"
    assert uscc_check_char("91510107MA6CAB126") == "2"


def test_division_code_against_master_data() -> None:
    known = {"510107", "510107001"}
    assert validate_division_code("510107", known) == "510107"
    with pytest.raises(ValidationError, match="不在本市"):
        validate_division_code("510199", known)
    with pytest.raises(ValidationError, match="6位"):
        validate_division_code("5101", known)
