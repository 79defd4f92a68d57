"""Template rendering in the sandbox, missing-variable errors and SMS billing (pure)."""

from __future__ import annotations

import pytest

from yiwang.kernel.errors import ValidationError
from yiwang.notify import rendering


def test_renders_title_and_body() -> None:
    rendered = rendering.render(
        key="t", title="事项已受理：{{ name }}\n", body="编号 {{ no }}。\n", variables={"name": "办证", "no": "A1"}
    )
    assert rendered == rendering.Rendered(title="事项已受理：办证", body="编号 A1。")


def test_missing_variables_are_named_before_anything_renders() -> None:
    with pytest.raises(ValidationError) as error:
        rendering.render(key="t", title="{{ a }}", body="{{ b }}{{ c or '无' }}", variables={"a": 1})
    assert error.value.message == "通知模板 t 缺少变量：b、c"
    assert error.value.field == "variables"


def test_missing_attribute_of_a_given_variable_is_an_error_too() -> None:
    with pytest.raises(ValidationError, match="渲染失败"):
        rendering.render(key="t", title="", body="{{ case.number }}", variables={"case": {}})


def test_sandbox_refuses_python_internals() -> None:
    with pytest.raises(ValidationError, match="渲染失败"):
        rendering.render(key="t", title="", body="{{ x.__class__.__mro__ }}", variables={"x": ""})


def test_syntax_errors_are_reported_with_the_line() -> None:
    with pytest.raises(ValidationError) as error:
        rendering.check_syntax("第一行\n{{ oops", field="body")
    assert error.value.message.startswith("模板语法错误（第 2 行）")
    assert error.value.field == "body"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", rendering.SmsLength(0, "gsm7", 1)),
        ("好" * 70, rendering.SmsLength(70, "ucs2", 1)),
        ("好" * 71, rendering.SmsLength(71, "ucs2", 2)),
        ("好" * 134, rendering.SmsLength(134, "ucs2", 2)),
        ("好" * 135, rendering.SmsLength(135, "ucs2", 3)),
        ("a" * 160, rendering.SmsLength(160, "gsm7", 1)),
        ("a" * 161, rendering.SmsLength(161, "gsm7", 2)),
        ("{}" * 40, rendering.SmsLength(160, "gsm7", 1)),  # GSM extension characters cost two septets
        ("好😀", rendering.SmsLength(3, "ucs2", 1)),  # emoji take two UCS-2 units
    ],
)
def test_sms_length(text: str, expected: rendering.SmsLength) -> None:
    assert rendering.sms_length(text) == expected


def test_overlong_sms_is_refused() -> None:
    assert rendering.check_sms("好" * 670, key="t").segments == 10
    with pytest.raises(ValidationError, match="超过 10 条"):
        rendering.check_sms("好" * 671, key="t")
