"""Request-validation errors are answered in Chinese."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import pytest
from pydantic import BaseModel, Field, ValidationError, field_validator

from yiwang.kernel.validation_messages import chinese_message


class _Form(BaseModel):
    name: str = Field(min_length=2, max_length=4)
    age: int = Field(ge=0, le=150)
    kind: Literal["咨询", "投诉"]
    day: dt.date
    phone: str

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not value.isdigit():
            msg = "手机号码只能包含数字"
            raise ValueError(msg)
        return value


def _messages(data: dict[str, object]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        _Form.model_validate(data)
    return {str(err["loc"][0]): chinese_message(err) for err in caught.value.errors()}


def test_common_errors_are_chinese() -> None:
    messages = _messages({"name": "张", "age": 200, "kind": "闲聊", "day": "28/11/2026", "phone": "13x"})
    assert messages == {
        "name": "至少需要 2 个字符",
        "age": "不能大于 150",
        "kind": "可选值：咨询、投诉",
        "day": "日期格式不正确，应为 YYYY-MM-DD",
        "phone": "手机号码只能包含数字",
    }


def test_missing_and_unknown_types() -> None:
    assert _messages({"name": "张三", "age": 3, "kind": "咨询", "day": "2026-11-28"}) == {"phone": "必填项，请填写"}
    assert chinese_message({"type": "something_new", "msg": "odd"}) == "格式不正确：odd"
