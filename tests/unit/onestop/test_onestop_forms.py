"""Application forms: every problem of the answers named by field with a Chinese message using the field's title."""

from __future__ import annotations

from typing import Any

import pytest

from yiwang.kernel.errors import ValidationError
from yiwang.onestop import forms

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "applicant_name": {"type": "string", "title": "申请人姓名", "maxLength": 4, "minLength": 2},
        "applicant_phone": {"type": "string", "title": "联系电话", "pattern": "^1[0-9]{10}$"},
        "employees": {"type": "integer", "title": "从业人数", "minimum": 1, "maximum": 999},
        "taxpayer_type": {"type": "string", "title": "纳税人类型", "enum": ["小规模纳税人", "一般纳税人"]},
        "exam_passed": {"type": "boolean", "title": "已通过考试"},
        "contact": {
            "type": "object",
            "title": "联系人",
            "properties": {"email": {"type": "string", "title": "电子邮箱", "maxLength": 8}},
            "required": ["email"],
        },
        "seals": {"type": "array", "title": "印章", "items": {"type": "string", "title": "印章类型", "maxLength": 6}},
        "note": {"type": "string", "minLength": 1},
    },
    "required": ["applicant_name", "applicant_phone", "exam_passed"],
}
GOOD = {"applicant_name": "王建国", "applicant_phone": "13900001111", "exam_passed": True}


def problems(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(forms.FormErrors) as caught:
        forms.validate_form(SCHEMA, data)
    return {e["field"]: e["message"] for e in caught.value.errors}


def test_valid_answers_pass() -> None:
    forms.validate_form(SCHEMA, GOOD)
    forms.validate_form({}, {"anything": 1})  # an item without a form schema accepts any answers


def test_every_problem_is_listed_with_its_field_and_title() -> None:
    found = problems(
        {
            "applicant_name": "欧阳娜娜娜",
            "applicant_phone": "123",
            "employees": 0,
            "taxpayer_type": "个体",
            "exam_passed": "是",
        }
    )
    assert found == {
        "applicant_name": "「申请人姓名」不能超过 4 个字",
        "applicant_phone": "「联系电话」格式不正确",
        "employees": "「从业人数」不能小于 1",
        "taxpayer_type": "「纳税人类型」应为以下之一：小规模纳税人、一般纳税人",
        "exam_passed": "「已通过考试」应为是/否",
    }


def test_required_nested_array_and_bounds() -> None:
    found = problems(
        {"contact": {"email": "too-long-address"}, "seals": ["公章", "发票专用章很长很长"], "employees": 1000}
    )
    assert found["applicant_name"] == "请填写「申请人姓名」"
    assert found["exam_passed"] == "请填写「已通过考试」"
    assert found["contact.email"] == "「电子邮箱」不能超过 8 个字"
    assert found["seals.1"] == "「印章类型」不能超过 6 个字"
    assert found["employees"] == "「从业人数」不能大于 999"
    assert problems({**GOOD, "contact": {}}) == {"contact.email": "请填写「电子邮箱」"}
    assert problems({**GOOD, "applicant_name": "王"}) == {"applicant_name": "「申请人姓名」至少 2 个字"}
    assert problems({**GOOD, "note": ""}) == {"note": "请填写「note」"}  # no title: the field name


def test_the_error_is_a_422_validation_error_with_api_details() -> None:
    with pytest.raises(forms.FormErrors) as caught:
        forms.validate_form(SCHEMA, {**GOOD, "applicant_phone": "1", "exam_passed": 1})
    error = caught.value
    assert isinstance(error, ValidationError)
    assert error.status_code == 422
    assert error.message.startswith("申请表有 2 处需要修改：")
    assert error.details() == [
        {"code": "invalid", "field": "form_data.applicant_phone", "message": "「联系电话」格式不正确"},
        {"code": "invalid", "field": "form_data.exam_passed", "message": "「已通过考试」应为是/否"},
    ]


def test_fields_and_strip_unknown() -> None:
    assert forms.form_fields(SCHEMA)[:3] == ["applicant_name", "applicant_phone", "employees"]
    assert forms.form_fields({}) == []
    assert forms.strip_unknown(SCHEMA, {"applicant_name": "王建国", "is_admin": True}) == {"applicant_name": "王建国"}
    assert forms.strip_unknown({}, {"x": 1}) == {"x": 1}
